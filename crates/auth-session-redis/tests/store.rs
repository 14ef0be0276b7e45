//! Behaviour of the Redis store beyond the shared suite, checked against what Redis holds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;

use auth_core::{
    Clock, Identity, ManualClock, SaveOutcome, SessionChanges, SessionRecord, SessionStore, Touch,
};
use redis::AsyncCommands as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

const IDLE: Duration = Duration::from_secs(30 * 60);
const ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);

fn logged_in(clock: &ManualClock, subject: &str) -> SessionRecord {
    let mut r = SessionRecord::new(clock.now(), IDLE, ABSOLUTE);
    r.identity = Some(Identity::new(subject));
    r
}

fn index_key(prefix: &str, subject: &str) -> String {
    let hex: String = Sha256::digest(subject.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}u:{{{hex}}}")
}

async fn setup() -> (Arc<ManualClock>, Arc<common::CleanStore>) {
    let clock = Arc::new(ManualClock::new());
    let store = Arc::new(common::store(clock.clone()).await);
    (clock, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn save_racing_delete_stays_deleted() {
    let (clock, store) = setup().await;
    let mut raw = common::raw(&common::redis_url()).await;
    let subject = "racer";
    for round in 0..30 {
        let key = common::new_key();
        store
            .create(&key, &logged_in(&clock, subject))
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let saver = store.clone();
            let now = clock.now();
            tasks.push(tokio::spawn(async move {
                let mut c = SessionChanges::default();
                c.insert(format!("f{i}"), json!(i));
                c.touch = Some(Touch::new(now, now.saturating_add(IDLE)));
                saver.save(&key, &c).await.unwrap()
            }));
            if i == 8 {
                let deleter = store.clone();
                tasks.push(tokio::spawn(async move {
                    deleter.delete(&key).await.unwrap();
                    SaveOutcome::Missing
                }));
            }
        }
        for t in tasks {
            let outcome = t.await.unwrap();
            assert!(
                matches!(outcome, SaveOutcome::Saved { .. } | SaveOutcome::Missing),
                "{outcome:?}"
            );
        }
        assert!(
            store.load(&key).await.unwrap().is_none(),
            "round {round}: resurrected"
        );
        let session_key = format!("{}s:{{{}}}", store.cleanup.prefix, key.to_hex());
        assert!(
            !raw.exists::<_, bool>(&session_key).await.unwrap(),
            "round {round}: hash left"
        );
        assert!(store.list_subject(subject).await.unwrap().is_empty());
        let ix: Vec<String> = raw
            .zrange(index_key(&store.cleanup.prefix, subject), 0, -1)
            .await
            .unwrap();
        assert!(ix.is_empty(), "round {round}: index entry left: {ix:?}");
    }
}

/// Sleep `d` and move the store's clock by as much: pruning follows Redis' clock, so these
/// expiries must really pass.
async fn pass(clock: &ManualClock, d: Duration) {
    tokio::time::sleep(d).await;
    clock.advance(d);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn subject_index_holds_no_stale_entries_after_expiry() {
    let (clock, store) = setup().await;
    let mut raw = common::raw(&common::redis_url()).await;
    let subject = "expirer";
    let ix = index_key(&store.cleanup.prefix, subject);

    let mut short = logged_in(&clock, subject);
    short.idle_expires_at = clock.now().saturating_add(Duration::from_millis(800));
    let short_key = common::new_key();
    store.create(&short_key, &short).await.unwrap();
    let deleted = common::new_key();
    store
        .create(&deleted, &logged_in(&clock, subject))
        .await
        .unwrap();
    let kept = common::new_key();
    store
        .create(&kept, &logged_in(&clock, subject))
        .await
        .unwrap();
    assert_eq!(raw.zcard::<_, usize>(&ix).await.unwrap(), 3);
    store.delete(&deleted).await.unwrap();
    assert_eq!(
        raw.zcard::<_, usize>(&ix).await.unwrap(),
        2,
        "delete unindexes"
    );

    pass(&clock, Duration::from_millis(900)).await;
    let listed: Vec<_> = store
        .list_subject(subject)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(listed, vec![kept]);
    let members: Vec<String> = raw.zrange(&ix, 0, -1).await.unwrap();
    assert_eq!(
        members,
        vec![kept.to_hex()],
        "listing pruned the entry of the session Redis dropped"
    );
    let ttl: i64 = raw.pttl(&ix).await.unwrap();
    assert!(ttl > 0, "the index itself expires (pttl {ttl})");

    // Past its absolute expiry (by Redis' clock too), the next index write drops an entry by
    // its score, without any listing.
    let brief_key = common::new_key();
    let mut brief = SessionRecord::new(clock.now(), IDLE, Duration::from_millis(500));
    brief.identity = Some(Identity::new(subject));
    store.create(&brief_key, &brief).await.unwrap();
    pass(&clock, Duration::from_millis(600)).await;
    let fresh = common::new_key();
    store
        .create(&fresh, &logged_in(&clock, subject))
        .await
        .unwrap();
    let mut members: Vec<String> = raw.zrange(&ix, 0, -1).await.unwrap();
    members.sort();
    let mut expected = vec![kept.to_hex(), fresh.to_hex()];
    expected.sort();
    assert_eq!(members, expected, "pruned by score at the index write");

    // Our clock alone moving past every expiry prunes nothing: Redis' clock says they live.
    clock.advance(ABSOLUTE);
    let late = common::new_key();
    store
        .create(&late, &logged_in(&clock, subject))
        .await
        .unwrap();
    assert_eq!(raw.zcard::<_, usize>(&ix).await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn identity_changes_move_the_index_entry() {
    let (clock, store) = setup().await;
    let key = common::new_key();
    store
        .create(&key, &logged_in(&clock, "alice"))
        .await
        .unwrap();
    let mut to_bob = SessionChanges::default();
    to_bob.identity = Some(Some(Identity::new("bob")));
    assert_eq!(
        store.save(&key, &to_bob).await.unwrap(),
        SaveOutcome::Saved { version: 1 }
    );
    assert!(store.list_subject("alice").await.unwrap().is_empty());
    assert_eq!(store.list_subject("bob").await.unwrap().len(), 1);
    let mut logout = SessionChanges::default();
    logout.identity = Some(None);
    store.save(&key, &logout).await.unwrap();
    assert!(store.list_subject("bob").await.unwrap().is_empty());
    let loaded = store
        .load(&key)
        .await
        .unwrap()
        .expect("session kept on logout");
    assert_eq!(loaded.identity, None);

    // Rotation on login indexes the new key only.
    let new = common::new_key();
    let mut login = SessionChanges::default();
    login.identity = Some(Some(Identity::new("carol")));
    store.rotate(&key, &new, &login).await.unwrap().unwrap();
    let listed: Vec<_> = store
        .list_subject("carol")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(listed, vec![new]);
    let mut raw = common::raw(&common::redis_url()).await;
    for s in ["alice", "bob"] {
        let n: usize = raw
            .zcard(index_key(&store.cleanup.prefix, s))
            .await
            .unwrap();
        assert_eq!(n, 0, "{s}'s index is empty");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn concurrent_rotations_and_deletes_leave_one_consistent_outcome() {
    let (clock, store) = setup().await;
    for _ in 0..20 {
        let key = common::new_key();
        store
            .create(&key, &logged_in(&clock, "dora"))
            .await
            .unwrap();
        let targets: Vec<_> = (0..4).map(|_| common::new_key()).collect();
        let mut rotations = Vec::new();
        for t in &targets {
            let (store, t) = (store.clone(), *t);
            rotations.push(tokio::spawn(async move {
                store.rotate(&key, &t, &SessionChanges::default()).await
            }));
        }
        let deleter = store.clone();
        let delete = tokio::spawn(async move { deleter.delete(&key).await });
        let mut rotated = 0;
        for r in rotations {
            if r.await.unwrap().unwrap().is_some() {
                rotated += 1;
            }
        }
        delete.await.unwrap().unwrap();
        assert!(rotated <= 1, "one session became {rotated}");
        assert!(store.load(&key).await.unwrap().is_none());
        let listed = store.list_subject("dora").await.unwrap();
        assert_eq!(listed.len(), rotated);
        store.delete_subject("dora").await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn layout_memory_and_expiry_in_redis() {
    let (clock, store) = setup().await;
    let mut raw = common::raw(&common::redis_url()).await;
    // A typical logged-in session: an identity with a role, and three small values.
    let mut r = SessionRecord::new(clock.now(), IDLE, ABSOLUTE);
    r.identity = Some(
        Identity::new("user-1234")
            .with_role("member")
            .with_authenticated_at(clock.now()),
    );
    r.values.insert("csrf".into(), json!("Qk1x2wq8Zr0"));
    r.values.insert("theme".into(), json!("dark"));
    r.values.insert("cart".into(), json!([17, 42]));
    let key = common::new_key();
    store.create(&key, &r).await.unwrap();

    let session_key = format!("{}s:{{{}}}", store.cleanup.prefix, key.to_hex());
    let fields: Vec<String> = raw.hkeys(&session_key).await.unwrap();
    for f in [
        "v:csrf", "v:theme", "v:cart", "ver", "sub", "ident", "abs", "idle",
    ] {
        assert!(fields.iter().any(|x| x == f), "field {f} in {fields:?}");
    }
    let ttl: i64 = raw.pttl(&session_key).await.unwrap();
    assert!(
        ttl > 0 && ttl <= IDLE.as_millis() as i64 + 1_000,
        "Redis drops the key at the idle expiry (pttl {ttl})"
    );
    let bytes: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&session_key)
        .arg("SAMPLES")
        .arg(0)
        .query_async(&mut raw)
        .await
        .unwrap();
    let encoding: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(&session_key)
        .query_async(&mut raw)
        .await
        .unwrap();
    let ix = index_key(&store.cleanup.prefix, "user-1234");
    let ix_bytes: i64 = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&ix)
        .query_async(&mut raw)
        .await
        .unwrap();
    println!(
        "MEMORY USAGE of a typical session (logged in, 3 small values): {bytes} bytes \
         (hash encoding {encoding}); its subject index with one entry: {ix_bytes} bytes"
    );
    assert!(bytes < 1024, "{bytes} bytes per session");
}
