//! The [`RefreshStore`] contract as a test any implementation can run (feature `test-util`).

use super::store::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use crate::{Identity, SessionKey, Timestamp};
use std::time::Duration;

fn family(n: u8) -> FamilyId {
    let mut bytes = [n; 32];
    // Distinct per run, so a shared backend (Redis) can be reused between runs.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    bytes[..4].copy_from_slice(&nanos.to_be_bytes());
    FamilyId::from_bytes(bytes)
}

fn at(t0: Timestamp, secs: u64) -> Timestamp {
    t0.saturating_add(Duration::from_secs(secs))
}

fn request(f: FamilyId, generation: u64, now: Timestamp) -> RotateRequest {
    RotateRequest {
        family: f,
        generation,
        now,
        grace: Duration::from_secs(10),
        max_repeats: 1,
        next_expires_at: now.saturating_add(Duration::from_secs(100)),
    }
}

/// `request` allowing `max_repeats` repeats.
fn repeat_request(f: FamilyId, generation: u64, now: Timestamp, max_repeats: u32) -> RotateRequest {
    RotateRequest {
        max_repeats,
        ..request(f, generation, now)
    }
}

/// Run the [`RefreshStore`] contract against `store`, starting at time `t0` (pass the current
/// time for stores that expire records by the wall clock). Panics on the first violation.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// auth_core::refresh::refresh_store_conformance(&auth_core::refresh::MemoryRefreshStore::new(), auth_core::Timestamp::from_unix_seconds(1_700_000_000)).await;
/// # });
/// ```
pub async fn refresh_store_conformance(store: &dyn RefreshStore, t0: Timestamp) {
    let record = FamilyRecord {
        identity: Identity::new("conformance").with_session(Some(SessionKey::from_bytes([3; 32]))),
        created_at: t0,
        expires_at: at(t0, 1000),
    };
    let rotate = |f, g, now| async move {
        store
            .rotate(&request(f, g, now))
            .await
            .expect("the store failed")
    };

    // Create, and no overwrite.
    let f = family(1);
    store
        .create(&f, &record, at(t0, 100))
        .await
        .expect("the store failed");
    assert!(
        store.create(&f, &record, at(t0, 100)).await.is_err(),
        "create must not overwrite"
    );

    // Rotate 0 -> 1, repeat inside the grace window, rotate 1 -> 2.
    let first = rotate(f, 0, at(t0, 1)).await;
    assert_eq!(
        first,
        Rotation::Rotated {
            record: record.clone(),
            generation: 1,
            expires_at: at(t0, 101)
        }
    );
    let repeat = rotate(f, 0, at(t0, 11)).await;
    assert_eq!(
        repeat,
        Rotation::Repeated {
            record: record.clone(),
            generation: 1,
            expires_at: at(t0, 101),
            repeats: 1,
        },
        "a repeat inside the grace window returns the same successor, counted"
    );
    assert!(matches!(
        rotate(f, 1, at(t0, 12)).await,
        Rotation::Rotated { generation: 2, .. }
    ));
    // A generation never issued is not found (and changes nothing).
    assert_eq!(rotate(f, 9, at(t0, 13)).await, Rotation::NotFound);
    // Reuse of generation 1 after its grace window: the family goes.
    assert_eq!(
        rotate(f, 1, at(t0, 30)).await,
        Rotation::Reused {
            record: record.clone()
        }
    );
    assert_eq!(
        rotate(f, 2, at(t0, 31)).await,
        Rotation::NotFound,
        "the family was deleted"
    );
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);

    // Reuse of an older generation, even inside a grace window of a later rotation.
    let f = family(2);
    store
        .create(&f, &record, at(t0, 100))
        .await
        .expect("the store failed");
    rotate(f, 0, at(t0, 1)).await;
    rotate(f, 1, at(t0, 2)).await;
    assert!(matches!(
        rotate(f, 0, at(t0, 3)).await,
        Rotation::Reused { .. }
    ));

    repeats_are_limited_and_counted(store, &record, t0).await;

    // The live token expires (idle): not found, and stays so. (Whether the family is deleted
    // at once depends on the store's clock too: see the contract.)
    let f = family(3);
    store
        .create(&f, &record, at(t0, 50))
        .await
        .expect("the store failed");
    assert_eq!(rotate(f, 0, at(t0, 50)).await, Rotation::NotFound);
    assert_eq!(rotate(f, 0, at(t0, 51)).await, Rotation::NotFound);

    // The successor's expiry is capped by the family's end; the family ends absolutely.
    let f = family(4);
    store
        .create(&f, &record, at(t0, 100))
        .await
        .expect("the store failed");
    let mut late = request(f, 0, at(t0, 950));
    late.next_expires_at = at(t0, 5000);
    assert_eq!(
        store.rotate(&late).await.expect("the store failed"),
        Rotation::NotFound,
        "generation 0 expired at t0+100"
    );
    let f = family(5);
    store
        .create(&f, &record, at(t0, 2000))
        .await
        .expect("the store failed");
    let mut capped = request(f, 0, at(t0, 10));
    capped.next_expires_at = at(t0, 5000);
    assert!(matches!(
        store.rotate(&capped).await.expect("the store failed"),
        Rotation::Rotated { expires_at, .. } if expires_at == at(t0, 1000)
    ));
    assert_eq!(
        rotate(f, 1, at(t0, 1000)).await,
        Rotation::NotFound,
        "past the family's end"
    );

    // Delete returns the record once.
    let f = family(6);
    store
        .create(&f, &record, at(t0, 100))
        .await
        .expect("the store failed");
    assert_eq!(
        store.delete(&f).await.expect("the store failed"),
        Some(record.clone())
    );
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);
    assert_eq!(rotate(f, 0, at(t0, 1)).await, Rotation::NotFound);
    assert_eq!(
        rotate(family(7), 0, at(t0, 1)).await,
        Rotation::NotFound,
        "unknown family"
    );
}

