//! Touch writes (the idle expiry pushed forward once per interval) never hold the response:
//! the save starts before the response leaves and finishes as a task of the runtime; a failed
//! touch is logged, never answered with an error. Writes of real changes still wait for the
//! store and fail closed.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use auth_core::{
    Clock, Error, ManualClock, MemoryStore, SaveOutcome, SessionChanges, SessionEntry, SessionId,
    SessionKey, SessionRecord, SessionStore,
};
use auth_tower::{Session, SessionError, SessionLayer};
use axum::Router;
use axum::routing::get;
use common::{ProbeStore, get as get_req, send};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// A memory store whose saves wait at a gate the test opens (a slow remote store).
#[derive(Debug)]
struct SlowSaves {
    inner: MemoryStore,
    gate: Semaphore,
    started: AtomicUsize,
    finished: AtomicUsize,
}

#[async_trait]
impl SessionStore for SlowSaves {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        self.inner.create(key, record).await
    }
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        self.inner.load(key).await
    }
    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.gate.acquire().await.expect("gate open").forget();
        let outcome = self.inner.save(key, changes).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        outcome
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.inner.delete(key).await
    }
    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        self.inner.rotate(old, new, changes).await
    }
    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        self.inner.delete_subject(subject).await
    }
    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        self.inner.list_subject(subject).await
    }
}

fn app(store: Arc<dyn SessionStore>, clock: Arc<ManualClock>) -> Router {
    let layer = SessionLayer::builder(store)
        .with_clock(clock)
        .build()
        .unwrap();
    Router::new()
        .route(
            "/count",
            get(|s: Session| async move {
                let n = s.get::<u32>("n").await?.unwrap_or(0) + 1;
                s.insert("n", n).await?;
                Ok::<_, SessionError>(n.to_string())
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move {
                Ok::<_, SessionError>(format!("{:?}", s.get::<u32>("n").await?))
            }),
        )
        .layer(layer)
}

fn slow_store(clock: &Arc<ManualClock>) -> Arc<SlowSaves> {
    Arc::new(SlowSaves {
        inner: MemoryStore::builder().with_clock(clock.clone()).build(),
        gate: Semaphore::new(0),
        started: AtomicUsize::new(0),
        finished: AtomicUsize::new(0),
    })
}

fn key_of(cookie_pair: &str) -> SessionKey {
    let (_, value) = cookie_pair.split_once('=').unwrap();
    SessionId::parse(value).unwrap().key()
}

/// Wait (real time, bounded) until `done` holds.
async fn eventually(done: impl Fn() -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("in time");
}

#[tokio::test]
async fn a_due_touch_is_written_after_the_response() {
    let clock = Arc::new(ManualClock::new());
    let store = slow_store(&clock);
    let app = app(store.clone(), clock.clone());
    let cookie = send(&app, get_req("/count", None)).await.cookie_pair();
    let key = key_of(&cookie);
    let created = store.inner.load(&key).await.unwrap().unwrap();

    clock.advance(Duration::from_secs(61));
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        send(&app, get_req("/read", Some(&cookie))),
    )
    .await
    .expect("the response does not wait for the touch");
    assert_eq!((r.status, r.body.as_str()), (200, "Some(1)"));
    assert!(r.set_cookies().is_empty());
    assert_eq!(
        store.started.load(Ordering::SeqCst),
        1,
        "the touch was started before the response left"
    );
    assert_eq!(
        store.finished.load(Ordering::SeqCst),
        0,
        "and is still at the gate"
    );

    store.gate.add_permits(1);
    eventually(|| store.finished.load(Ordering::SeqCst) == 1).await;
    let touched = store.inner.load(&key).await.unwrap().unwrap();
    assert_eq!(touched.last_seen_at, clock.now());
    assert!(touched.idle_expires_at > created.idle_expires_at);
    assert_eq!(
        touched.values, created.values,
        "a touch changes nothing else"
    );
}

#[tokio::test]
async fn a_real_change_still_waits_for_the_store() {
    let clock = Arc::new(ManualClock::new());
    let store = slow_store(&clock);
    let app = app(store.clone(), clock.clone());
    let cookie = send(&app, get_req("/count", None)).await.cookie_pair();

    clock.advance(Duration::from_secs(61));
    let pending = tokio::spawn({
        let app = app.clone();
        async move { send(&app, get_req("/count", Some(&cookie))).await }
    });
    eventually(|| store.started.load(Ordering::SeqCst) == 1).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        !pending.is_finished(),
        "a response with changes waits for them to land"
    );
    store.gate.add_permits(1);
    let r = pending.await.unwrap();
    assert_eq!((r.status, r.body.as_str()), (200, "2"));
    assert_eq!(store.finished.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_touch_does_not_fail_the_response() {
    let clock = Arc::new(ManualClock::new());
    let store = ProbeStore::new(MemoryStore::builder().with_clock(clock.clone()).build());
    let app = app(store.clone(), clock.clone());
    let cookie = send(&app, get_req("/count", None)).await.cookie_pair();

    clock.advance(Duration::from_secs(61));
    store.set_writes_down(true);
    let writes = store.writes();
    let r = send(&app, get_req("/read", Some(&cookie))).await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (200, "Some(1)"),
        "nothing the user asked for was lost"
    );
    assert_eq!(store.writes(), writes + 1, "the touch was tried");
    // A change is still fail-closed.
    let r = send(&app, get_req("/count", Some(&cookie))).await;
    assert_eq!(r.status, 503);
    store.set_writes_down(false);
    assert_eq!(
        send(&app, get_req("/read", Some(&cookie))).await.body,
        "Some(1)"
    );
}
