//! Keys: one named key pinned to one algorithm ([`Key`]), the set a service signs and verifies
//! with ([`KeySet`]), and a handle that swaps sets atomically for rotation ([`SharedKeySet`]).
//!
//! Keys are parsed and checked once, when built: weak keys (HMAC secrets shorter than the hash,
//! RSA moduli under 2048 bits, RSA exponent 1, ROCA-vulnerable moduli), points off their curve,
//! private keys whose public half does not match, and algorithm/key-type mismatches are refused
//! with an error instead of failing on the first request.

mod der;
mod jwk;
mod kid;
mod pem;
mod public;
mod rsa;
mod set;
mod shared;

#[cfg(feature = "remote-jwks")]
pub(crate) use set::MAX_JWKS_KEYS;
pub use set::{KeySet, KeySetBuilder};
pub use shared::SharedKeySet;

pub use kid::MAX_KID_LEN;
pub(crate) use kid::kid_is_valid;

#[cfg(feature = "remote-jwks")]
pub(crate) use jwk::JwkPolicy;

use crate::algorithm::{Algorithm, Family};
use crate::backend::{self, PublicParts};
use crate::error::{Error, ErrorKind};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use kid::checked_kid;
use public::public_key;

/// A unique number per built key, so caches can tell a re-added `kid` from the original.
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// One named key pinned to one [`Algorithm`]: a shared secret, a private key (signs and
/// verifies) or a public key (verifies only).
///
/// `Debug` shows the `kid` and algorithm only; key material never reaches logs.
///
/// ```
/// use auth_jwt::{Algorithm, Key};
/// let key = Key::hmac("k1", Algorithm::HS256, &[7u8; 32])?;
/// let sig = key.sign(b"message")?;
/// assert!(key.verify(b"message", &sig));
/// assert!(Key::hmac("short", Algorithm::HS256, b"too short").is_err());
/// # Ok::<(), auth_jwt::Error>(())
/// ```
pub struct Key {
    kid: Arc<str>,
    alg: Algorithm,
    verifying: DecodingKey,
    signing: Option<EncodingKey>,
    /// For HS* keys: the secret prepared once for verification.
    hmac: Option<backend::HmacVerifier>,
    public_jwk: Option<Map<String, Value>>,
    signature_len: usize,
    instance: u64,
}

impl Key {
    /// A shared-secret key. The secret must be at least as long as the hash (32, 48 or 64 bytes
    /// for HS256, HS384, HS512).
    ///
    /// # Errors
    /// [`ErrorKind::WeakKey`] for a short secret, [`ErrorKind::InvalidKey`] for a non-HMAC
    /// algorithm, [`ErrorKind::Config`] for an invalid `kid`.
    pub fn hmac(kid: impl Into<String>, alg: Algorithm, secret: &[u8]) -> Result<Self, Error> {
        let kid = checked_kid(kid.into())?;
        if alg.family() != Family::Hmac {
            return Err(Error::new(
                ErrorKind::InvalidKey,
                "a shared secret needs an HS* algorithm",
            ));
        }
        if secret.len() < alg.min_secret_len() {
            return Err(Error::new(
                ErrorKind::WeakKey,
                format!(
                    "{alg} needs a secret of at least {} bytes",
                    alg.min_secret_len()
                ),
            ));
        }
        // Unreachable with the length checked above: jsonwebtoken refuses only empty secrets.
        let refused = |e: jsonwebtoken::errors::Error| {
            Error::new(ErrorKind::InvalidKey, "the backend refused the secret").with_source(e)
        };
        let mut key = Self::assemble(
            kid,
            alg,
            DecodingKey::from_secret(secret).map_err(refused)?,
            Some(EncodingKey::from_secret(secret).map_err(refused)?),
            None,
            alg.fixed_signature_len().unwrap_or(0),
        );
        key.hmac = backend::HmacVerifier::new(alg, secret);
        Ok(key)
    }

    /// A fresh random shared-secret key (as long as the hash) from the OS CSPRNG.
    ///
    /// # Errors
    /// As [`Key::hmac`]; [`ErrorKind::Internal`] if the OS has no randomness.
    pub fn generate_hmac(kid: impl Into<String>, alg: Algorithm) -> Result<Self, Error> {
        let mut secret = vec![0u8; alg.min_secret_len()];
        getrandom::fill(&mut secret)
            .map_err(|e| Error::internal(format!("the OS random number generator failed: {e}")))?;
        Self::hmac(kid, alg, &secret)
    }

