//! The [`RefreshStore`] contract as tests any implementation can run (feature `test-util`).
//!
//! Every check is one public async function taking the store and a start time `t0` (stores
//! that expire records by the wall clock need the current time). Expand them into one
//! `#[tokio::test]` each with [`refresh_store_conformance!`](crate::refresh_store_conformance),
//! giving it an async factory of a fresh store; [`refresh_store_conformance`] runs them all in
//! sequence on one store.

#![allow(clippy::missing_panics_doc)]

mod fixtures;
mod lifetime;
mod rotation;

use super::store::RefreshStore;
use crate::Timestamp;
pub use lifetime::{
    a_token_past_its_own_expiry_is_not_found, an_expired_live_token_is_not_found,
    an_unknown_family_is_not_found, delete_returns_the_record_once,
    the_successor_expiry_is_capped_by_the_family_end,
};
pub use rotation::{
    a_generation_never_issued_is_not_found, create_never_overwrites,
    repeats_beyond_the_limit_are_reuse, reuse_after_the_grace_window_deletes_the_family,
    reuse_of_an_older_generation_inside_a_later_grace_window_is_reuse,
    rotation_issues_the_next_generation_and_a_repeat_gets_the_same_successor,
    the_repeat_count_starts_again_with_every_rotation,
    with_no_repeats_allowed_the_first_repeat_is_reuse,
};

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
