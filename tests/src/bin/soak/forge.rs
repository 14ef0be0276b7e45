//! Bad credentials, made from good ones: a JWT with its signature altered, the same claims
//! under `alg: none`, a truncated cookie, garbage.

/// base64url without padding, as JWT segments are written.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            let six = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[six as usize]));
        }
    }
    out
}

/// `token` with one character in the middle of its signature changed: same header and
/// claims, a signature that does not verify.
pub(crate) fn wrong_signature(token: &str) -> String {
    let Some(dot) = token.rfind('.') else {
        return format!("{token}x");
    };
    let mut bytes = token.as_bytes().to_vec();
    let middle = dot + 1 + (bytes.len() - dot - 1) / 2;
    if let Some(b) = bytes.get_mut(middle) {
        *b = if *b == b'A' { b'B' } else { b'A' };
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// The claims of `token` under an unsigned `{"alg":"none","typ":"at+jwt"}` header.
pub(crate) fn alg_none(token: &str) -> String {
    let claims = token.split('.').nth(1).unwrap_or("e30");
    let header = base64url(br#"{"alg":"none","typ":"at+jwt"}"#);
    format!("{header}.{claims}.")
}

/// A cookie `name=value` with the last characters of its value cut off.
pub(crate) fn truncated_cookie(cookie: &str) -> String {
    let keep = cookie
        .len()
        .saturating_sub(5)
        .max(cookie.find('=').map_or(0, |i| i + 1));
    cookie[..keep].to_owned()
}

/// Garbage where a token or cookie value belongs; `n` varies it.
pub(crate) fn garbage(n: u64) -> String {
    match n % 4 {
        0 => "not-a-token".to_owned(),
        1 => "eyJhbGciOiJIUzI1NiJ9.e30.".to_owned(),
        2 => "A".repeat(40),
        _ => format!("{n:x}.{n:x}.{n:x}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_known_values() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url(br#"{"alg":"none"}"#), "eyJhbGciOiJub25lIn0");
    }

    #[test]
    fn forged_tokens_keep_the_claims_and_break_the_signature() {
        let token = "aGVhZGVy.Y2xhaW1z.c2lnbmF0dXJlMTIz";
        let wrong = wrong_signature(token);
        assert_ne!(wrong, token);
        assert!(wrong.starts_with("aGVhZGVy.Y2xhaW1z."));
        assert!(alg_none(token).ends_with(".Y2xhaW1z."));
        assert_eq!(truncated_cookie("session=abcdefghij"), "session=abcde");
        assert_eq!(truncated_cookie("session=ab"), "session=");
    }
}
