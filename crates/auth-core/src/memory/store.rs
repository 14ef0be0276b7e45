//! [`MemoryStore`]: a [`SessionStore`] and [`Revocations`] in this process's memory.

use super::table::SessionTable;
use crate::error::{Error, ErrorKind};
use crate::revocation::{Revocation, RevocationSet};
use crate::session::{
    SaveOutcome, SessionChanges, SessionEntry, SessionKey, SessionRecord, SessionStore,
};
use crate::time::{Clock, SystemClock};
use async_trait::async_trait;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;

/// How many expired records one write evicts at most. Each record is created once and expires
/// once, so evicting a few per write keeps up with expiry while bounding any one request's cost.
const EVICT_PER_WRITE: usize = 32;

/// Default capacity: 100,000 sessions. A session with a few small values takes about 1 KB in
/// this store (measured: a flood of one-value anonymous sessions grew the process by ~990 bytes
/// per session), so the default bounds it near 100 MB, safe on a small machine, while a single
/// instance rarely holds that many live sessions at once (more belong on Redis).
const DEFAULT_MAX_SESSIONS: usize = 100_000;

/// Sessions and revocations held in this process: the default store, fast and with no setup.
///
/// Cheap to clone (clones share the data). Sessions do not survive a restart and are not
/// shared between instances: use the Redis store for that.
///
/// ```
/// use auth_core::{MemoryStore, SessionId, SessionRecord, SessionStore, SystemClock, Clock};
/// use std::time::Duration;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::new();
/// let key = SessionId::generate()?.key();
/// let record = SessionRecord::new(SystemClock.now(), Duration::from_secs(1800), Duration::from_secs(43200));
/// store.create(&key, &record).await?;
/// assert!(store.load(&key).await?.is_some());
/// # Ok::<(), auth_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    shared: Arc<Shared>,
}

pub(super) struct Shared {
    sessions: Mutex<SessionTable>,
    pub(super) revocations: RwLock<RevocationSet>,
    pub(super) feed: broadcast::Sender<Revocation>,
    pub(super) clock: Arc<dyn Clock>,
    /// How long session and subject revocations are remembered.
    revocation_horizon: Duration,
    /// The most sessions held at once.
    max_sessions: usize,
    /// How many session revocations of one subject are kept before they are collapsed.
    pub(super) sessions_per_subject: usize,
}

/// Builds a [`MemoryStore`]; see [`MemoryStore::builder`].
#[derive(Debug)]
#[must_use]
pub struct MemoryStoreBuilder {
    clock: Arc<dyn Clock>,
    revocation_horizon: Duration,
    max_sessions: usize,
    sessions_per_subject: usize,
}

impl MemoryStoreBuilder {
    /// The clock that judges expiry (default: the system clock; tests inject a
    /// a `ManualClock`).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// How long the store, as a revocation list, remembers session and subject revocations
    /// (default 30 days): at
    /// least the lifetime of the longest-lived credential it guards.
    pub fn with_revocation_horizon(mut self, horizon: Duration) -> Self {
        self.revocation_horizon = horizon;
        self
    }

    /// The most sessions the store holds at once (default 100,000; at least 1). Without a bound any client could fill the process's memory: every request
    /// without a cookie that writes to its session (a CSRF token, a cart) stores one.
    ///
    /// When the store is full, a new session makes room by evicting, in this order: expired
    /// sessions; anonymous ones (no identity), the one that expires first, i.e. the least
    /// recently used, since every use pushes the idle expiry forward; then, only for a new
    /// logged-in session, the logged-in one that expires first. A logged-in session is never
    /// evicted to make room for an anonymous one: when only logged-in sessions are left, a new
    /// anonymous session is refused with [`ErrorKind::Unavailable`] (the session layer answers
    /// that request 503, as for any store that cannot take a write), and logged-in users go on.
    ///
    /// Memory: about 1 KB per session with a few small values, so the process holds at most
    /// about `max_sessions` × the largest session your app writes.
    ///
    /// ```
    /// use auth_core::{MemoryStore, SessionId, SessionRecord, SessionStore, SystemClock, Clock};
    /// use std::time::Duration;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::builder().with_max_sessions(2).build();
    /// let new = || SessionRecord::new(SystemClock.now(), Duration::from_secs(300), Duration::from_secs(3600));
    /// for _ in 0..5 {
    ///     store.create(&SessionId::generate()?.key(), &new()).await?;
    /// }
    /// assert_eq!(store.len(), 2); // the oldest anonymous sessions made room
    /// # Ok::<(), auth_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn with_max_sessions(mut self, max_sessions: usize) -> Self {
        self.max_sessions = max_sessions.max(1);
        self
    }

    /// How many session revocations of one subject the store keeps (default
    /// [`DEFAULT_SESSIONS_PER_SUBJECT`](crate::revocation::DEFAULT_SESSIONS_PER_SUBJECT), 1,000)
    /// before it collapses them into one watermark "everything this subject was issued before
    /// now", which also ends the subject's other sessions and tokens issued before it. A
    /// login/logout loop then adds at most this many entries per subject.
    ///
    /// ```
    /// use auth_core::MemoryStore;
    /// let store = MemoryStore::builder().with_revocations_per_subject(16).build();
    /// # drop(store);
    /// ```
    pub fn with_revocations_per_subject(mut self, sessions: usize) -> Self {
        self.sessions_per_subject = sessions;
        self
    }

    /// The store.
    pub fn build(self) -> MemoryStore {
        let (feed, _) = broadcast::channel(1024);
        MemoryStore {
            shared: Arc::new(Shared {
                sessions: Mutex::new(SessionTable::default()),
                revocations: RwLock::new(RevocationSet::with_horizon(self.revocation_horizon)),
                feed,
                clock: self.clock,
                revocation_horizon: self.revocation_horizon,
                max_sessions: self.max_sessions,
                sessions_per_subject: self.sessions_per_subject,
            }),
        }
    }
}

