//! Memory per idle session in the memory store, and the cost of expiring them.
//!
//! `cargo run --release -p auth-core --example memory_footprint -- [SESSIONS]` (default 1,000,000)
//!
//! Each session is a logged-in one, like a web app's: a subject, one role, and two small
//! values. Reports resident memory per session (from /proc/self/statm), the time to expire a
//! tenth of them, and to expire none (work must follow what expires, not what is stored).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use auth_core::{
    Clock, Identity, ManualClock, MemoryStore, SessionId, SessionRecord, SessionStore,
};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("linux /proc");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .expect("statm");
    pages * 4096
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder()
        .with_clock(clock.clone())
        .with_max_sessions(n)
        .build();
    let before = rss_bytes();
    let start = Instant::now();
    rt.block_on(async {
        for i in 0..n {
            // One in ten sessions is short-lived, so that expiry has something to do.
            let idle = if i % 10 == 0 {
                Duration::from_secs(60)
            } else {
                Duration::from_secs(1800)
            };
            let mut r = SessionRecord::new(clock.now(), idle, Duration::from_secs(12 * 3600));
            r.identity = Some(Identity::new(format!("user-{i}")).with_role("user"));
            r.values.insert("counter".into(), json!(i));
            r.values.insert("theme".into(), json!("dark"));
            store
                .create(&SessionId::generate().unwrap().key(), &r)
                .await
                .unwrap();
        }
    });
    let created = start.elapsed();
    let after = rss_bytes();
    println!("sessions:             {n}");
    println!(
        "create:               {:.0} ns/session",
        created.as_nanos() as f64 / n as f64
    );
    println!(
        "resident memory:      {:.0} MiB, {} bytes/session",
        (after - before) as f64 / 1_048_576.0,
        (after - before) / n as u64
    );

    let t = Instant::now();
    let none = store.evict_expired();
    println!("evict, nothing due:   {none} evicted in {:?}", t.elapsed());
    clock.advance(Duration::from_secs(61));
    let t = Instant::now();
    let evicted = store.evict_expired();
    let took = t.elapsed();
    println!(
        "evict, 10% due:       {evicted} evicted in {took:?} ({:.0} ns/evicted session)",
        took.as_nanos() as f64 / evicted.max(1) as f64
    );
    assert_eq!(store.len(), n - evicted);
}
