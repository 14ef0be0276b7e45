//! The checks of save: only changed fields are written, concurrent saves all land, a deleted
//! session stays deleted, and an expected version makes it a compare-and-set.

use super::{IDLE, create_with, record, set};
use crate::{Clock, Identity, ManualClock, SaveOutcome, SessionStore, Touch};
use serde_json::json;
use std::sync::Arc;

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
