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
        next_expires_at: now.saturating_add(Duration::from_secs(100)),
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
            expires_at: at(t0, 101)
        },
        "a repeat inside the grace window returns the same successor"
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

    // The live token expires (idle): not found, and the family is gone.
    let f = family(3);
    store
        .create(&f, &record, at(t0, 50))
        .await
        .expect("the store failed");
    assert_eq!(rotate(f, 0, at(t0, 50)).await, Rotation::NotFound);
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);

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
