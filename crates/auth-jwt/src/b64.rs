//! Strict base64url (RFC 7515 §2): the URL-safe alphabet, no padding, no whitespace, and
//! canonical trailing bits, so every byte string has exactly one accepted spelling.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Marks a byte outside the URL-safe alphabet in [`DECODE`].
const INVALID: u8 = 0xff;

/// Each byte's 6-bit value in the URL-safe alphabet, or [`INVALID`].
const DECODE: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Set in a [`SHIFTED`] entry for a byte outside the alphabet (above the 24 data bits).
const INVALID_BIT: u32 = 1 << 31;

/// For each position in a group of four characters, each byte's value already shifted to its
/// place in the 24-bit group (or [`INVALID_BIT`]): a group decodes with four loads and three
/// ORs.
const SHIFTED: [[u32; 256]; 4] = {
    let mut tables = [[INVALID_BIT; 256]; 4];
    let mut ch = 0;
    while ch < 256 {
        let v = DECODE[ch];
        if v != INVALID {
            let mut pos = 0;
            while pos < 4 {
                tables[pos][ch] = (v as u32) << (6 * (3 - pos));
                pos += 1;
            }
        }
        ch += 1;
    }
    tables
};

/// Decode canonical unpadded base64url; `None` for anything else: a byte outside the
/// URL-safe alphabet (`+`, `/`, `=`, whitespace), an impossible length (one character past a
/// multiple of four), or non-zero trailing bits (a second spelling of the same bytes).
///
/// Written out rather than taken from the `base64` engine: tokens are decoded on every
/// uncached verification, and a table lookup per character with one validity check per
/// four is a third of the engine's instructions here. The tests hold it to the engine's
/// answers.
pub(crate) fn decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    decode_into(s, &mut out).then_some(out)
}

/// [`decode`], appending to `out`; `false` (with `out` in an unspecified state) for input
/// that is not canonical unpadded base64url.
pub(crate) fn decode_into(s: &[u8], out: &mut Vec<u8>) -> bool {
    let tail = s.len() % 4;
    if tail == 1 {
        return false;
    }
    let (quads, rest) = s.split_at(s.len() - tail);
    let start = out.len();
    out.reserve(quads.len() / 4 * 3 + tail.saturating_sub(1));
    // Write into zeroed space through exact chunks: no capacity or bounds check per quad.
    out.resize(start + quads.len() / 4 * 3, 0);
    for (quad, dst) in quads.chunks_exact(4).zip(out[start..].chunks_exact_mut(3)) {
        let n = SHIFTED[0][usize::from(quad[0])]
            | SHIFTED[1][usize::from(quad[1])]
            | SHIFTED[2][usize::from(quad[2])]
            | SHIFTED[3][usize::from(quad[3])];
        if n & INVALID_BIT != 0 {
            return false;
        }
        let [_, x, y, z] = n.to_be_bytes();
        dst.copy_from_slice(&[x, y, z]);
    }
    if rest.is_empty() {
        return true;
    }
    // The last two or three characters, left-aligned in 24 bits: 12 bits give one byte and 4
    // trailing bits, 18 bits two bytes and 2 trailing bits; canonical means those are zero.
    let mut n: u32 = 0;
    for &ch in rest {
        let v = DECODE[usize::from(ch)];
        if v == INVALID {
            return false;
        }
        n = n << 6 | u32::from(v);
    }
    let [_, x, y, z] = (n << (6 * (4 - rest.len()))).to_be_bytes();
    if rest.len() == 2 {
        out.push(x);
        y == 0
    } else {
        out.extend_from_slice(&[x, y]);
        z == 0
    }
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

    proptest::proptest! {
        /// The decoder gives the engine's answer for any input, and the 65-character
        /// alphabet-plus-noise strategy reaches every length and trailing-bit case.
        #[test]
        fn decode_agrees_with_the_engine(s in "[A-Za-z0-9_=+/ -]{0,70}") {
            proptest::prop_assert_eq!(decode(s.as_bytes()), URL_SAFE_NO_PAD.decode(&s).ok());
        }

        #[test]
        fn decode_agrees_with_the_engine_on_any_bytes(s in proptest::collection::vec(proptest::num::u8::ANY, 0..70)) {
            proptest::prop_assert_eq!(decode(&s), URL_SAFE_NO_PAD.decode(&s).ok());
        }

        #[test]
        fn encoded_bytes_decode_back(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            proptest::prop_assert_eq!(decode(encode(&bytes).as_bytes()), Some(bytes));
        }
    }
}
