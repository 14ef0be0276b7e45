//! The one place that knows which jsonwebtoken crypto backend is compiled in (aws-lc-rs).
//!
//! Signing and signature checks go through jsonwebtoken's provider, except HMAC checks, which
//! use aws-lc-rs (the same code underneath) with the secret prepared once per key; aws-lc-rs is
//! otherwise used directly only to validate public keys once, when a key is built. jsonwebtoken's backends are exclusive
//! features and it panics at run time when feature unification enables both, so the provider is
//! also installed explicitly as the process default: then even a workspace that enables both by
//! accident keeps working.

use crate::algorithm::{Algorithm, Family};
use crate::error::{Error, ErrorKind};
use aws_lc_rs::hmac;
use aws_lc_rs::signature as lc;
use jsonwebtoken::crypto::{CryptoProvider, aws_lc::DEFAULT_PROVIDER};
use jsonwebtoken::{DecodingKey, EncodingKey};
use std::sync::Once;

static INSTALL: Once = Once::new();

/// The provider, installed as jsonwebtoken's process default on first use.
fn provider() -> &'static CryptoProvider {
    INSTALL.call_once(|| {
        // Err means another provider was installed first: it is then the default for callers
        // that go through jsonwebtoken's free functions; we always call ours directly.
        let _ = CryptoProvider::install_default(&DEFAULT_PROVIDER);
    });
    &DEFAULT_PROVIDER
}

/// Sign `message` with `key` under `alg`.
pub(crate) fn sign(alg: Algorithm, key: &EncodingKey, message: &[u8]) -> Result<Vec<u8>, Error> {
    let signer = (provider().signer_factory)(&alg.to_jsonwebtoken(), key)
        .map_err(|e| Error::internal("signing key rejected by the backend").with_source(e))?;
    signer
        .try_sign(message)
        .map_err(|e| Error::internal("signing failed").with_source(e))
}

/// Whether `signature` over `message` verifies under `key` and `alg`.
pub(crate) fn verify(alg: Algorithm, key: &DecodingKey, message: &[u8], signature: &[u8]) -> bool {
    // The signature crate's trait takes `&Vec<u8>`.
    verify_owned(alg, key, message, &signature.to_vec())
}

/// [`verify`] for an owned signature.
#[allow(clippy::ptr_arg)] // the backend's trait takes `&Vec<u8>`
pub(crate) fn verify_owned(
    alg: Algorithm,
    key: &DecodingKey,
    message: &[u8],
    signature: &Vec<u8>,
) -> bool {
    let Ok(verifier) = (provider().verifier_factory)(&alg.to_jsonwebtoken(), key) else {
        return false;
    };
    verifier.verify(message, signature).is_ok()
}

/// An HMAC secret prepared once, when its key is built, for verifying: jsonwebtoken's verifier
/// keys the HMAC (hashing the inner and outer pads) anew for every token, a tenth of an
/// uncached HS256 verification. The tag is compared in constant time.
pub(crate) struct HmacVerifier(hmac::Key);

impl HmacVerifier {
    /// `None` for a non-HMAC algorithm.
    pub(crate) fn new(alg: Algorithm, secret: &[u8]) -> Option<Self> {
        let algorithm = match alg {
            Algorithm::HS256 => hmac::HMAC_SHA256,
            Algorithm::HS384 => hmac::HMAC_SHA384,
            Algorithm::HS512 => hmac::HMAC_SHA512,
            _ => return None,
        };
        Some(Self(hmac::Key::new(algorithm, secret)))
    }

    /// Whether `tag` is the HMAC of `message`.
    pub(crate) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        hmac::verify(&self.0, message, tag).is_ok()
    }
}

/// The public half of a private key, as raw components.
pub(crate) enum PublicParts {
    Rsa { n: Vec<u8>, e: Vec<u8> },
    Ec { x: Vec<u8>, y: Vec<u8> },
    Ed { x: Vec<u8> },
}

fn invalid(message: &'static str) -> Error {
    Error::new(ErrorKind::InvalidKey, message)
}

/// Derive the public components of a private key (PKCS#1 DER for RSA, PKCS#8 DER otherwise).
/// This parses (and so validates) the private key.
pub(crate) fn public_parts(alg: Algorithm, private_der: &[u8]) -> Result<PublicParts, Error> {
    let utils = &provider().key_utils;
    match alg.family() {
        Family::Rsa => {
            let (n, e) = (utils.rsa_pub_components_from_private_key)(private_der)
                .map_err(|e| invalid("not a valid RSA private key").with_source(e))?;
            Ok(PublicParts::Rsa { n, e })
        }
        Family::Ec => {
            let (_, x, y) =
                (utils.ec_pub_components_from_private_key)(private_der, alg.to_jsonwebtoken())
                    .map_err(|e| {
                        invalid("not a valid EC private key for this curve").with_source(e)
                    })?;
            Ok(PublicParts::Ec { x, y })
        }
        Family::Ed => {
            let x = (utils.ed_pub_components_from_private_key)(
                private_der,
                &jsonwebtoken::jwk::EllipticCurve::Ed25519,
            )
            .map_err(|e| invalid("not a valid Ed25519 PKCS#8 private key").with_source(e))?;
            Ok(PublicParts::Ed { x })
        }
        Family::Hmac => Err(invalid("HMAC keys have no public part")),
    }
}

/// The RSA public components of a PKCS#1 `RSAPublicKey` DER.
pub(crate) fn rsa_public_components(pkcs1_der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
    (provider().key_utils.rsa_pub_components_from_public_key)(pkcs1_der)
        .map_err(|e| invalid("not a valid RSA public key").with_source(e))
}

/// Check that a public key is usable for `alg` (an EC point on the right curve, an Ed25519 point).
pub(crate) fn validate_public(alg: Algorithm, raw: &[u8]) -> Result<(), Error> {
    let verification: &'static dyn lc::VerificationAlgorithm = match alg {
        Algorithm::ES256 => &lc::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &lc::ECDSA_P384_SHA384_FIXED,
        Algorithm::EdDSA => &lc::ED25519,
        _ => return Ok(()),
    };
    lc::ParsedPublicKey::new(verification, raw)
        .map(drop)
        .map_err(|_| invalid("the public key is not a valid point for its curve"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_round_trip_through_the_provider() {
        let secret = [9u8; 32];
        let sig = sign(
            Algorithm::HS256,
            &EncodingKey::from_secret(&secret).unwrap(),
            b"m",
        )
        .unwrap();
        let key = DecodingKey::from_secret(&secret).unwrap();
        assert!(verify(Algorithm::HS256, &key, b"m", &sig));
        assert!(!verify(Algorithm::HS256, &key, b"n", &sig));
        assert!(
            !verify(Algorithm::ES256, &key, b"m", &sig),
            "family mismatch"
        );
        let prepared = HmacVerifier::new(Algorithm::HS256, &secret).unwrap();
        assert!(prepared.verify(b"m", &sig));
        assert!(!prepared.verify(b"n", &sig));
        assert!(!prepared.verify(b"m", &sig[..31]));
        assert!(HmacVerifier::new(Algorithm::ES256, &secret).is_none());
    }

    #[test]
    fn an_off_curve_point_is_refused() {
        let mut point = vec![4u8];
        point.extend_from_slice(&[1u8; 64]);
        assert!(validate_public(Algorithm::ES256, &point).is_err());
    }
}