impl MemoryStore {
    /// A store on the system clock, with the default revocation horizon.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder, to set the clock, the revocation horizon or the capacity.
    ///
    /// ```
    /// use auth_core::{ManualClock, MemoryStore, Revocations};
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// let store = MemoryStore::builder()
    ///     .with_clock(Arc::new(ManualClock::new()))
    ///     .with_revocation_horizon(Duration::from_secs(90 * 24 * 3600))
    ///     .build();
    /// assert_eq!(store.horizon(), Duration::from_secs(90 * 24 * 3600));
    /// ```
    pub fn builder() -> MemoryStoreBuilder {
        MemoryStoreBuilder {
            clock: Arc::new(SystemClock),
            revocation_horizon: crate::revocation::DEFAULT_REVOCATION_HORIZON,
            max_sessions: DEFAULT_MAX_SESSIONS,
            sessions_per_subject: crate::revocation::DEFAULT_SESSIONS_PER_SUBJECT,
        }
    }

    pub(super) fn revocation_horizon(&self) -> Duration {
        self.shared.revocation_horizon
    }

    /// How many records are held (expired ones not yet evicted included).
    pub fn len(&self) -> usize {
        self.table().len()
    }

    /// The most sessions held at once ([`MemoryStoreBuilder::with_max_sessions`]).
    pub fn max_sessions(&self) -> usize {
        self.shared.max_sessions
    }

    /// Whether no records are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Evict every record that has expired; how many. Writes already evict as they go, so
    /// calling this is optional (for example from a periodic task to return memory sooner).
    pub fn evict_expired(&self) -> usize {
        let now = self.shared.clock.now();
        self.table().evict_expired(now, usize::MAX)
    }

    pub(super) fn shared(&self) -> &Shared {
        &self.shared
    }

    fn table(&self) -> MutexGuard<'_, SessionTable> {
        // A panic while holding the lock cannot leave the table half-updated in a way that
        // matters more than losing every session, so recover the guard.
        self.shared
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Lock for a write, evicting a few expired records first.
    fn table_for_write(&self) -> (MutexGuard<'_, SessionTable>, crate::Timestamp) {
        let now = self.shared.clock.now();
        let mut table = self.table();
        table.evict_expired(now, EVICT_PER_WRITE);
        (table, now)
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("sessions", &self.len())
            .field("clock", &self.shared.clock)
            .finish_non_exhaustive()
    }
}

fn collision() -> Error {
    Error::new(
        ErrorKind::Collision,
        "a session already exists under that key",
    )
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        let (mut table, now) = self.table_for_write();
        if table.get_live(key, now).is_some() {
            return Err(collision());
        }
        if !table.make_room(self.shared.max_sessions, now, record.identity.is_none()) {
            return Err(Error::unavailable(
                "the memory session store is full of logged-in sessions: no room for an anonymous one",
            ));
        }
        table.insert(*key, record.clone());
        Ok(())
    }

    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        let now = self.shared.clock.now();
        Ok(self
            .table()
            .get_live(key, now)
            .map(|r| SessionRecord::clone(r)))
    }

    fn load_ready(&self, key: &SessionKey) -> Option<Result<Option<Arc<SessionRecord>>, Error>> {
        let now = self.shared.clock.now();
        Some(Ok(self.table().get_live(key, now).cloned()))
    }

    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        let (mut table, now) = self.table_for_write();
        let Some(current) = table.get_live(key, now) else {
            return Ok(SaveOutcome::Missing);
        };
        if let Some(expected) = changes.expected_version
            && current.version != expected
        {
            return Ok(SaveOutcome::Conflict {
                current_version: current.version,
            });
        }
        let version = table.update(key, |record| {
            changes.apply_to(record);
            record.version
        });
        Ok(
            version.map_or(SaveOutcome::Missing, |version| SaveOutcome::Saved {
                version,
            }),
        )
    }

    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        let (mut table, _) = self.table_for_write();
        Ok(table.remove(key).is_some())
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        let (mut table, now) = self.table_for_write();
        if table.get_live(old, now).is_none() {
            return Ok(None);
        }
        if old == new || table.get_live(new, now).is_some() {
            return Err(collision());
        }
        let Some(record) = table.remove(old) else {
            return Ok(None);
        };
        let mut record = Arc::unwrap_or_clone(record);
        changes.apply_to(&mut record);
        table.insert(*new, record.clone());
        Ok(Some(record))
    }

    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        let (mut table, _) = self.table_for_write();
        let mut n = 0;
        for key in table.subject_keys(subject) {
            if table.remove(&key).is_some() {
                n += 1;
            }
        }
        Ok(n)
    }

    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        let now = self.shared.clock.now();
        let mut table = self.table();
        let mut out = Vec::new();
        for key in table.subject_keys(subject) {
            if let Some(record) = table.get_live(&key, now) {
                out.push(SessionEntry {
                    key,
                    record: SessionRecord::clone(record),
                });
            }
        }
        out.sort_by_key(|e| (e.record.created_at, e.key));
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
