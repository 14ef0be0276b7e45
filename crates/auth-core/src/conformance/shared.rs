//! The harness for revocation lists on a shared store (Redis, PostgreSQL): a store describes
//! how to open another instance on the same list and how to look into the store
//! ([`SharedStore`]); [`shared_revocations_conformance!`](crate::shared_revocations_conformance)
//! then runs the [`revocations`](super::revocations) checks on it, and the million-entry
//! snapshot check below.

#![allow(clippy::missing_panics_doc, clippy::unwrap_used, clippy::print_stdout)]

use super::revocations::ListUnderTest;
use crate::{Clock, Error, Revocation, RevocationProbe, Revocations, SystemClock, Timestamp};
use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// A shared list under test: a fresh list (a key prefix or schema of its own, cleaned up when
/// the value is dropped) built with the suite's per-subject threshold
/// ([`SUITE_SESSIONS_PER_SUBJECT`](super::revocations::SUITE_SESSIONS_PER_SUBJECT)).
#[async_trait(?Send)]
pub trait SharedStore: fmt::Debug + Sized + 'static {
    /// The store's revocation list.
    type List: Revocations;
    /// Open one more instance on the list (it loads the snapshot as it starts).
    async fn connect(&self) -> Self::List;
    /// Revocations naming `subject` that `list` holds in memory.
    fn held_for(list: &Self::List, subject: &str) -> usize;
    /// How many revocations `list` holds in memory.
    fn len(list: &Self::List) -> usize;
    /// Whether `list`'s feed is in sync.
    fn is_synced(list: &Self::List) -> bool;
    /// Revocations naming `subject` in the store.
    async fn stored_for(&self, subject: &str) -> usize;
    /// Write `count` token revocations `bulk-0000000`, `bulk-0000001`, ... straight into the
    /// store, each until `expires_at`.
    async fn write_tokens(&self, count: usize, expires_at: Timestamp);
}

/// One instance of a [`SharedStore`]'s list: a [`Revocations`] and a [`ListUnderTest`].
#[derive(Debug)]
pub struct OnStore<S: SharedStore> {
    list: S::List,
    store: Arc<S>,
}

impl<S: SharedStore> OnStore<S> {
    /// The first instance on `store`'s list.
    pub async fn new(store: S) -> Self {
        Self {
            list: store.connect().await,
            store: Arc::new(store),
        }
    }
}

#[async_trait]
impl<S: SharedStore> Revocations for OnStore<S>
where
    S: Send + Sync,
{
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        self.list.revoke(revocation).await
    }

    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        self.list.is_revoked(probe)
    }

    fn horizon(&self) -> Duration {
        self.list.horizon()
    }

    fn health(&self) -> Result<(), Error> {
        self.list.health()
    }

    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.list.subscribe()
    }
}

#[async_trait(?Send)]
impl<S: SharedStore + Send + Sync> ListUnderTest for OnStore<S> {
    fn held_for(&self, subject: &str) -> usize {
        S::held_for(&self.list, subject)
    }

    async fn stored_for(&self, subject: &str) -> usize {
        self.store.stored_for(subject).await
    }

    async fn another_instance(&self) -> Self {
        Self {
            list: self.store.connect().await,
            store: self.store.clone(),
        }
    }
}

/// Past some size, a snapshot did not load within its deadline and a resync after any blip
/// never finished (every check a 503). A list of a million entries, written straight into the
/// store, loads well within the 30 s deadline (under 20 s).
pub async fn a_list_of_a_million_entries_loads_within_the_snapshot_deadline<S: SharedStore>(
    store: S,
) {
    const ENTRIES: usize = 1_000_000;
    let until = SystemClock.now().saturating_add(Duration::from_secs(3600));
    let written = Instant::now();
    store.write_tokens(ENTRIES, until).await;
    println!("wrote {ENTRIES} entries in {:?}", written.elapsed());
    let started = Instant::now();
    let list = store.connect().await;
    let loaded = started.elapsed();
    println!(
        "a snapshot of {} entries loaded in {loaded:?} (deadline 30 s)",
        S::len(&list)
    );
    assert_eq!(S::len(&list), ENTRIES);
    assert!(S::is_synced(&list));
    assert!(
        loaded < Duration::from_secs(20),
        "{loaded:?} leaves no margin under the 30 s deadline"
    );
    let probe = RevocationProbe {
        token_id: Some("bulk-0999999"),
        ..RevocationProbe::default()
    };
    assert!(list.is_revoked(&probe).unwrap());
}

/// Expand the [`revocations`](super::revocations) checks and
/// [`a_list_of_a_million_entries_loads_within_the_snapshot_deadline`] into one
/// `#[tokio::test]` each, for a list on a shared store: `$make` is an async factory
/// `|| async { store }` of a fresh [`SharedStore`]; `ignore = "needs ..."` names the service.
#[macro_export]
macro_rules! shared_revocations_conformance {
    ($make:expr, ignore = $reason:literal $(,)?) => {
        $crate::revocations_conformance!(
            || async { $crate::conformance::shared::OnStore::new(($make)().await).await },
            ignore = $reason
        );

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[ignore = $reason]
        async fn a_list_of_a_million_entries_loads_within_the_snapshot_deadline() {
            $crate::conformance::shared::a_list_of_a_million_entries_loads_within_the_snapshot_deadline(
                ($make)().await,
            )
            .await;
        }
    };
}
