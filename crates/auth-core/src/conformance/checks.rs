//! The checks, one public async function each. They panic with a message that says which
//! part of the contract broke.

#![allow(clippy::missing_panics_doc, missing_docs, clippy::unwrap_used)]

use crate::{
    Clock, ErrorKind, Identity, ManualClock, SaveOutcome, SessionChanges, SessionId, SessionKey,
    SessionRecord, SessionStore, Touch,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

const IDLE: Duration = Duration::from_secs(30 * 60);
const ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);

pub(super) fn new_key() -> SessionKey {
    SessionId::generate().expect("os rng").key()
}

pub(super) fn record(clock: &ManualClock) -> SessionRecord {
    SessionRecord::new(clock.now(), IDLE, ABSOLUTE)
}

fn set(name: &str, value: serde_json::Value) -> SessionChanges {
    let mut c = SessionChanges::default();
    c.insert(name.to_owned(), value);
    c
}

pub(super) async fn create_with<S: SessionStore + ?Sized>(
    store: &S,
    r: &SessionRecord,
) -> SessionKey {
    let key = new_key();
    store.create(&key, r).await.expect("create");
    key
}

pub async fn create_then_load_round_trips<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let mut r = record(&clock);
    r.identity = Some(
        Identity::new("alice")
            .with_role("admin")
            .with_authenticated_at(clock.now()),
    );
    r.values.insert("cart".into(), json!({"items": [1, 2, 3]}));
    let key = create_with(&*store, &r).await;
    let loaded = store
        .load(&key)
        .await
        .expect("load")
        .expect("created record loads");
    assert_eq!(loaded, r, "a loaded record equals what was created");
}

pub async fn load_of_an_unknown_key_is_none<S: SessionStore + ?Sized>(
    store: Arc<S>,
    _clock: Arc<ManualClock>,
) {
    assert!(store.load(&new_key()).await.expect("load").is_none());
    assert!(
        !store.delete(&new_key()).await.expect("delete"),
        "deleting nothing reports false"
    );
}

pub async fn create_never_overwrites<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let mut first = record(&clock);
    first.values.insert("owner".into(), json!("first"));
    let key = create_with(&*store, &first).await;
    let mut second = record(&clock);
    second.values.insert("owner".into(), json!("second"));
    let err = store
        .create(&key, &second)
        .await
        .expect_err("a second create on one key fails");
    assert_eq!(err.kind(), ErrorKind::Collision);
    let loaded = store.load(&key).await.unwrap().unwrap();
    assert_eq!(
        loaded.values["owner"],
        json!("first"),
        "a collision never overwrites"
    );
}

pub async fn save_writes_only_the_changed_fields<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let mut r = record(&clock);
    r.values.insert("a".into(), json!(1));
    r.values.insert("b".into(), json!(2));
    let key = create_with(&*store, &r).await;
    let mut c = set("c", json!(3));
    c.remove("a".into());
    let outcome = store.save(&key, &c).await.unwrap();
    assert_eq!(
        outcome,
        SaveOutcome::Saved {
            version: r.version + 1
        }
    );
    let loaded = store.load(&key).await.unwrap().unwrap();
    assert_eq!(loaded.values.get("a"), None, "removed value is gone");
    assert_eq!(
        loaded.values.get("b"),
        Some(&json!(2)),
        "untouched value is kept"
    );
    assert_eq!(
        loaded.values.get("c"),
        Some(&json!(3)),
        "set value is there"
    );
    assert_eq!(loaded.version, r.version + 1, "save bumps the version");
}

pub async fn concurrent_saves_to_different_fields_all_land<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let key = create_with(&*store, &record(&clock)).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .save(&key, &set(&format!("field-{i}"), json!(i)))
                .await
        }));
    }
    for t in tasks {
        let outcome = t.await.expect("task").expect("save");
        assert!(matches!(outcome, SaveOutcome::Saved { .. }), "{outcome:?}");
    }
    let loaded = store.load(&key).await.unwrap().unwrap();
    for i in 0..64 {
        assert_eq!(
            loaded.values.get(&format!("field-{i}")),
            Some(&json!(i)),
            "concurrent save of field-{i} was lost"
        );
    }
    assert_eq!(loaded.values.len(), 64);
    assert_eq!(loaded.version, 64, "each save bumped the version once");
}

pub async fn save_after_delete_does_not_resurrect<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let mut r = record(&clock);
    r.identity = Some(Identity::new("bob"));
    let key = create_with(&*store, &r).await;
    assert!(
        store.delete(&key).await.unwrap(),
        "delete reports the record existed"
    );
    let mut c = set("late", json!(true));
    c.touch = Some(Touch {
        last_seen_at: clock.now(),
        idle_expires_at: clock.now().saturating_add(IDLE),
    });
    assert_eq!(store.save(&key, &c).await.unwrap(), SaveOutcome::Missing);
    assert!(
        store.load(&key).await.unwrap().is_none(),
        "a deleted session stays deleted"
    );
    assert!(
        store.list_subject("bob").await.unwrap().is_empty(),
        "nor does it come back in the index"
    );
}

