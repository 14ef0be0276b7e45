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
    let value = value.to_str().map_err(|_| {
        Error::new(
            ErrorKind::Malformed,
            "the Authorization header is not visible ASCII",
        )
    })?;
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::new(
            ErrorKind::MissingToken,
            "no bearer credentials (another scheme)",
        ));
    }
    let token = rest.trim_start_matches(' ');
    if token.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "the bearer token is empty",
        ));
    }
    if !is_b64token(token) {
        return Err(Error::new(
            ErrorKind::Malformed,
            "the bearer token has characters outside b64token",
        ));
    }
    Ok(token)
}

/// RFC 6750 `b64token`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

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
    }
}
