//! [`Cleaned`]: a store under test together with what cleans up after it, for the stores'
//! own test harnesses (Redis: a key prefix to delete; PostgreSQL: a schema to drop).

use crate::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use crate::{
    Error, SaveOutcome, SessionChanges, SessionEntry, SessionKey, SessionRecord, SessionStore,
    Timestamp,
};
use async_trait::async_trait;
use std::fmt;

/// A store under test and its cleanup guard, dropped after the store (fields drop in order).
/// It is a [`SessionStore`] or a [`RefreshStore`] when `S` is, forwarding every required
/// method; [`SessionStore::load_ready`] keeps its default (every load goes through `load`).
#[derive(Debug)]
pub struct Cleaned<S, G> {
    /// The store.
    pub store: S,
    /// What cleans up after it when dropped.
    pub cleanup: G,
}

#[async_trait]
impl<S: SessionStore, G: fmt::Debug + Send + Sync + 'static> SessionStore for Cleaned<S, G> {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        self.store.create(key, record).await
    }

    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        self.store.load(key).await
    }

    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        self.store.save(key, changes).await
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.store.delete(key).await
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        self.store.rotate(old, new, changes).await
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        self.store.delete_subject(subject).await
    }

    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        self.store.list_subject(subject).await
    }
}

#[async_trait]
impl<S: RefreshStore, G: fmt::Debug + Send + Sync + 'static> RefreshStore for Cleaned<S, G> {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        self.store.create(family, record, first_expires_at).await
    }

    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        self.store.rotate(request).await
    }

    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        self.store.delete(family).await
    }
}
