//! Verifying a compact JWS at the signature layer alone (feature `test-util`): the
//! Wycheproof vectors exercise the signature checks through this, without claims.

use super::{DEFAULT_MAX_TOKEN_LEN, parse};
use crate::error::Error;
use crate::keys::{Key, KeySet};
use std::fmt;
use std::sync::Arc;

/// A compact JWS whose signature verified.
pub struct VerifiedJws {
    payload: Vec<u8>,
    typ: Option<String>,
    key: Arc<Key>,
}

impl VerifiedJws {
    /// The payload bytes (not interpreted).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The `typ` header, if any.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The key that verified the signature.
    pub fn key(&self) -> &Arc<Key> {
        &self.key
    }
}

impl fmt::Debug for VerifiedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedJws")
            .field("kid", &self.key.kid())
            .field("alg", &self.key.algorithm())
            .field("payload_len", &self.payload.len())
            .finish()
    }
}

/// Verify a compact JWS against `keys` at the signature layer (no claim checks).
///
/// # Errors
/// An [`Error`] whose kind says which rule refused the token; see the module docs for the order.
pub fn verify(keys: &KeySet, token: &str) -> Result<VerifiedJws, Error> {
    let mut parsed = parse(token, DEFAULT_MAX_TOKEN_LEN)?;
    let key = parsed.resolve_key(keys)?;
    let typ = parsed.header.typ.take();
    let payload = parsed.verify_with(&key)?.to_vec();
    Ok(VerifiedJws { payload, typ, key })
}
