//! The checks of creation, rotation, the grace window's repeats and reuse detection.

use super::fixtures::{at, create, family, record, repeats, rotate, rotate_max};
use crate::Timestamp;
use crate::refresh::store::{RefreshStore, Rotation};

/// A second `create` of the same family fails and does not overwrite it.
pub async fn create_never_overwrites(store: &dyn RefreshStore, t0: Timestamp) {
    let f = family(1);
    create(store, &f, &record(t0), at(t0, 100)).await;
    assert!(
        store.create(&f, &record(t0), at(t0, 100)).await.is_err(),
        "create must not overwrite"
    );
}

/// Rotate 0 -> 1; inside the grace window generation 0 gets the same successor again (the
/// repeat counted); then 1 -> 2.
pub async fn rotation_issues_the_next_generation_and_a_repeat_gets_the_same_successor(
    store: &dyn RefreshStore,
    t0: Timestamp,
) {
    let record = record(t0);
    let f = family(2);
    create(store, &f, &record, at(t0, 100)).await;
    let first = rotate(store, f, 0, at(t0, 1)).await;
    assert_eq!(
        first,
        Rotation::Rotated {
            record: record.clone(),
            generation: 1,
            expires_at: at(t0, 101)
        }
    );
    let repeat = rotate(store, f, 0, at(t0, 11)).await;
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
        rotate(store, f, 1, at(t0, 12)).await,
        Rotation::Rotated { generation: 2, .. }
    ));
}

/// A generation the family never issued is not found, and changes nothing: the live one still
/// rotates.
pub async fn a_generation_never_issued_is_not_found(store: &dyn RefreshStore, t0: Timestamp) {
    let f = family(3);
    create(store, &f, &record(t0), at(t0, 100)).await;
    rotate(store, f, 0, at(t0, 1)).await;
    rotate(store, f, 1, at(t0, 12)).await;
    assert_eq!(rotate(store, f, 9, at(t0, 13)).await, Rotation::NotFound);
    assert!(
        matches!(
            rotate(store, f, 2, at(t0, 14)).await,
            Rotation::Rotated { generation: 3, .. }
        ),
        "an unknown generation changed the family"
    );
}

/// Generation 1 presented after its grace window is reuse: the family is deleted.
pub async fn reuse_after_the_grace_window_deletes_the_family(
    store: &dyn RefreshStore,
    t0: Timestamp,
) {
    let record = record(t0);
    let f = family(4);
    create(store, &f, &record, at(t0, 100)).await;
    rotate(store, f, 0, at(t0, 1)).await;
    rotate(store, f, 1, at(t0, 12)).await;
    assert_eq!(
        rotate(store, f, 1, at(t0, 30)).await,
        Rotation::Reused {
            record: record.clone()
        }
    );
    assert_eq!(
        rotate(store, f, 2, at(t0, 31)).await,
        Rotation::NotFound,
        "the family was deleted"
    );
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);
}

/// An older generation is reuse even inside the grace window of a later rotation.
pub async fn reuse_of_an_older_generation_inside_a_later_grace_window_is_reuse(
    store: &dyn RefreshStore,
    t0: Timestamp,
) {
    let f = family(5);
    create(store, &f, &record(t0), at(t0, 100)).await;
    rotate(store, f, 0, at(t0, 1)).await;
    rotate(store, f, 1, at(t0, 2)).await;
    assert!(matches!(
        rotate(store, f, 0, at(t0, 3)).await,
        Rotation::Reused { .. }
    ));
}

/// Inside the grace window the previous token gets its successor again at most
/// `max_repeats` times (counted in the family); one more is reuse.
pub async fn repeats_beyond_the_limit_are_reuse(store: &dyn RefreshStore, t0: Timestamp) {
    let record = record(t0);
    let f = family(6);
    create(store, &f, &record, at(t0, 100)).await;
    rotate_max(store, f, 0, at(t0, 1), 2).await;
    assert_eq!(
        repeats(&rotate_max(store, f, 0, at(t0, 2), 2).await),
        Some(1)
    );
    assert_eq!(
        repeats(&rotate_max(store, f, 0, at(t0, 3), 2).await),
        Some(2)
    );
    assert_eq!(
        rotate_max(store, f, 0, at(t0, 4), 2).await,
        Rotation::Reused {
            record: record.clone()
        },
        "a repeat beyond the limit, inside the grace window, is reuse"
    );
    assert_eq!(
        rotate_max(store, f, 1, at(t0, 5), 2).await,
        Rotation::NotFound,
        "the family was deleted"
    );
}

/// The repeat count starts again with every rotation.
pub async fn the_repeat_count_starts_again_with_every_rotation(
    store: &dyn RefreshStore,
    t0: Timestamp,
) {
    let f = family(7);
    create(store, &f, &record(t0), at(t0, 100)).await;
    rotate_max(store, f, 0, at(t0, 1), 1).await;
    assert_eq!(
        repeats(&rotate_max(store, f, 0, at(t0, 2), 1).await),
        Some(1)
    );
    assert!(matches!(
        rotate_max(store, f, 1, at(t0, 3), 1).await,
        Rotation::Rotated { generation: 2, .. }
    ));
    assert_eq!(
        repeats(&rotate_max(store, f, 1, at(t0, 4), 1).await),
        Some(1),
        "the count is reset by a rotation"
    );
    assert!(matches!(
        rotate_max(store, f, 1, at(t0, 5), 1).await,
        Rotation::Reused { .. }
    ));
}

/// With no repeats allowed, the first repeat is reuse and the family goes.
pub async fn with_no_repeats_allowed_the_first_repeat_is_reuse(
    store: &dyn RefreshStore,
    t0: Timestamp,
) {
    let f = family(8);
    create(store, &f, &record(t0), at(t0, 100)).await;
    rotate_max(store, f, 0, at(t0, 1), 0).await;
    assert!(matches!(
        rotate_max(store, f, 0, at(t0, 2), 0).await,
        Rotation::Reused { .. }
    ));
    assert_eq!(store.delete(&f).await.expect("the store failed"), None);
}