pub async fn save_with_expected_version_is_compare_and_set<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let key = create_with(&*store, &record(&clock)).await;
    store.save(&key, &set("x", json!(1))).await.unwrap();
    let mut stale = set("x", json!("stale"));
    stale.expected_version = Some(0);
    assert_eq!(
        store.save(&key, &stale).await.unwrap(),
        SaveOutcome::Conflict { current_version: 1 }
    );
    let mut fresh = set("x", json!("fresh"));
    fresh.expected_version = Some(1);
    assert_eq!(
        store.save(&key, &fresh).await.unwrap(),
        SaveOutcome::Saved { version: 2 }
    );
    assert_eq!(
        store.load(&key).await.unwrap().unwrap().values["x"],
        json!("fresh")
    );
}

pub async fn rotate_keeps_data_and_kills_the_old_key<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let mut r = record(&clock);
    r.values.insert("cart".into(), json!([1]));
    let old = create_with(&*store, &r).await;
    let new = new_key();
    let mut c = SessionChanges {
        identity: Some(Some(Identity::new("carol"))),
        ..SessionChanges::default()
    };
    c.insert("theme".into(), json!("dark"));
    let rotated = store
        .rotate(&old, &new, &c)
        .await
        .unwrap()
        .expect("old existed");
    assert!(
        store.load(&old).await.unwrap().is_none(),
        "old key is dead after rotate"
    );
    let loaded = store.load(&new).await.unwrap().expect("new key loads");
    assert_eq!(loaded, rotated, "rotate returns what it stored");
    assert_eq!(loaded.values["cart"], json!([1]), "data survives rotation");
    assert_eq!(
        loaded.values["theme"],
        json!("dark"),
        "changes applied during rotation"
    );
    assert_eq!(loaded.subject(), Some("carol"));
    let listed: Vec<_> = store
        .list_subject("carol")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(listed, vec![new], "index lists the new key only");
    assert_eq!(
        store.save(&old, &set("x", json!(1))).await.unwrap(),
        SaveOutcome::Missing
    );
}

pub async fn rotate_never_overwrites_and_never_creates_from_nothing<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let missing = new_key();
    let target = new_key();
    let out = store
        .rotate(&missing, &target, &SessionChanges::default())
        .await
        .unwrap();
    assert!(out.is_none(), "rotating a missing session yields nothing");
    assert!(
        store.load(&target).await.unwrap().is_none(),
        "and creates nothing"
    );

    let mut a = record(&clock);
    a.values.insert("who".into(), json!("a"));
    let mut b = record(&clock);
    b.values.insert("who".into(), json!("b"));
    let ka = create_with(&*store, &a).await;
    let kb = create_with(&*store, &b).await;
    let err = store
        .rotate(&ka, &kb, &SessionChanges::default())
        .await
        .expect_err("collision");
    assert_eq!(err.kind(), ErrorKind::Collision);
    assert_eq!(
        store.load(&ka).await.unwrap().unwrap().values["who"],
        json!("a"),
        "old untouched"
    );
    assert_eq!(
        store.load(&kb).await.unwrap().unwrap().values["who"],
        json!("b"),
        "target untouched"
    );
}

pub async fn idle_expiry_is_enforced_and_touch_extends_it<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let key = create_with(&*store, &record(&clock)).await;
    clock.advance(IDLE - Duration::from_secs(1));
    assert!(
        store.load(&key).await.unwrap().is_some(),
        "alive just before the idle timeout"
    );
    let touch = SessionChanges {
        touch: Some(Touch {
            last_seen_at: clock.now(),
            idle_expires_at: clock.now().saturating_add(IDLE),
        }),
        ..SessionChanges::default()
    };
    assert!(matches!(
        store.save(&key, &touch).await.unwrap(),
        SaveOutcome::Saved { .. }
    ));
    clock.advance(IDLE - Duration::from_secs(1));
    let live = store
        .load(&key)
        .await
        .unwrap()
        .expect("touch extended the idle timeout");
    assert_eq!(live.idle_expires_at, live.last_seen_at.saturating_add(IDLE));
    clock.advance(Duration::from_secs(1));
    assert!(
        store.load(&key).await.unwrap().is_none(),
        "expired at exactly the idle expiry"
    );
    assert_eq!(
        store.save(&key, &touch).await.unwrap(),
        SaveOutcome::Missing,
        "no save revives it"
    );
}