    /// A fresh random key pair for `alg` (ES256, ES384 or EdDSA/Ed25519; for HS* the same as
    /// [`Key::generate_hmac`]), for tests, examples and keys that only need to live as long as
    /// the process. RSA keys are not generated here (slow): load them.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, Key};
    /// let key = Key::generate("k1", Algorithm::ES256)?;
    /// assert!(key.can_sign() && key.public_jwk().is_some());
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::UnsupportedAlgorithm`] for RS256/PS256; [`ErrorKind::Internal`] if key
    /// generation fails; [`ErrorKind::Config`] for an invalid `kid`.
    pub fn generate(kid: impl Into<String>, alg: Algorithm) -> Result<Self, Error> {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair,
            Ed25519KeyPair,
        };
        let rng = SystemRandom::new();
        let failed = |_| Error::internal("key generation failed");
        let pkcs8 = match alg.family() {
            Family::Hmac => return Self::generate_hmac(kid, alg),
            Family::Rsa => {
                return Err(Error::new(
                    ErrorKind::UnsupportedAlgorithm,
                    "RSA keys are not generated; load one",
                ));
            }
            Family::Ec if alg == Algorithm::ES384 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &rng)
                    .map_err(failed)?
            }
            Family::Ec => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(failed)?,
            Family::Ed => Ed25519KeyPair::generate_pkcs8(&rng).map_err(failed)?,
        };
        Self::from_private_der(kid, alg, pkcs8.as_ref())
    }

    /// A key from PEM text: a private key (`PRIVATE KEY` PKCS#8, or `RSA PRIVATE KEY` PKCS#1)
    /// signs and verifies; a public key (`PUBLIC KEY` SPKI, `RSA PUBLIC KEY`, or a
    /// `CERTIFICATE`) verifies only.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`] if it does not parse or does not fit `alg`;
    /// [`ErrorKind::WeakKey`] for a weak RSA key.
    pub fn from_pem(kid: impl Into<String>, alg: Algorithm, pem: &[u8]) -> Result<Self, Error> {
        let kid = checked_kid(kid.into())?;
        pem::from_pem(kid, alg, pem)
    }

    /// A private key from DER: PKCS#8, or PKCS#1 for RSA.
    ///
    /// # Errors
    /// As [`Key::from_pem`].
    pub fn from_private_der(
        kid: impl Into<String>,
        alg: Algorithm,
        der: &[u8],
    ) -> Result<Self, Error> {
        let kid = checked_kid(kid.into())?;
        pem::from_private_der(&kid, alg, der)
    }

    /// A public key from DER: SubjectPublicKeyInfo, or PKCS#1 `RSAPublicKey` for RSA.
    ///
    /// # Errors
    /// As [`Key::from_pem`].
    pub fn from_public_der(
        kid: impl Into<String>,
        alg: Algorithm,
        der: &[u8],
    ) -> Result<Self, Error> {
        let kid = checked_kid(kid.into())?;
        pem::from_public_der(&kid, alg, der)
    }

    /// A key from one JWK (JSON text). Private and secret members are allowed here (this is
    /// your own key); `kid` is required; `alg` is required for `oct` and `RSA` keys and inferred
    /// from `crv` for `EC` and `OKP`; `use`, if present, must be `sig`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKey`], [`ErrorKind::WeakKey`] or
    /// [`ErrorKind::UnsupportedAlgorithm`].
    pub fn from_jwk(jwk: &str) -> Result<Self, Error> {
        let obj = crate::json::parse_object(jwk.as_bytes())
            .ok_or_else(|| Error::new(ErrorKind::InvalidKey, "a JWK must be one JSON object"))?;
        jwk::key_from_jwk(&obj, &jwk::JwkPolicy::OWN_KEY)
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The one algorithm this key signs and verifies with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// Whether the key can sign (a secret or a private key).
    pub fn can_sign(&self) -> bool {
        self.signing.is_some()
    }

    /// The public JWK of an asymmetric key (with `kid`, `alg` and `use: sig`); `None` for
    /// shared secrets, which are never published.
    pub fn public_jwk(&self) -> Option<&Map<String, Value>> {
        self.public_jwk.as_ref()
    }

    /// Sign raw bytes with the pinned algorithm (the JWS signature layer).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] if the key cannot sign; [`ErrorKind::Internal`] if signing fails.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let key = self
            .signing
            .as_ref()
            .ok_or_else(|| Error::config("this key can only verify"))?;
        backend::sign(self.alg, key, message)
    }

    /// Verify a raw signature over bytes with the pinned algorithm (the JWS signature layer).
    /// Signatures of the wrong length are refused before any cryptography.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.signature_len {
            return false;
        }
        match &self.hmac {
            Some(hmac) => hmac.verify(message, signature),
            None => backend::verify(self.alg, &self.verifying, message, signature),
        }
    }

    pub(crate) fn instance(&self) -> u64 {
        self.instance
    }

    pub(crate) fn kid_arc(&self) -> &Arc<str> {
        &self.kid
    }

    fn assemble(
        kid: Arc<str>,
        alg: Algorithm,
        verifying: DecodingKey,
        signing: Option<EncodingKey>,
        public_jwk: Option<Map<String, Value>>,
        signature_len: usize,
    ) -> Self {
        Self {
            kid,
            alg,
            verifying,
            signing,
            hmac: None,
            public_jwk,
            signature_len,
            instance: NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// A verify-only key from public components.
    pub(crate) fn from_public_parts(
        kid: Arc<str>,
        alg: Algorithm,
        parts: &PublicParts,
    ) -> Result<Self, Error> {
        let (verifying, signature_len, mut jwk) = public_key(alg, parts)?;
        jwk.insert("kid".into(), Value::String(kid.to_string()));
        Ok(Self::assemble(
            kid,
            alg,
            verifying,
            None,
            Some(jwk),
            signature_len,
        ))
    }

    /// A signing key from private DER (PKCS#8, PKCS#1 for RSA), checked by a sign/verify round.
    pub(crate) fn from_private_parts(
        kid: Arc<str>,
        alg: Algorithm,
        signing: EncodingKey,
    ) -> Result<(Self, PublicParts), Error> {
        let parts = match backend::public_parts(alg, signing.as_bytes()) {
            Ok(parts) => parts,
            Err(e) => {
                // The backend refuses small RSA keys outright: report them as weak.
                if alg.family() == Family::Rsa
                    && let Some(n) = der::rsa_private_modulus(signing.as_bytes())
                {
                    rsa::check_public(n, &[1, 0, 1])?;
                }
                return Err(e);
            }
        };
        let mut key = Self::from_public_parts(kid, alg, &parts)?;
        key.signing = Some(signing);
        let probe = b"auth-jwt key pair check";
        let sig = key.sign(probe)?;
        if !key.verify(probe, &sig) {
            return Err(Error::new(
                ErrorKind::InvalidKey,
                "the private key does not produce verifiable signatures",
            ));
        }
        Ok((key, parts))
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("can_sign", &self.can_sign())
            .finish_non_exhaustive()
    }
}
