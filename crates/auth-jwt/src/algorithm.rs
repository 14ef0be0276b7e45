//! [`Algorithm`]: the JWS algorithms this crate signs and verifies, one pinned to each key.

use crate::error::{Error, ErrorKind};
use std::fmt;

/// A JWS signature algorithm (RFC 7518). Each [`Key`](crate::Key) is pinned to exactly one; the
/// `alg` header of a token is only ever compared with it, never used to pick a verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256 (secret of at least 32 bytes).
    HS256,
    /// HMAC with SHA-384 (secret of at least 48 bytes).
    HS384,
    /// HMAC with SHA-512 (secret of at least 64 bytes).
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (modulus of at least 2048 bits).
    RS256,
    /// RSASSA-PSS with SHA-256 (modulus of at least 2048 bits).
    PS256,
    /// ECDSA on P-256 with SHA-256, 64-byte `r || s` signatures.
    ES256,
    /// ECDSA on P-384 with SHA-384, 96-byte `r || s` signatures.
    ES384,
    /// Ed25519.
    EdDSA,
}

/// The family of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    Hmac,
    Rsa,
    Ec,
    Ed,
}

impl Algorithm {
    /// Every algorithm, for iteration in tests and benchmarks.
    pub const ALL: [Self; 8] = [
        Self::HS256,
        Self::HS384,
        Self::HS512,
        Self::RS256,
        Self::PS256,
        Self::ES256,
        Self::ES384,
        Self::EdDSA,
    ];

    /// The `alg` value as it appears in a JWS header or a JWK.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
            Self::RS256 => "RS256",
            Self::PS256 => "PS256",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }

    /// Parse an `alg` value: exact, case-sensitive match (`"none"`, `"hs256"` and `" HS256"`
    /// are all refused).
    ///
    /// # Errors
    /// [`ErrorKind::UnsupportedAlgorithm`] for anything else.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedAlgorithm,
                    "unsupported or unknown algorithm",
                )
            })
    }

    /// Whether this is a shared-secret (HMAC) algorithm.
    pub const fn is_symmetric(self) -> bool {
        matches!(self, Self::HS256 | Self::HS384 | Self::HS512)
    }

    pub(crate) const fn family(self) -> Family {
        match self {
            Self::HS256 | Self::HS384 | Self::HS512 => Family::Hmac,
            Self::RS256 | Self::PS256 => Family::Rsa,
            Self::ES256 | Self::ES384 => Family::Ec,
            Self::EdDSA => Family::Ed,
        }
    }

    /// The shortest HMAC secret accepted (RFC 7518 §3.2: at least the hash output size).
    pub(crate) const fn min_secret_len(self) -> usize {
        match self {
            Self::HS384 => 48,
            Self::HS512 => 64,
            _ => 32,
        }
    }

    /// The exact signature length for fixed-size algorithms (`None` for RSA: the modulus size).
    pub(crate) const fn fixed_signature_len(self) -> Option<usize> {
        match self {
            Self::HS256 => Some(32),
            Self::HS384 => Some(48),
            Self::HS512 | Self::ES256 | Self::EdDSA => Some(64),
            Self::ES384 => Some(96),
            Self::RS256 | Self::PS256 => None,
        }
    }

    pub(crate) const fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::HS256 => jsonwebtoken::Algorithm::HS256,
            Self::HS384 => jsonwebtoken::Algorithm::HS384,
            Self::HS512 => jsonwebtoken::Algorithm::HS512,
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
            Self::PS256 => jsonwebtoken::Algorithm::PS256,
            Self::ES256 => jsonwebtoken::Algorithm::ES256,
            Self::ES384 => jsonwebtoken::Algorithm::ES384,
            Self::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_exact() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.as_str()).unwrap(), alg);
        }
        for bad in [
            "none", "None", "NONE", "hs256", " HS256", "HS256 ", "", "ES512",
        ] {
            assert!(Algorithm::from_name(bad).is_err(), "{bad:?}");
        }
    }
}
