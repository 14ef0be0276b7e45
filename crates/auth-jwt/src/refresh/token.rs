//! The refresh-token format: `base64url(family ‖ generation ‖ MAC)`, 96 characters.
//!
//! The MAC is HMAC-SHA256 under the server's refresh secret over the family id and generation,
//! so the server recomputes any generation's token instead of storing tokens, a store dump
//! holds nothing a client could present, and a repeat inside the grace window gets exactly the
//! same successor.

use crate::b64;
use crate::error::{Error, ErrorKind};
use auth_core::Timestamp;
use auth_core::refresh::FamilyId;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

type HmacSha256 = Hmac<Sha256>;

const DOMAIN: &[u8] = b"auth-jwt refresh token v1";
const RAW_LEN: usize = 32 + 8 + 32;
/// The length of a refresh token in characters.
pub(crate) const TOKEN_LEN: usize = 96;
/// The shortest refresh secret accepted.
pub(crate) const MIN_SECRET_LEN: usize = 32;

/// A refresh token to hand to the client. `Debug` is redacted.
#[derive(Clone)]
pub struct RefreshToken {
    token: String,
    expires_at: Timestamp,
}

impl RefreshToken {
    /// The opaque token, to send to the client.
    pub fn as_str(&self) -> &str {
        &self.token
    }

    /// The opaque token, owned.
    pub fn into_string(self) -> String {
        self.token
    }

    /// When this token stops being accepted (idle expiry, capped by the family's end).
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The keyed MAC that mints and checks tokens.
#[derive(Clone)]
pub(crate) struct Minter {
    mac: HmacSha256,
}

impl Minter {
    pub(crate) fn new(secret: &[u8]) -> Result<Self, Error> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(Error::new(
                ErrorKind::WeakKey,
                "the refresh-token secret must be at least 32 bytes",
            ));
        }
        let mac = HmacSha256::new_from_slice(secret)
            .map_err(|_| Error::config("the refresh-token secret was refused"))?;
        Ok(Self { mac })
    }

    fn tag(&self, family: &FamilyId, generation: u64) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(DOMAIN);
        mac.update(family.as_bytes());
        mac.update(&generation.to_be_bytes());
        mac
    }

    pub(crate) fn mint(
        &self,
        family: &FamilyId,
        generation: u64,
        expires_at: Timestamp,
    ) -> RefreshToken {
        let mut raw = Vec::with_capacity(RAW_LEN);
        raw.extend_from_slice(family.as_bytes());
        raw.extend_from_slice(&generation.to_be_bytes());
        raw.extend_from_slice(&self.tag(family, generation).finalize().into_bytes());
        RefreshToken {
            token: b64::encode(raw),
            expires_at,
        }
    }

    /// The family and generation of an authentic token.
    pub(crate) fn open(&self, token: &str) -> Result<(FamilyId, u64), Error> {
        let invalid = || Error::new(ErrorKind::RefreshTokenInvalid, "not a valid refresh token");
        if token.len() != TOKEN_LEN {
            return Err(invalid());
        }
        let raw = b64::decode(token.as_bytes()).ok_or_else(invalid)?;
        let (family, rest) = raw.split_first_chunk::<32>().ok_or_else(invalid)?;
        let (generation, tag) = rest.split_first_chunk::<8>().ok_or_else(invalid)?;
        let family = FamilyId::from_bytes(*family);
        let generation = u64::from_be_bytes(*generation);
        // Constant-time comparison.
        self.tag(&family, generation)
            .verify_slice(tag)
            .map_err(|_| invalid())?;
        Ok((family, generation))
    }
}

impl fmt::Debug for Minter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Minter(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mint_and_open() {
        let m = Minter::new(&[3; 32]).unwrap();
        let family = FamilyId::from_bytes([9; 32]);
        let t = m.mint(&family, 7, Timestamp::UNIX_EPOCH);
        assert_eq!(t.as_str().len(), TOKEN_LEN);
        assert_eq!(m.open(t.as_str()).unwrap(), (family, 7));
        assert!(!format!("{t:?}").contains(t.as_str()));
        let other = Minter::new(&[4; 32]).unwrap();
        assert!(other.open(t.as_str()).is_err(), "another secret");
        let mut forged = t.as_str().to_owned();
        forged.replace_range(50..51, if &forged[50..51] == "A" { "B" } else { "A" });
        assert!(m.open(&forged).is_err());
        assert!(m.open("short").is_err());
        assert!(Minter::new(&[1; 31]).is_err());
    }
}