pub async fn absolute_expiry_cannot_be_extended<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let r = SessionRecord::new(clock.now(), IDLE, Duration::from_secs(60 * 60));
    let key = create_with(&*store, &r).await;
    for _ in 0..3 {
        clock.advance(Duration::from_secs(20 * 60 - 1));
        let touch = SessionChanges {
            touch: Some(Touch {
                last_seen_at: clock.now(),
                idle_expires_at: clock.now().saturating_add(IDLE),
            }),
            ..SessionChanges::default()
        };
        store.save(&key, &touch).await.unwrap();
    }
    let live = store
        .load(&key)
        .await
        .unwrap()
        .expect("still inside the absolute timeout");
    assert_eq!(
        live.idle_expires_at, r.absolute_expires_at,
        "touch is clamped to the absolute expiry"
    );
    clock.advance(Duration::from_secs(3));
    assert!(
        store.load(&key).await.unwrap().is_none(),
        "absolute expiry ends it despite activity"
    );
}

pub async fn subject_index_lists_and_deletes_all<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let subject = format!("dave-{}", new_key().to_hex());
    let other = format!("erin-{}", new_key().to_hex());
    let mut keys = Vec::new();
    for _ in 0..3 {
        let mut r = record(&clock);
        r.identity = Some(Identity::new(subject.clone()));
        keys.push(create_with(&*store, &r).await);
        clock.advance(Duration::from_millis(10));
    }
    let mut r = record(&clock);
    r.identity = Some(Identity::new(other.clone()));
    let other_key = create_with(&*store, &r).await;
    let anon = create_with(&*store, &record(&clock)).await;

    let listed: Vec<_> = store
        .list_subject(&subject)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(listed, keys, "a subject's sessions, oldest first");
    assert_eq!(store.delete_subject(&subject).await.unwrap(), 3);
    for k in &keys {
        assert!(
            store.load(k).await.unwrap().is_none(),
            "deleted by delete_subject"
        );
    }
    assert!(store.list_subject(&subject).await.unwrap().is_empty());
    assert!(
        store.load(&other_key).await.unwrap().is_some(),
        "other subjects untouched"
    );
    assert!(
        store.load(&anon).await.unwrap().is_some(),
        "anonymous sessions untouched"
    );
    assert_eq!(store.delete_subject(&subject).await.unwrap(), 0);
}

pub async fn subject_index_has_no_stale_entries<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let subject = format!("frank-{}", new_key().to_hex());
    let mut short = SessionRecord::new(clock.now(), Duration::from_secs(60), ABSOLUTE);
    short.identity = Some(Identity::new(subject.clone()));
    let expiring = create_with(&*store, &short).await;
    let mut long = record(&clock);
    long.identity = Some(Identity::new(subject.clone()));
    let deleted = create_with(&*store, &long).await;
    let kept = create_with(&*store, &long).await;
    store.delete(&deleted).await.unwrap();
    clock.advance(Duration::from_secs(61));
    let listed: Vec<_> = store
        .list_subject(&subject)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(
        listed,
        vec![kept],
        "expired {expiring:?} and deleted {deleted:?} are not listed"
    );
    assert_eq!(
        store.delete_subject(&subject).await.unwrap(),
        1,
        "only live sessions are counted"
    );
}

pub async fn values_round_trip_any_json<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let key = create_with(&*store, &record(&clock)).await;
    let tricky = [
        (
            "unicode ✓ 名前",
            json!("välue with \"quotes\" and \\ and \n"),
        ),
        ("nested", json!({"a": {"b": [null, true, 1.5, -7, "x"]}})),
        ("empty", json!("")),
        ("big", json!("x".repeat(64 * 1024))),
        ("null", json!(null)),
        ("version", json!("a value named like a metadata field")),
        // Floats a parser without correct rounding reads back one ulp off (found by fuzzing
        // the Redis decoder), and extremes of the f64 range.
        (
            "floats",
            json!([
                4.5e300,
                0.1 + 0.2,
                2.999_999_999_999_999_6e-300,
                f64::MAX,
                f64::MIN_POSITIVE
            ]),
        ),
        ("integers", json!([u64::MAX, i64::MIN])),
    ];
    let mut c = SessionChanges::default();
    for (k, v) in &tricky {
        c.insert((*k).to_owned(), v.clone());
    }
    store.save(&key, &c).await.unwrap();
    let loaded = store.load(&key).await.unwrap().unwrap();
    for (k, v) in &tricky {
        assert_eq!(loaded.values.get(*k), Some(v), "value {k:?} round-trips");
    }
    assert_eq!(
        loaded.version, 1,
        "a value named 'version' does not clash with metadata"
    );
}
