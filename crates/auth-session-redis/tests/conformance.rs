//! The shared store conformance suites, unchanged, against the Redis at `REDIS_URL`: the
//! session store's (with the local session cache on, the default, and again with it off) and
//! the refresh store's, each test on its own key prefix, deleted when the test ends.
//!
//! Every check is `#[ignore = "needs Redis ..."]`: `cargo test` lists them as ignored, and
//! `--include-ignored` (as `.ci/run` does) runs them, failing when Redis does not answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

/// One ignored `#[tokio::test]` per conformance check, each on a fresh store under its own
/// prefix (the suite macro's own expansion, plus `#[ignore]`).
macro_rules! on_redis {
    (; $($check:ident),* $(,)?) => { on_redis!(store; $($check),*); };
    ($store:ident; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
            async fn $check() {
                let clock = std::sync::Arc::new(auth_core::ManualClock::new());
                let dyn_clock: std::sync::Arc<dyn auth_core::Clock> = clock.clone();
                let store = std::sync::Arc::new(common::$store(dyn_clock).await);
                auth_core::conformance::$check(store, clock).await;
            }
        )*
    };
}

auth_core::session_store_conformance!(@checks on_redis!());

mod without_local_cache {
    use super::common;

    auth_core::session_store_conformance!(@checks on_redis!(store_without_local_cache));
}

mod refresh {
    use super::common;

    auth_core::refresh_store_conformance!(
        common::refresh_store,
        ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)",
    );
}
