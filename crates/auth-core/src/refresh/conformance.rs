//! The [`RefreshStore`] contract as tests any implementation can run (feature `test-util`).
//!
//! Every check is one public async function taking the store and a start time `t0` (stores
//! that expire records by the wall clock need the current time). Expand them into one
//! `#[tokio::test]` each with [`refresh_store_conformance!`](crate::refresh_store_conformance),
//! giving it an async factory of a fresh store; [`refresh_store_conformance`] runs them all in
//! sequence on one store.

#![allow(clippy::missing_panics_doc)]

use super::store::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use crate::{Identity, SessionKey, Timestamp};
use std::time::Duration;

/// Expand the refresh-store conformance suite into one `#[tokio::test]` per check.
///
/// `$make` is an async factory `|| async { store }` of a fresh store (any
/// [`RefreshStore`](crate::refresh::RefreshStore)); each check starts at the current wall-clock
/// time. A store that needs a service adds `ignore = "needs ..."`: every test is then
/// `#[ignore]`d (listed as ignored by `cargo test`, run by `--include-ignored`), and must fail
/// loudly when run without the service, never pass by returning early:
///
/// ```ignore
/// auth_core::refresh_store_conformance!(|| async { auth_core::refresh::MemoryRefreshStore::new() });
/// auth_core::refresh_store_conformance!(
///     || async { my_redis_refresh_store().await },
///     ignore = "needs Redis at REDIS_URL",
/// );
/// ```
///
/// The calling crate needs `tokio` with the `macros` and `rt-multi-thread` features.
/// `@checks path::to::callback!(args)` expands to `path::to::callback!(args; check, ...)` with
/// the name of every check, for harnesses that run them some other way.
#[macro_export]
macro_rules! refresh_store_conformance {
    (@checks $($callback:ident)::+ ! ($($args:tt)*)) => {
        $($callback)::+ !($($args)*;
            create_never_overwrites,
            rotation_issues_the_next_generation_and_a_repeat_gets_the_same_successor,
            a_generation_never_issued_is_not_found,
            reuse_after_the_grace_window_deletes_the_family,
            reuse_of_an_older_generation_inside_a_later_grace_window_is_reuse,
            repeats_beyond_the_limit_are_reuse,
            the_repeat_count_starts_again_with_every_rotation,
            with_no_repeats_allowed_the_first_repeat_is_reuse,
            an_expired_live_token_is_not_found,
            a_token_past_its_own_expiry_is_not_found,
            the_successor_expiry_is_capped_by_the_family_end,
            delete_returns_the_record_once,
            an_unknown_family_is_not_found,
        );
    };
    (@tests $attrs:tt $make:expr; $($check:ident),* $(,)?) => {
        $( $crate::refresh_store_conformance!(@test $attrs $make; $check); )*
    };
    (@test [$(#[$attr:meta])*] $make:expr; $check:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])*
        async fn $check() {
            let store = ($make)().await;
            let t0 = $crate::Clock::now(&$crate::SystemClock);
            $crate::refresh::conformance::$check(&store, t0).await;
        }
    };
    ($make:expr, ignore = $reason:literal $(,)?) => {
        $crate::refresh_store_conformance!(
            @checks $crate::refresh_store_conformance!(@tests [#[ignore = $reason]] $make)
        );
    };
    ($make:expr $(,)?) => {
        $crate::refresh_store_conformance!(
            @checks $crate::refresh_store_conformance!(@tests [] $make)
        );
    };
}

/// Run every check of the [`RefreshStore`] contract against `store`, one after the other,
/// starting at time `t0` (pass the current time for stores that expire records by the wall
/// clock). Panics on the first violation.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// auth_core::refresh::refresh_store_conformance(&auth_core::refresh::MemoryRefreshStore::new(), auth_core::Timestamp::from_unix_seconds(1_700_000_000)).await;
/// # });
/// ```
pub async fn refresh_store_conformance(store: &dyn RefreshStore, t0: Timestamp) {
    macro_rules! run_all {
        (; $($check:ident),* $(,)?) => {
            $($check(store, t0).await;)*
        };
    }
    crate::refresh_store_conformance!(@checks run_all!());
}

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

/// The family every check stores: it ends at `t0 + 1000`.
fn record(t0: Timestamp) -> FamilyRecord {
    FamilyRecord {
        identity: Identity::new("conformance").with_session(Some(SessionKey::from_bytes([3; 32]))),
        created_at: t0,
        expires_at: at(t0, 1000),
    }
}

/// A rotation of `generation` at `now`: 10 s grace, one repeat, successor live 100 s.
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

async fn create(store: &dyn RefreshStore, f: &FamilyId, record: &FamilyRecord, live: Timestamp) {
    store
        .create(f, record, live)
        .await
        .expect("the store failed");
}

async fn rotate(
    store: &dyn RefreshStore,
    f: FamilyId,
    generation: u64,
    now: Timestamp,
) -> Rotation {
    store
        .rotate(&request(f, generation, now))
        .await
        .expect("the store failed")
}

async fn rotate_max(
    store: &dyn RefreshStore,
    f: FamilyId,
    generation: u64,
    now: Timestamp,
    max_repeats: u32,
) -> Rotation {
    store
        .rotate(&repeat_request(f, generation, now, max_repeats))
        .await
        .expect("the store failed")
}

fn repeats(r: &Rotation) -> Option<u32> {
    match r {
        Rotation::Repeated { repeats, .. } => Some(*repeats),
        _ => None,
    }
}

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
