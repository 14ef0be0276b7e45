//! Public key components checked against the pinned algorithm and turned into a decoding key,
//! a signature length and a public JWK.

use crate::algorithm::{Algorithm, Family};
use crate::b64;
use crate::backend::{self, PublicParts};
use crate::error::{Error, ErrorKind};
use jsonwebtoken::DecodingKey;
use serde_json::{Map, Value};

use super::rsa;

/// The decoding key, signature length and public JWK (without `kid`) for public components.
pub(super) fn public_key(
    alg: Algorithm,
    parts: &PublicParts,
) -> Result<(DecodingKey, usize, Map<String, Value>), Error> {
    let mismatch = || {
        Error::new(
            ErrorKind::InvalidKey,
            format!("the key does not fit the pinned algorithm {alg}"),
        )
    };
    let mut jwk = Map::new();
    let (key, sig_len) = match (alg.family(), parts) {
        (Family::Rsa, PublicParts::Rsa { n, e }) => {
            let (n, e, len) = rsa::check_public(n, e)?;
            jwk.insert("kty".into(), "RSA".into());
            jwk.insert("n".into(), b64::encode(n).into());
            jwk.insert("e".into(), b64::encode(e).into());
            (DecodingKey::from_rsa_raw_components(n, e), len)
        }
        (Family::Ec, PublicParts::Ec { x, y }) => {
            let (crv, size) = match alg {
                Algorithm::ES384 => ("P-384", 48),
                _ => ("P-256", 32),
            };
            if x.len() != size || y.len() != size {
                return Err(mismatch());
            }
            let mut point = Vec::with_capacity(1 + 2 * size);
            point.push(4);
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            backend::validate_public(alg, &point)?;
            jwk.insert("kty".into(), "EC".into());
            jwk.insert("crv".into(), crv.into());
            jwk.insert("x".into(), b64::encode(x).into());
            jwk.insert("y".into(), b64::encode(y).into());
            (DecodingKey::from_ec_der(&point), 2 * size)
        }
        (Family::Ed, PublicParts::Ed { x }) => {
            if x.len() != 32 {
                return Err(mismatch());
            }
            backend::validate_public(alg, x)?;
            jwk.insert("kty".into(), "OKP".into());
            jwk.insert("crv".into(), "Ed25519".into());
            jwk.insert("x".into(), b64::encode(x).into());
            (DecodingKey::from_ed_der(x), 64)
        }
        _ => return Err(mismatch()),
    };
    jwk.insert("use".into(), "sig".into());
    jwk.insert("alg".into(), alg.as_str().into());
    Ok((key, sig_len, jwk))
}
