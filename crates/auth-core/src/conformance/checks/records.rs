//! The checks of create and load: round trips of every field and any JSON value, unknown keys,
//! and no overwriting.

use super::{create_with, new_key, record};
use crate::{Clock, ErrorKind, Identity, ManualClock, SessionChanges, SessionStore};
use serde_json::json;
use std::sync::Arc;

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
