//! The checks of expiry (of a token, of its family) and deletion.

use super::fixtures::{at, create, family, record, request, rotate};
use crate::Timestamp;
use crate::refresh::store::{RefreshStore, Rotation};

/// The live token expires (idle): not found, and stays so. (Whether the family is deleted at
/// once depends on the store's clock too: see the contract.)
pub async fn an_expired_live_token_is_not_found(store: &dyn RefreshStore, t0: Timestamp) {
    let f = family(9);
    create(store, &f, &record(t0), at(t0, 50)).await;
    assert_eq!(rotate(store, f, 0, at(t0, 50)).await, Rotation::NotFound);
    assert_eq!(rotate(store, f, 0, at(t0, 51)).await, Rotation::NotFound);
}

/// A token presented after its own expiry is not found, while its family still lives.
pub async fn a_token_past_its_own_expiry_is_not_found(store: &dyn RefreshStore, t0: Timestamp) {
    let f = family(10);
    create(store, &f, &record(t0), at(t0, 100)).await;
    let mut late = request(f, 0, at(t0, 950));
    late.next_expires_at = at(t0, 5000);
    assert_eq!(
        store.rotate(&late).await.expect("the store failed"),
        Rotation::NotFound,
        "generation 0 expired at t0+100"
    );
}

/// The successor's expiry is capped by the family's end; the family ends absolutely.
pub async fn the_successor_expiry_is_capped_by_the_family_end(
    store: &dyn RefreshStore,
    t0: Timestamp,
) {
    let f = family(11);
    create(store, &f, &record(t0), at(t0, 2000)).await;
    let mut capped = request(f, 0, at(t0, 10));
    capped.next_expires_at = at(t0, 5000);
    assert!(matches!(
        store.rotate(&capped).await.expect("the store failed"),
        Rotation::Rotated { expires_at, .. } if expires_at == at(t0, 1000)
    ));
    assert_eq!(
        rotate(store, f, 1, at(t0, 1000)).await,
        Rotation::NotFound,
        "past the family's end"
    );
}

/// Delete returns the record once; the family is gone afterwards.
pub async fn delete_returns_the_record_once(store: &dyn RefreshStore, t0: Timestamp) {
    let record = record(t0);
    let f = family(12);
    create(store, &f, &record, at(t0, 100)).await;
    assert_eq!(
        store.delete(&f).await.expect("the store failed"),
        Some(record.clone())
    );
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);
    assert_eq!(rotate(store, f, 0, at(t0, 1)).await, Rotation::NotFound);
}

/// A family the store never saw is not found.
pub async fn an_unknown_family_is_not_found(store: &dyn RefreshStore, t0: Timestamp) {
    assert_eq!(
        rotate(store, family(13), 0, at(t0, 1)).await,
        Rotation::NotFound,
        "unknown family"
    );
}
