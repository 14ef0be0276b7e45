//! The checks of key rotation: the data moves to the new key and the old key dies; nothing is
//! overwritten or created from nothing.

use super::{create_with, new_key, record, set};
use crate::{ErrorKind, Identity, ManualClock, SaveOutcome, SessionChanges, SessionStore};
use serde_json::json;
use std::sync::Arc;

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
