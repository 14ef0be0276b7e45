//! The checks of expiry: the idle timeout is enforced and touch extends it; the absolute
//! timeout cannot be extended.

use super::{IDLE, create_with, record};
use crate::{Clock, ManualClock, SaveOutcome, SessionChanges, SessionRecord, SessionStore, Touch};
use std::sync::Arc;
use std::time::Duration;

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
