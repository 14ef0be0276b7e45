//! The workspace's test harness for services (dev-only, never published).
//!
//! Tests that need a service are `#[ignore = "needs ..."]`, so `cargo test` reports them as
//! ignored instead of passing without checking anything; `.ci/run` starts the services and runs
//! them with `--include-ignored`. Inside such a test a missing service is a loud failure: every
//! function here panics with what is missing and how to get it, and none returns "not
//! available" for a test to skip on.
//!
//! - [`redis_url`]: the shared Redis under test (`REDIS_URL`, default
//!   `redis://127.0.0.1:6379/`), checked once per process.
//! - [`unique_prefix`] and [`Cleanup`]: keys of one test on that shared Redis, deleted afterwards
//!   (also when the test panics).
//! - [`RedisServer`] and [`RedisCluster`]: throwaway `redis-server` processes on free loopback
//!   ports, for tests that kill, freeze or restart Redis or need a cluster; stopped on drop.
//! - [`metrics::Recorded`]: what a debugging metrics recorder holds, looked up by name and labels.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a harness that fails loudly

mod cluster;
pub mod metrics;
mod server;
mod tls;

pub use cluster::RedisCluster;
pub use server::RedisServer;
pub use tls::ThrowawayCa;

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The shared Redis the tests use: `REDIS_URL` at run time, or `redis://127.0.0.1:6379/`.
///
/// # Panics
/// When that Redis does not answer `PING` within 2 s (checked once per process): the test
/// needs it, and must not pass without it.
pub fn redis_url() -> String {
    static CHECKED: OnceLock<Result<String, String>> = OnceLock::new();
    let checked = CHECKED.get_or_init(|| {
        let url =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned());
        match ping(&url) {
            Ok(()) => Ok(url),
            Err(e) => Err(format!(
                "this test needs the Redis at REDIS_URL={url}, which does not answer ({e}); \
                 start one (`redis-server --save \"\"`) or set REDIS_URL, or run the suite \
                 without --include-ignored / --ignored"
            )),
        }
    });
    match checked {
        Ok(url) => url.clone(),
        Err(why) => panic!("{why}"),
    }
}

fn ping(url: &str) -> redis::RedisResult<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
    redis::cmd("PING").query::<String>(&mut conn).map(drop)
}

/// A key prefix (`test:<16 hex digits>:`) no other test, run or machine sharing the Redis uses.
pub fn unique_prefix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // RandomState is seeded from the OS per process; the counter separates calls within one.
    let n = RandomState::new().hash_one((
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed),
    ));
    format!("test:{n:016x}:")
}

/// Deletes every key under a prefix of a Redis when dropped (also when the test panics).
#[derive(Debug)]
#[must_use = "the keys are deleted when this is dropped"]
pub struct Cleanup {
    url: String,
    prefix: String,
}

impl Cleanup {
    /// Delete the keys under `prefix` on the Redis at `url` when this guard is dropped.
    pub fn new(url: &str, prefix: &str) -> Self {
        Self {
            url: url.to_owned(),
            prefix: prefix.to_owned(),
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = delete_prefix(&self.url, &self.prefix);
    }
}

/// `SCAN prefix*` + `DEL` on a blocking connection; the number of keys deleted.
///
/// # Errors
/// When Redis cannot be reached or refuses a command.
pub fn delete_prefix(url: &str, prefix: &str) -> redis::RedisResult<usize> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_connection_with_timeout(Duration::from_secs(2))?;
    let mut cursor: u64 = 0;
    let mut deleted = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query(&mut conn)?;
        if !keys.is_empty() {
            deleted += redis::cmd("DEL").arg(&keys).query::<usize>(&mut conn)?;
        }
        if next == 0 {
            return Ok(deleted);
        }
        cursor = next;
    }
}

/// A plain async connection to `url`, for looking at what a store wrote.
///
/// # Panics
/// When Redis cannot be reached.
pub async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("a valid Redis URL")
        .get_multiplexed_async_connection()
        .await
        .unwrap_or_else(|e| panic!("connect to the Redis at {url}: {e}"))
}
