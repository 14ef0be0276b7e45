//! [`KeySet`]: the named keys a service verifies with, one of which may be the current
//! signing key, and the JWKS document that publishes their public halves.

use super::Key;
use super::jwk::{self, JwkPolicy};
use crate::error::{Error, ErrorKind};
use crate::json::{self, Object};
use bytes::Bytes;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The most keys a JWKS document may hold.
pub(crate) const MAX_JWKS_KEYS: usize = 100;

/// Named keys, each pinned to one algorithm: the current signing key plus older keys that
/// still verify (so rotation logs nobody out). Immutable; swap whole sets through a
/// [`SharedKeySet`](crate::SharedKeySet) to rotate.
///
/// ```
/// use auth_jwt::{Algorithm, Key, KeySet};
/// let set = KeySet::builder()
///     .with_signing_key(Key::generate_hmac("2025-06", Algorithm::HS256)?)
///     .with_verify_only_key(Key::generate_hmac("2025-05", Algorithm::HS256)?)
///     .build()?;
/// assert_eq!(set.signing_key().map(|k| k.kid()), Some("2025-06"));
/// assert!(set.get("2025-05").is_some());
/// // Shared secrets are never published.
/// assert_eq!(set.jwks_json().as_ref(), br#"{"keys":[]}"#);
/// # Ok::<(), auth_jwt::Error>(())
/// ```
pub struct KeySet {
    keys: HashMap<Arc<str>, Arc<Key>>,
    signing: Option<Arc<Key>>,
    jwks: Bytes,
}

/// Builds a [`KeySet`]; see [`KeySet::builder`].
#[derive(Debug, Default)]
#[must_use]
pub struct KeySetBuilder {
    signing: Option<Key>,
    others: Vec<Key>,
    error: Option<Error>,
}

impl KeySetBuilder {
    /// The current signing key (it verifies too). A second call is a configuration error.
    pub fn with_signing_key(mut self, key: Key) -> Self {
        if !key.can_sign() {
            self.error.get_or_insert(Error::config(
                "the signing key must be a secret or a private key",
            ));
        } else if self.signing.is_some() {
            self.error
                .get_or_insert(Error::config("a key set has one current signing key"));
        } else {
            self.signing = Some(key);
        }
        self
    }

    /// A key that verifies only: a previous signing key during rotation, or a public key.
    pub fn with_verify_only_key(mut self, key: Key) -> Self {
        self.others.push(key);
        self
    }

    /// Build the set.
    ///
    /// # Errors
    /// [`ErrorKind::DuplicateKeyId`] if two keys share a `kid`; [`ErrorKind::Config`] for an
    /// earlier refusal (a second signing key, a signing key that cannot sign).
    pub fn build(self) -> Result<KeySet, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let signing_kid = self.signing.as_ref().map(|k| k.kid_arc().clone());
        KeySet::from_keys(self.signing.into_iter().chain(self.others), signing_kid)
    }
}

/// A set of one key, which signs if it can (the common case: one HMAC secret or one key pair).
///
/// ```
/// use auth_jwt::{Algorithm, Key, KeySet};
/// let set = KeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
/// assert_eq!(set.signing_key().map(|k| k.kid()), Some("k1"));
/// # Ok::<(), auth_jwt::Error>(())
/// ```
impl From<Key> for KeySet {
    fn from(key: Key) -> Self {
        Self::of_one(key)
    }
}

impl KeySet {
    /// A builder.
    pub fn builder() -> KeySetBuilder {
        KeySetBuilder::default()
    }

    /// A set of one key, which signs if it can.
    ///
    /// # Errors
    /// As [`KeySetBuilder::build`].
    pub fn single(key: Key) -> Result<Self, Error> {
        if key.can_sign() {
            Self::builder().with_signing_key(key).build()
        } else {
            Self::builder().with_verify_only_key(key).build()
        }
    }

    /// A set with no keys (verifies nothing).
    pub fn empty() -> Self {
        Self {
            keys: HashMap::new(),
            signing: None,
            jwks: jwks_document(std::iter::empty()),
        }
    }

    /// Verification keys from a published JWKS document (`{"keys":[...]}`), strictly: every key
    /// must be usable (signature use, a supported pinned algorithm, strong, on its curve), none
    /// may carry private or secret members, and `kid`s must be unique.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidKeySet`] for a malformed document or private members, and the key
    /// errors of [`Key::from_jwk`].
    pub fn from_jwks(json: &[u8]) -> Result<Self, Error> {
        let keys = jwks_members(json)?
            .iter()
            .map(|obj| jwk::key_from_jwk(obj, &JwkPolicy::PUBLIC))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_keys(keys, None)
    }

    /// Our own keys from a private JWKS document (secrets and private keys, as kept in a
    /// secret store). Every key must carry its private or secret part (a set mixing public
    /// keys in is refused as ambiguous); the first key is the current signing key.
    ///
    /// # Errors
    /// As [`KeySet::from_jwks`].
    pub fn from_private_jwks(json: &[u8]) -> Result<Self, Error> {
        let members = jwks_members(json)?;
        if members.iter().any(|obj| !jwk::has_private_members(obj)) {
            return Err(Error::new(
                ErrorKind::InvalidKeySet,
                "a private JWKS must not mix in public-only keys",
            ));
        }
        let keys = members
            .iter()
            .map(|obj| jwk::key_from_jwk(obj, &JwkPolicy::OWN_KEY))
            .collect::<Result<Vec<_>, _>>()?;
        let signing = keys.first().map(|k| k.kid_arc().clone());
        Self::from_keys(keys, signing)
    }

