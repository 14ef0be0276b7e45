//! The checks of the per-subject index: it lists and deletes every session of a subject and
//! keeps no stale entries.

use super::{ABSOLUTE, create_with, new_key, record};
use crate::{Clock, Identity, ManualClock, SessionRecord, SessionStore};
use std::sync::Arc;
use std::time::Duration;

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
