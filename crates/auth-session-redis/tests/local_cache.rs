//! The local session cache against real Redis: invalidations from plain clients and from other
//! stores, tracking loss (killed connection, restarted server, `FLUSHALL`), its bounds, how many
//! Redis commands a request costs, how fast another instance's write reaches it, and reads that
//! race writes. Private `redis-server`s (test-support) where commands are counted or the server
//! is disturbed; the shared Redis elsewhere.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod common;
#[path = "local_cache/counts.rs"]
mod counts;
#[path = "local_cache/invalidation.rs"]
mod invalidation;
#[path = "local_cache/propagation.rs"]
mod propagation;
#[path = "local_cache/support.rs"]
mod support;
#[path = "local_cache/tracking.rs"]
mod tracking;