    #[cfg(feature = "remote-jwks")]
    /// A JWKS from another issuer, leniently: keys that are not for us (encryption keys,
    /// unsupported types, no `kid`, too weak) are skipped and counted; private members and
    /// duplicate `kid`s still refuse the whole document.
    pub(crate) fn from_foreign_jwks(
        json: &[u8],
        policy: &JwkPolicy,
        max_keys: usize,
    ) -> Result<(Self, usize), Error> {
        let members = jwks_members(json)?;
        if members.len() > max_keys {
            return Err(Error::new(
                ErrorKind::InvalidKeySet,
                "the JWKS holds too many keys",
            ));
        }
        let mut keys = Vec::with_capacity(members.len());
        let mut skipped = 0;
        for obj in members {
            match jwk::key_from_jwk(&obj, policy) {
                Ok(key) => keys.push(key),
                Err(e) if e.kind() == ErrorKind::InvalidKeySet => return Err(e),
                Err(e) => {
                    tracing::debug!(target: "auth_jwt::jwks", error = %e, "skipping a JWK");
                    skipped += 1;
                }
            }
        }
        Ok((Self::from_keys(keys, None)?, skipped))
    }

    /// A set of exactly one key, which signs if it can: one key cannot clash with another.
    fn of_one(key: Key) -> Self {
        let kid = key.kid_arc().clone();
        let key = Arc::new(key);
        let signing = key.can_sign().then(|| key.clone());
        let jwks = jwks_document(key.public_jwk().into_iter());
        Self {
            keys: HashMap::from([(kid, key)]),
            signing,
            jwks,
        }
    }

    fn from_keys(
        keys: impl IntoIterator<Item = Key>,
        signing_kid: Option<Arc<str>>,
    ) -> Result<Self, Error> {
        let mut map = HashMap::new();
        let mut order = Vec::new();
        for key in keys {
            let kid = key.kid_arc().clone();
            let key = Arc::new(key);
            if map.insert(kid.clone(), key.clone()).is_some() {
                return Err(Error::new(
                    ErrorKind::DuplicateKeyId,
                    format!("two keys share the kid {kid:?}"),
                ));
            }
            order.push(key);
        }
        let signing = signing_kid.and_then(|kid| map.get(&kid).cloned());
        let jwks = jwks_document(order.iter().filter_map(|k| k.public_jwk()));
        Ok(Self {
            keys: map,
            signing,
            jwks,
        })
    }

    /// The key named `kid`.
    pub fn get(&self, kid: &str) -> Option<&Arc<Key>> {
        self.keys.get(kid)
    }

    /// The key for a token without a `kid`: the only key, if there is exactly one.
    pub fn sole_key(&self) -> Option<&Arc<Key>> {
        if self.keys.len() == 1 {
            self.keys.values().next()
        } else {
            None
        }
    }

    /// The current signing key, if any.
    pub fn signing_key(&self) -> Option<&Arc<Key>> {
        self.signing.as_ref()
    }

    /// The keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &Arc<Key>> {
        self.keys.values()
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The JWKS document publishing the public keys (`{"keys":[...]}`, shared secrets left
    /// out), serialized once when the set was built.
    pub fn jwks_json(&self) -> Bytes {
        self.jwks.clone()
    }
}

fn jwks_document<'a>(jwks: impl Iterator<Item = &'a serde_json::Map<String, Value>>) -> Bytes {
    let keys: Vec<&serde_json::Map<String, Value>> = jwks.collect();
    let doc = serde_json::json!({ "keys": keys });
    Bytes::from(serde_json::to_vec(&doc).unwrap_or_else(|_| br#"{"keys":[]}"#.to_vec()))
}

/// The key objects of a JWKS document.
fn jwks_members(json: &[u8]) -> Result<Vec<Object>, Error> {
    let bad = |m: &'static str| Error::new(ErrorKind::InvalidKeySet, m);
    let mut doc = json::parse_object(json).ok_or_else(|| bad("a JWKS must be one JSON object"))?;
    let Some(Value::Array(keys)) = doc.remove("keys") else {
        return Err(bad("a JWKS needs a `keys` array"));
    };
    if keys.len() > MAX_JWKS_KEYS {
        return Err(bad("the JWKS holds too many keys"));
    }
    keys.into_iter()
        .map(|k| match k {
            Value::Object(obj) => Ok(obj),
            _ => Err(bad("every JWKS key must be a JSON object")),
        })
        .collect()
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<&str> = self.keys.keys().map(|k| &**k).collect();
        kids.sort_unstable();
        f.debug_struct("KeySet")
            .field("kids", &kids)
            .field("signing", &self.signing.as_ref().map(|k| k.kid()))
            .finish()
    }
}
