//! Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no whitespace, and
//! canonical trailing bits, so every byte string has exactly one accepted spelling.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Decode canonical unpadded base64url; `None` for anything else. The engine's URL-safe
/// table has no entry for `+`, `/` or whitespace, its no-padding mode refuses `=`, and it
/// refuses impossible lengths and non-zero trailing bits.
pub(crate) fn decode(s: &[u8]) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

/// Encode as unpadded base64url.
pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Append the unpadded base64url encoding of `bytes` to `out`.
pub(crate) fn encode_into(bytes: impl AsRef<[u8]>, out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_canonical_unpadded_base64url() {
        assert_eq!(decode(b"Zm9v").as_deref(), Some(&b"foo"[..]));
        assert_eq!(decode(b"").as_deref(), Some(&b""[..]));
        for bad in [
            &b"Zm9v="[..],
            b"Zm9=",
            b"Zm 9v",
            b"Zm9v\n",
            b"+/8",
            b"Zh",
            b"A",
            b"Zm9v?",
            b"Zm9v\0",
            b"Zm-_=",
            b"Zm+/",
            b"\xffZm9",
        ] {
            assert!(decode(bad).is_none(), "{bad:?}");
        }
        assert_eq!(encode([0xfb, 0xff]), "-_8");
    }
}
