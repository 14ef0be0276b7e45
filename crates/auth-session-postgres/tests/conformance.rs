//! The shared store conformance suites, unchanged, against the PostgreSQL at `DATABASE_URL`:
//! the session store's (with the local session cache on, the default, and again with it off),
//! the refresh store's and the login throttle's, each test on a schema of its own, dropped
//! when the test ends.
//!
//! Every check is `#[ignore = "needs PostgreSQL ..."]`: `cargo test` lists them as ignored, and
//! `--include-ignored` (as `.ci/run` does) runs them, failing when the database does not answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

/// One ignored `#[tokio::test]` per conformance check, each on a fresh store in its own schema
/// (the suite macro's own expansion, plus `#[ignore]`), made by `common::$store`.
macro_rules! on_postgres {
    (; $($check:ident),* $(,)?) => {
        on_postgres!(store; $($check),*);
    };
    ($store:ident; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
            async fn $check() {
                let clock = std::sync::Arc::new(auth_core::ManualClock::new());
                let dyn_clock: std::sync::Arc<dyn auth_core::Clock> = clock.clone();
                let store = std::sync::Arc::new(common::$store(dyn_clock).await);
                auth_core::conformance::$check(store, clock).await;
            }
        )*
    };
}

auth_core::session_store_conformance!(@checks on_postgres!());

/// The session suite again, with the local session cache off.
mod uncached {
    use super::common;

    macro_rules! on_postgres_uncached {
        (; $($check:ident),* $(,)?) => {
            on_postgres!(uncached_store; $($check),*);
        };
    }

    auth_core::session_store_conformance!(@checks on_postgres_uncached!());
}

mod refresh {
    use super::common;

    auth_core::refresh_store_conformance!(
        common::refresh_store,
        ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)",
    );
}

/// The login throttle's checks, on the database's clock (about a second: it waits for real
/// locks to pass).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn throttle_conformance() {
    let (config, _schema) = common::config(std::sync::Arc::new(auth_core::SystemClock));
    let throttle = auth_session_postgres::PostgresThrottle::connect(&config)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", common::database_url()));
    auth_core::throttle::throttle_store_conformance(std::sync::Arc::new(throttle)).await;
}
