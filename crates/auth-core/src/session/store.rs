//! The [`SessionStore`] trait: the contract every store (memory, Redis, Redis Cluster, a
//! caching wrapper) implements and the conformance suite checks.

use crate::error::Error;
use crate::session::{SaveOutcome, SessionChanges, SessionEntry, SessionKey, SessionRecord};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;

/// Where sessions live. Object-safe: the session layer holds an `Arc<dyn SessionStore>`.
///
/// # Contract
/// - Records are keyed by [`SessionKey`] (the SHA-256 of the secret id): a store never sees a
///   usable session id.
/// - [`create`](Self::create) never overwrites: an existing key is an
///   [`ErrorKind::Collision`](crate::ErrorKind::Collision) and the existing record is untouched.
/// - [`load`](Self::load) returns `None` for a missing or expired record (idle or absolute
///   expiry, judged by the store's clock).
/// - [`save`](Self::save) applies only the given changes, atomically, and only if the record
///   still exists: a save after a delete returns [`SaveOutcome::Missing`] and does not bring
///   the session back. Two saves that change different values both land; a value changed by
///   both is last-writer-wins unless `expected_version` asks for a compare-and-set.
/// - [`rotate`](Self::rotate) moves a record to a new key (with changes), leaving nothing under
///   the old key; it is create-new + delete-old, never a rename.
/// - The per-subject index behind [`list_subject`](Self::list_subject) and
///   [`delete_subject`](Self::delete_subject) is maintained by the same operations and never
///   lists expired or deleted sessions.
/// - Failures to reach the backend are [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable)
///   and come back within the store's timeout; the session layer answers them with 503.
///
/// # Implementing a store
/// Implement the seven methods with `#[async_trait]`, then run the conformance suite
/// (`auth_core::session_store_conformance!`, feature `test-util`) against it.
#[async_trait]
pub trait SessionStore: Send + Sync + fmt::Debug + 'static {
    /// Store a new record under `key`.
    ///
    /// # Errors
    /// `Collision` if `key` exists (nothing is overwritten); `Unavailable`/`Storage` on failure.
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error>;

    /// Load the record under `key`; `None` if there is none or it has expired.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error>;

    /// [`load`](Self::load) without waiting, when the store can answer from this process's
    /// memory (the memory store always can; a store with a local cache can on a hit), handing
    /// out its own copy of the record, shared rather than cloned. `None` when the answer needs
    /// I/O: then the caller awaits `load`. The session layer asks this first on every request
    /// that reads the session, so a hit costs no future, no allocation and no copy.
    ///
    /// An answer must be exactly what `load` would return now. The default answers `None`, so
    /// a store (or a wrapper) that does not implement it simply takes the `load` path.
    fn load_ready(&self, key: &SessionKey) -> Option<Result<Option<Arc<SessionRecord>>, Error>> {
        let _ = key;
        None
    }

    /// Apply `changes` to the record under `key`, if it still exists.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error>;

    /// Delete the record under `key`; whether there was one.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn delete(&self, key: &SessionKey) -> Result<bool, Error>;

    /// Move the record under `old` to `new`, applying `changes` on the way. Returns the new
    /// record, or `None` if `old` did not exist (then nothing is created).
    ///
    /// # Errors
    /// `Collision` if `new` exists (then `old` is untouched); `Unavailable`/`Storage` on failure.
    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error>;

    /// Delete every session of `subject` ("log out everywhere"); how many were deleted.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn delete_subject(&self, subject: &str) -> Result<u64, Error>;

    /// The live sessions of `subject`, oldest first.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error>;
}

macro_rules! forward_store {
    ($($ptr:ty),*) => {$(
        #[async_trait]
        impl<S: SessionStore + ?Sized> SessionStore for $ptr {
            async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
                (**self).create(key, record).await
            }
            async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
                (**self).load(key).await
            }
            fn load_ready(&self, key: &SessionKey) -> Option<Result<Option<Arc<SessionRecord>>, Error>> {
                (**self).load_ready(key)
            }
            async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
                (**self).save(key, changes).await
            }
            async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
                (**self).delete(key).await
            }
            async fn rotate(
                &self,
                old: &SessionKey,
                new: &SessionKey,
                changes: &SessionChanges,
            ) -> Result<Option<SessionRecord>, Error> {
                (**self).rotate(old, new, changes).await
            }
            async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
                (**self).delete_subject(subject).await
            }
            async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
                (**self).list_subject(subject).await
            }
        }
    )*};
}

forward_store!(Arc<S>, Box<S>);
