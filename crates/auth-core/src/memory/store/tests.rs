//! The memory store's capacity beyond the conformance suite: which sessions a full store
//! evicts first, and that eviction keeps every index in step.

use super::*;
use crate::{Identity, ManualClock, SessionId};
use std::time::Duration;

fn record(clock: &ManualClock, idle_secs: u64, subject: Option<&str>) -> SessionRecord {
    let mut r = SessionRecord::new(
        clock.now(),
        Duration::from_secs(idle_secs),
        Duration::from_secs(3600),
    );
    r.identity = subject.map(Identity::new);
    r
}

async fn create(store: &MemoryStore, r: &SessionRecord) -> Result<SessionKey, Error> {
    let key = SessionId::generate().unwrap().key();
    store.create(&key, r).await.map(|()| key)
}

#[tokio::test]
async fn a_full_store_evicts_expired_then_anonymous_least_recently_used_then_logged_in() {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder()
        .with_clock(clock.clone())
        .with_max_sessions(4)
        .build();
    let alice = create(&store, &record(&clock, 600, Some("alice")))
        .await
        .unwrap();
    let anon_old = create(&store, &record(&clock, 100, None)).await.unwrap();
    let anon_new = create(&store, &record(&clock, 200, None)).await.unwrap();
    let expiring = create(&store, &record(&clock, 10, Some("bob")))
        .await
        .unwrap();
    assert_eq!(store.len(), 4);
    clock.advance(Duration::from_secs(20)); // bob's session has expired
    let live = |k: SessionKey| {
        let store = store.clone();
        async move { store.load(&k).await.unwrap().is_some() }
    };

    // Expired first, even a logged-in one, before any live anonymous session.
    let anon_a = create(&store, &record(&clock, 300, None)).await.unwrap();
    assert!(store.table().record(&expiring).is_none());
    assert!(live(anon_old).await && live(anon_new).await);
    // Then anonymous, the one that expires first (the least recently used).
    let anon_b = create(&store, &record(&clock, 300, None)).await.unwrap();
    assert!(!live(anon_old).await && live(anon_new).await);
    // A logged-in session makes room from anonymous ones too.
    let carol = create(&store, &record(&clock, 600, Some("carol")))
        .await
        .unwrap();
    assert!(!live(anon_new).await);
    assert_eq!(store.len(), 4);
    assert!(live(alice).await && live(carol).await);
    assert_eq!(store.table().anonymous_len(), 2);
    let dave = create(&store, &record(&clock, 600, Some("dave")))
        .await
        .unwrap();
    let erin = create(&store, &record(&clock, 600, Some("erin")))
        .await
        .unwrap();
    assert!(!live(anon_a).await && !live(anon_b).await);
    assert_eq!(store.table().anonymous_len(), 0);

    // Only logged-in sessions left: an anonymous one is refused, nobody is evicted.
    let err = create(&store, &record(&clock, 300, None))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert_eq!(store.len(), 4);
    assert!(live(alice).await && live(carol).await);
    // A new logged-in session evicts the least recently used logged-in one: every use
    // (a touch) pushes the idle expiry forward.
    clock.advance(Duration::from_secs(1));
    for k in [alice, carol, dave] {
        let touch = SessionChanges {
            touch: Some(crate::Touch::new(
                clock.now(),
                clock.now().saturating_add(Duration::from_secs(600)),
            )),
            ..SessionChanges::default()
        };
        store.save(&k, &touch).await.unwrap();
    }
    let frank = create(&store, &record(&clock, 600, Some("frank")))
        .await
        .unwrap();
    assert!(!live(erin).await, "erin's session was used least recently");
    for k in [alice, carol, dave, frank] {
        assert!(live(k).await);
    }
    assert_eq!(store.table().index_sizes(), (4, 4, 4));
}

#[tokio::test]
async fn logging_in_moves_a_session_out_of_the_anonymous_queue() {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder()
        .with_clock(clock.clone())
        .with_max_sessions(2)
        .build();
    let old = create(&store, &record(&clock, 100, None)).await.unwrap();
    let new = SessionId::generate().unwrap().key();
    let changes = SessionChanges {
        identity: Some(Some(Identity::new("alice"))),
        ..SessionChanges::default()
    };
    store.rotate(&old, &new, &changes).await.unwrap().unwrap();
    assert_eq!(store.table().anonymous_len(), 0);
    create(&store, &record(&clock, 100, None)).await.unwrap();
    create(&store, &record(&clock, 100, None)).await.unwrap();
    assert!(store.load(&new).await.unwrap().is_some(), "alice stays");
    assert_eq!(store.len(), 2);
}

#[tokio::test]
async fn eviction_keeps_every_index_in_step() {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder().with_clock(clock.clone()).build();
    for i in 0..100u64 {
        let mut r = SessionRecord::new(
            clock.now(),
            Duration::from_secs(10 + i),
            Duration::from_secs(3600),
        );
        r.identity = Some(Identity::new(format!("u{}", i % 3)));
        store
            .create(&SessionId::generate().unwrap().key(), &r)
            .await
            .unwrap();
    }
    assert_eq!(store.table().index_sizes(), (100, 100, 100));
    clock.advance(Duration::from_secs(60));
    assert_eq!(store.evict_expired(), 51);
    assert_eq!(store.table().index_sizes(), (49, 49, 49));
    assert!(
        !store
            .table()
            .contains(&SessionId::generate().unwrap().key())
    );
    clock.advance(Duration::from_secs(3600));
    // A write evicts a bounded batch; the rest goes with later writes or evict_expired.
    store
        .delete(&SessionId::generate().unwrap().key())
        .await
        .unwrap();
    assert_eq!(store.len(), 49 - EVICT_PER_WRITE);
    store.evict_expired();
    assert_eq!(store.table().index_sizes(), (0, 0, 0));
    assert!(
        store
            .table()
            .record(&SessionKey::from_bytes([0; 32]))
            .is_none()
    );
}
