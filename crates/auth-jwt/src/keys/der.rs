//! A minimal DER writer, to turn private JWKs into the PKCS#8 / PKCS#1 documents the crypto
//! backend reads. Only what those structures need: SEQUENCE, INTEGER, OCTET STRING, BIT STRING,
//! OBJECT IDENTIFIER and one context tag.

use crate::algorithm::Algorithm;

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const BIT_STRING: u8 = 0x03;
const CONTEXT_1: u8 = 0xa1;

/// 1.2.840.10045.2.1 (id-ecPublicKey), encoded with its tag.
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// 1.2.840.10045.3.1.7 (prime256v1).
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// 1.3.132.0.34 (secp384r1).
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
/// 1.3.101.112 (id-Ed25519).
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        // Short form; the cast cannot truncate.
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// A non-negative INTEGER from big-endian magnitude bytes.
fn uint(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let m = &magnitude[start..];
    let mut content = Vec::with_capacity(m.len() + 1);
    if m.first().is_none_or(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(m);
    tlv(INTEGER, &content)
}

/// The RSA private key components of a JWK, big-endian.
pub(super) struct RsaPrivate<'a> {
    pub(super) n: &'a [u8],
    pub(super) e: &'a [u8],
    pub(super) d: &'a [u8],
    pub(super) p: &'a [u8],
    pub(super) q: &'a [u8],
    pub(super) dp: &'a [u8],
    pub(super) dq: &'a [u8],
    pub(super) qi: &'a [u8],
}

/// PKCS#1 `RSAPrivateKey` (two-prime).
pub(super) fn rsa_pkcs1(k: &RsaPrivate<'_>) -> Vec<u8> {
    seq(&[
        &uint(&[0]),
        &uint(k.n),
        &uint(k.e),
        &uint(k.d),
        &uint(k.p),
        &uint(k.q),
        &uint(k.dp),
        &uint(k.dq),
        &uint(k.qi),
    ])
}

/// PKCS#8 for an EC private scalar `d` with its public point `(x, y)`.
pub(super) fn ec_pkcs8(alg: Algorithm, d: &[u8], x: &[u8], y: &[u8]) -> Vec<u8> {
    let curve = if alg == Algorithm::ES384 {
        OID_P384
    } else {
        OID_P256
    };
    let mut point = vec![0u8, 4];
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    let ec_private_key = seq(&[
        &uint(&[1]),
        &tlv(OCTET_STRING, d),
        &tlv(CONTEXT_1, &tlv(BIT_STRING, &point)),
    ]);
    seq(&[
        &uint(&[0]),
        &seq(&[OID_EC_PUBLIC_KEY, curve]),
        &tlv(OCTET_STRING, &ec_private_key),
    ])
}

/// PKCS#8 (v1) for an Ed25519 seed.
pub(super) fn ed25519_pkcs8(seed: &[u8]) -> Vec<u8> {
    seq(&[
        &uint(&[0]),
        &seq(&[OID_ED25519]),
        &tlv(OCTET_STRING, &tlv(OCTET_STRING, seed)),
    ])
}

/// Read one TLV header: (tag, content) and the rest.
fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The modulus of a PKCS#1 `RSAPrivateKey`, to say "too small" when the backend refuses a key.
pub(super) fn rsa_private_modulus(pkcs1: &[u8]) -> Option<&[u8]> {
    let (SEQUENCE, body, _) = read_tlv(pkcs1)? else {
        return None;
    };
    let (INTEGER, _version, rest) = read_tlv(body)? else {
        return None;
    };
    let (INTEGER, modulus, _) = read_tlv(rest)? else {
        return None;
    };
    Some(modulus)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(uint(&[0, 0, 5]), vec![2, 1, 5]);
        assert_eq!(uint(&[0x80]), vec![2, 2, 0, 0x80]);
        assert_eq!(uint(&[]), vec![2, 1, 0]);
        let long = tlv(OCTET_STRING, &[0u8; 300]);
        assert_eq!(
            read_tlv(&long).map(|(t, c, r)| (t, c.len(), r.len())),
            Some((4, 300, 0))
        );
        let key = rsa_pkcs1(&RsaPrivate {
            n: &[0xc5; 256],
            e: &[1, 0, 1],
            d: &[1],
            p: &[1],
            q: &[1],
            dp: &[1],
            dq: &[1],
            qi: &[1],
        });
        assert_eq!(rsa_private_modulus(&key).map(<[u8]>::len), Some(257));
        assert_eq!(&long[..4], &[4, 0x82, 0x01, 0x2c]);
        // The well-known 16-byte Ed25519 PKCS#8 prefix.
        let der = ed25519_pkcs8(&[0u8; 32]);
        assert_eq!(der.len(), 48);
        assert_eq!(
            &der[..16],
            &[
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20
            ]
        );
    }
}
