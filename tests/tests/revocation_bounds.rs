//! Finding 5 of the second security review: a login/logout loop of one account added one
//! 30-day entry per logout to the shared revocation list (300 cycles: `ZCARD` 0 -> 300), and
//! nothing limited it. 2,500 cycles of one account against the `jwt-api` example on Redis
//! leave the list (and the instance's copy of it) bounded, the old tokens refused and a new
//! login working.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use e2e::TestServer;
use e2e::tokens::{get_with, login, logout};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Entries one subject may hold: the default per-subject threshold (1,000) plus its watermark.
const BOUND: usize = auth_tower::auth_core::DEFAULT_SESSIONS_PER_SUBJECT + 1;
/// Cycles: past the default threshold twice, so the list collapses and fills again.
const CYCLES: usize = 2 * BOUND + 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn thousands_of_login_logout_cycles_leave_the_revocation_list_bounded() {
    let url = test_support::redis_url();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("e2e-revbound:{}-{nanos}:", std::process::id());
    let _cleanup = test_support::Cleanup::new(&url, &prefix);
    let options = Options {
        access_ttl: Duration::from_secs(60),
        family_lifetime: Duration::from_secs(120),
        ..Options::default()
    };
    let stores = Stores::redis(&url, &prefix).await.unwrap();
    let app = jwt_api_app::router(&Keys::generate().unwrap(), &stores, &options).unwrap();
    let server = TestServer::start(app).await;
    let base = server.url("");
    let mut raw = test_support::raw(&url).await;
    let mut largest = 0;
    let mut first = None;
    for cycle in 0..CYCLES {
        let tokens = login(&base, "alice", "wonderland").await.pair();
        let out = logout(&base, &tokens.refresh).await;
        assert!(
            out.status < 300,
            "logout {cycle}: {} {}",
            out.status,
            out.body
        );
        first.get_or_insert(tokens);
        if cycle % 100 == 99 {
            let size: usize = redis::cmd("ZCARD")
                .arg(format!("{prefix}rev"))
                .query_async(&mut raw)
                .await
                .unwrap();
            largest = largest.max(size);
            assert!(
                size <= BOUND,
                "after {} cycles the list holds {size}",
                cycle + 1
            );
        }
    }
    let last: usize = redis::cmd("ZCARD")
        .arg(format!("{prefix}rev"))
        .query_async(&mut raw)
        .await
        .unwrap();
    eprintln!(
        "{CYCLES} login/logout cycles of one account: the Redis list peaked at {largest} entries, {last} at the end"
    );
    assert!(largest > BOUND / 2, "logouts revoke something");
    // More cycles than twice the bound, and never above it: the list collapsed (twice).
    assert!(last <= BOUND, "{last}");
    // The first cycle's access token was revoked long ago and collapsed: still refused.
    let first = first.unwrap();
    assert_eq!(get_with(&base, "/api/me", &first.access).await.status, 401);
    // A new login works.
    let fresh = login(&base, "alice", "wonderland").await.pair();
    assert_eq!(get_with(&base, "/api/me", &fresh.access).await.status, 200);
}
