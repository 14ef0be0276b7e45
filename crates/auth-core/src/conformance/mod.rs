//! The store conformance suite: the [`SessionStore`](crate::SessionStore) contract as tests.
//!
//! Every store runs the same checks unchanged. Expand them into one `#[tokio::test]` each
//! with [`session_store_conformance!`](crate::session_store_conformance), giving it an async
//! factory that builds a fresh, empty store on the given clock:
//!
//! ```ignore
//! auth_core::session_store_conformance!(|clock| async move {
//!     auth_core::MemoryStore::builder().with_clock(clock).build()
//! });
//! ```
//!
//! The factory gets an `Arc<ManualClock>` (as `Arc<dyn Clock>`) that the checks advance to
//! test expiry without sleeping; a store must judge expiry by that clock.

mod checks;
mod cleaned;
mod device;
pub mod revocations;
pub mod shared;

pub use checks::*;
pub use cleaned::Cleaned;
pub use device::*;

/// Expand the conformance suite into one `#[tokio::test]` per check.
///
/// `$make` is a closure `|clock: Arc<dyn Clock>| async { store }` returning a fresh store.
/// The calling crate needs `tokio` with the `macros` and `rt-multi-thread` features.
///
/// For a store that needs an external service, add `skip_unless = <future of bool>`: each test
/// awaits it first and returns early (passing) when it yields `false`. The future decides, and
/// says why (for example: skip with a message on a developer machine, panic in CI):
///
/// ```ignore
/// auth_core::session_store_conformance!(
///     |clock| async move { my_store(clock).await },
///     skip_unless = service_is_reachable(),
/// );
/// ```
///
/// `@checks path::to::callback!(args)` expands to `path::to::callback!(args; check, ...)`
/// with the name of every check, for harnesses that run them some other way (for example all
/// in one test, against a server the test starts and stops).
#[macro_export]
macro_rules! session_store_conformance {
    ($make:expr) => {
        $crate::session_store_conformance!(@checks $crate::session_store_conformance!(@tests $make));
    };
    ($make:expr, skip_unless = $ready:expr $(,)?) => {
        $crate::session_store_conformance!(
            @checks $crate::session_store_conformance!(@guarded ($ready) $make)
        );
    };
    (@checks $($callback:ident)::+ ! ($($args:tt)*)) => {
        $($callback)::+ !($($args)*;
            create_then_load_round_trips,
            load_of_an_unknown_key_is_none,
            create_never_overwrites,
            save_writes_only_the_changed_fields,
            concurrent_saves_to_different_fields_all_land,
            save_after_delete_does_not_resurrect,
            save_with_expected_version_is_compare_and_set,
            rotate_keeps_data_and_kills_the_old_key,
            rotate_never_overwrites_and_never_creates_from_nothing,
            idle_expiry_is_enforced_and_touch_extends_it,
            absolute_expiry_cannot_be_extended,
            subject_index_lists_and_deletes_all,
            subject_index_has_no_stale_entries,
            values_round_trip_any_json,
            device_round_trips_and_saves_without_one_keep_it,
            login_rotation_records_the_device_and_lists_it,
        );
    };
    (@tests $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let clock = ::std::sync::Arc::new($crate::ManualClock::new());
                let dyn_clock: ::std::sync::Arc<dyn $crate::Clock> = clock.clone();
                let store = ::std::sync::Arc::new(($make)(dyn_clock).await);
                $crate::conformance::$check(store, clock).await;
            }
        )*
    };
    (@guarded ($ready:expr) $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                if !($ready).await {
                    return;
                }
                let clock = ::std::sync::Arc::new($crate::ManualClock::new());
                let dyn_clock: ::std::sync::Arc<dyn $crate::Clock> = clock.clone();
                let store = ::std::sync::Arc::new(($make)(dyn_clock).await);
                $crate::conformance::$check(store, clock).await;
            }
        )*
    };
}