/// Inside the grace window the previous token gets its successor again at most
/// `max_repeats` times (counted in the family, reset by each rotation); one more is reuse.
async fn repeats_are_limited_and_counted(
    store: &dyn RefreshStore,
    record: &FamilyRecord,
    t0: Timestamp,
) {
    let rotate = |f, g, now, max| async move {
        store
            .rotate(&repeat_request(f, g, now, max))
            .await
            .expect("the store failed")
    };
    let repeats = |r: &Rotation| match r {
        Rotation::Repeated { repeats, .. } => Some(*repeats),
        _ => None,
    };

    let f = family(8);
    store
        .create(&f, record, at(t0, 100))
        .await
        .expect("the store failed");
    rotate(f, 0, at(t0, 1), 2).await;
    assert_eq!(repeats(&rotate(f, 0, at(t0, 2), 2).await), Some(1));
    assert_eq!(repeats(&rotate(f, 0, at(t0, 3), 2).await), Some(2));
    assert_eq!(
        rotate(f, 0, at(t0, 4), 2).await,
        Rotation::Reused {
            record: record.clone()
        },
        "a repeat beyond the limit, inside the grace window, is reuse"
    );
    assert_eq!(
        rotate(f, 1, at(t0, 5), 2).await,
        Rotation::NotFound,
        "the family was deleted"
    );

    // The count starts again with every rotation.
    let f = family(9);
    store
        .create(&f, record, at(t0, 100))
        .await
        .expect("the store failed");
    rotate(f, 0, at(t0, 1), 1).await;
    assert_eq!(repeats(&rotate(f, 0, at(t0, 2), 1).await), Some(1));
    assert!(matches!(
        rotate(f, 1, at(t0, 3), 1).await,
        Rotation::Rotated { generation: 2, .. }
    ));
    assert_eq!(
        repeats(&rotate(f, 1, at(t0, 4), 1).await),
        Some(1),
        "the count is reset by a rotation"
    );
    assert!(matches!(
        rotate(f, 1, at(t0, 5), 1).await,
        Rotation::Reused { .. }
    ));

    // No repeats allowed: the first one is reuse.
    let f = family(10);
    store
        .create(&f, record, at(t0, 100))
        .await
        .expect("the store failed");
    rotate(f, 0, at(t0, 1), 0).await;
    assert!(matches!(
        rotate(f, 0, at(t0, 2), 0).await,
        Rotation::Reused { .. }
    ));
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);
}
