//! [`SharedKeySet`]: a lock-free, swappable handle on the current [`KeySet`].

use super::KeySet;
use arc_swap::{ArcSwap, Guard};
use std::fmt;
use std::sync::Arc;

/// A cheap-to-clone handle on the current [`KeySet`]: readers take a lock-free snapshot on every
/// request, and [`replace`](Self::replace) swaps in a new set atomically (key rotation, a JWKS
/// refresh). Issuers, verifiers and the JWKS endpoint built from clones of one handle all see
/// the swap at once.
///
/// ```
/// use auth_jwt::{Algorithm, Key, KeySet, SharedKeySet};
/// let a = || Key::hmac("a", Algorithm::HS256, &[1; 32]);
/// let keys = SharedKeySet::from(a()?);
/// // Rotate: a new signing key, the old one kept to verify tokens it signed until they expire.
/// let b = Key::hmac("b", Algorithm::HS256, &[2; 32])?;
/// keys.replace(KeySet::builder().with_signing_key(b).with_verify_only_key(a()?).build()?);
/// assert_eq!(keys.load().signing_key().map(|k| k.kid()), Some("b"));
/// assert!(keys.load().get("a").is_some());
/// # Ok::<(), auth_jwt::Error>(())
/// ```
#[derive(Clone)]
pub struct SharedKeySet {
    inner: Arc<ArcSwap<KeySet>>,
}

impl SharedKeySet {
    /// A handle on `set`.
    pub fn new(set: KeySet) -> Self {
        Self {
            inner: Arc::new(ArcSwap::from_pointee(set)),
        }
    }

    /// The current set.
    pub fn load(&self) -> Arc<KeySet> {
        self.inner.load_full()
    }

    /// Swap in a new set; readers see it on their next snapshot.
    pub fn replace(&self, set: KeySet) {
        self.inner.store(Arc::new(set));
    }

    /// A snapshot without touching the reference count (the hot path).
    pub(crate) fn snapshot(&self) -> Guard<Arc<KeySet>> {
        self.inner.load()
    }
}

impl From<KeySet> for SharedKeySet {
    fn from(set: KeySet) -> Self {
        Self::new(set)
    }
}

/// A shared set of one key, which signs if it can: what an issuer and a verifier of one
/// service share in the common case.
///
/// ```
/// use auth_jwt::{Algorithm, Key, SharedKeySet};
/// let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
/// assert!(keys.load().get("k1").is_some());
/// # Ok::<(), auth_jwt::Error>(())
/// ```
impl From<super::Key> for SharedKeySet {
    fn from(key: super::Key) -> Self {
        Self::new(KeySet::from(key))
    }
}

impl fmt::Debug for SharedKeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SharedKeySet")
            .field(&**self.inner.load())
            .finish()
    }
}
