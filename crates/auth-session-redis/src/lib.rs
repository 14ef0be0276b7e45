//! Swap `auth-tower`'s `MemoryStore` for these (its feature `redis` re-exports this crate as
//! `auth_tower::auth_session_redis`); nothing else in the app changes:
//!
//! ```no_run
//! use auth_session_redis::{RedisConfig, RedisRefreshStore, RedisRevocations, RedisStore};
//! use auth_session_redis::RedisThrottle;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), auth_core::Error> {
//!     let url = std::env::var("REDIS_URL").unwrap_or("redis://127.0.0.1/".into());
//!     let config = RedisConfig::new(url).with_key_prefix("myapp:");
//!     let sessions = RedisStore::connect(&config).await?; // SessionLayer::builder(sessions)
//!     let revocations = RedisRevocations::connect(&config).await?; // .with_revocations(..)
//!     let families = RedisRefreshStore::connect(&config).await?; // RefreshTokens::builder(..)
//!     let failed_logins = RedisThrottle::connect(&config).await?; // LoginThrottle::builder()
//!     Ok(())
//! }
//! ```
//!
//! A Redis session store and revocation feed for tower authentication, on one Redis or a
//! Redis Cluster (feature `cluster`).
//!
//! - [`RedisStore`] implements [`SessionStore`]: sessions that never lose a concurrent write,
//!   never come back after a logout, rotate without `RENAME`, and whose per-subject index never
//!   leaks. A local session cache, on by default, answers reads of warm sessions without a
//!   round trip, kept honest by Redis' own invalidations ([Local session
//!   cache](#local-session-cache)).
//! - [`RedisRevocations`] implements [`Revocations`]: revoke on one instance, and every other
//!   instance's in-memory check knows within milliseconds.
//! - [`RedisRefreshStore`] implements [`RefreshStore`](auth_core::refresh::RefreshStore): refresh-token
//!   families (one HASH each, one Lua script per operation) for `auth-jwt`'s rotating refresh
//!   tokens with reuse detection.
//! - [`RedisThrottle`] implements [`ThrottleStore`](auth_core::throttle::ThrottleStore):
//!   failed-login counts shared by every instance (one script per step, by the server's
//!   clock), for `auth-tower`'s `LoginThrottle`.
//! - [`RedisConfig`] says where Redis is (URL, or cluster seed nodes), the key prefix, the
//!   per-command timeout (default 500 ms), the clock, and the local cache's size
//!   ([`LocalCacheConfig`]) or [`without_local_cache`](RedisConfig::without_local_cache).
//!
//! # Storage layout
//! | key | type | contents |
//! |---|---|---|
//! | `{prefix}s:{<key hex>}` | HASH | one session: `created`, `seen`, `idle`, `abs`, `ver`, `ident` (identity JSON), `sub` (subject), `dev` (the login device as JSON, when known), and one `v:<name>` field of JSON per value |
//! | `{prefix}sr:{<key hex>}` | STRING | Cluster only: a session a rotation has taken and may put back if it fails (30 s; a delete removes it, so a logout wins) |
//! | `{prefix}u:{<sha256(subject) hex>}` | ZSET | the subject's session keys, scored by absolute expiry |
//! | `{prefix}rev` | ZSET | revocation targets (JSON), scored by expiry |
//! | `{prefix}rev:feed` | channel | each revocation (JSON) as it happens |
//! | `{prefix}th:account:{<digest hex>}`, `{prefix}th:address:{<digest hex>}` | HASH | a login-throttle count: `f` failures, `u` locked until (ms); expires when the policy forgets it |
//!
//! Sessions are keyed by [`SessionKey`](auth_core::SessionKey) (the SHA-256 of the secret id),
//! so a dump of Redis holds no usable session id. A session key expires in Redis (`PEXPIREAT`)
//! when the session ends, the earlier of its idle and absolute expiry, so Redis reclaims idle
//! sessions by itself; a subject index expires with its last entry, and the revocation set
//! with its last revocation. No keyspace notifications, `CONFIG` or cron jobs are needed.
//!
//! Memory: a typical logged-in session (an identity with a role and a login time, three small
//! values) takes about 940 bytes of `MEMORY USAGE`, because its identity JSON is longer than
//! Redis' default `hash-max-listpack-value` (64) and the hash falls back to a hashtable. With
//! `hash-max-listpack-value 256` in the server's configuration it is stored as a listpack in
//! about 440 bytes (measured by `tests/memory.rs`).
//!
//! Expiry is judged by the configured [`Clock`](auth_core::Clock), passed to every script as an
//! argument: `load` returns `None` for an expired session even if Redis has not dropped it yet.
//! Give every instance a synchronised clock. Pruning shared state (subject index entries,
//! revocations) is bounded by Redis' own clock (`TIME`): a script prunes at the earlier of the
//! caller's time and the server's, so one instance whose clock runs ahead cannot erase what
//! the others still rely on. Login-throttle locks go by Redis `TIME` alone
//! ([`RedisThrottle`]), so a skewed instance can neither shorten nor extend them.
//!
//! # What is atomic
//! Every write is a Lua script. On a **single Redis** each operation is one script that
//! changes the session(s) and the subject index(es) together: create (never over a live
//! session), save (only the changed fields, version bump, optional compare-and-set, nothing if
//! the session is gone), delete, rotate (create new + delete old, one step), delete-subject.
//! Operations that must know a session's current subject to name its index read it first and
//! pass it to the script, which refuses if it changed meanwhile; the operation then retries.
//!
//! On a **Redis Cluster** the braces in the key names are hash tags: a session (all its fields)
//! is one slot, a subject's index is another, and the session keys before and after a rotation
//! are unrelated random keys. So:
//! - atomic: everything within one session (create-if-absent, field-level save with version
//!   and compare-and-set, no resurrection, delete) and every index update;
//! - ordered, not atomic: the index is updated *before* a session gains a subject and *after*
//!   it loses one, so "log out everywhere" never misses a live session; a rotation reads and
//!   deletes the old key in one step *before* creating the new one, so both are never usable
//!   at once (a failure in between logs the user out, it never keeps the old id alive);
//! - self-healing: what a failure between steps leaves behind is an index entry without a
//!   matching session. [`list_subject`](SessionStore::list_subject) and
//!   [`delete_subject`](SessionStore::delete_subject) check each entry against its session,
//!   so such entries are never listed or counted, and they are pruned at their absolute expiry.
//!   Revocations are one key: recording and publishing is one script.
//!
//! # Failure
//! Every command is bounded by the timeout: if Redis is down, slow or failing over, calls
//! return [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) within it (the session
//! layer answers 503), and succeed again once Redis is back, without a restart. A write that
//! timed out may still have happened.
//!
//! # Failover and durability
//! When a Redis Cluster master dies, writes on its slots fail with `Unavailable` (503) until
//! a replica is promoted (about `cluster-node-timeout` plus a second), then succeed again on
//! the same store; so do reads, except that some are answered by the dead master's replica
//! meanwhile (redis-rs sends a command whose node it cannot reach to another node, and its
//! connections are `READONLY`, so the replica serves what it has). Calls on the other
//! masters' slots go on working, except while the cluster itself reports `CLUSTERDOWN`
//! (with `cluster-require-full-coverage yes`, from when the master is judged failed until
//! the promotion). The local session cache is flushed when the dead master's tracking
//! connection drops, serves nothing while any master cannot be tracked, and tracks the
//! promoted replica once the slot map shows it. Measured by the `e2e` test
//! `cluster_failover` (3 masters, 3 replicas, node timeout 1 s, under load): the dead
//! master's sessions are all served again within about 0.2 s of the promotion.
//!
//! Redis replicates asynchronously, so by default a write the master acknowledged can be
//! missing on the replica that takes over. Nothing is guaranteed then: a write survives if
//! the replica had received it before the kill (normally within a millisecond on a healthy
//! network), one acknowledged in the last moments, or while the replica was disconnected or
//! lagging, can be lost (a login then answers 401, a logout's delete or a revocation is
//! undone and the session or token works again; the replica may answer reads with that older
//! state while the master is down). With
//! [`RedisConfig::with_replica_acks`] every session, revocation and refresh-family write
//! waits for that many replicas (`WAIT`) before it is reported done, so nothing acknowledged
//! is lost when one of them is promoted; in exchange writes fail (503) while a master has
//! fewer replicas connected than asked for, for instance after a failover until a new
//! replica has joined.
//!
//! # Local session cache
//! [`RedisStore::load`](SessionStore::load) first looks in an in-process cache of decoded
//! sessions (by default up to 10 000 sessions and 16 MiB; [`RedisConfig::with_local_cache`]),
//! so a request on a warm session costs no Redis command; a cold read costs one `HGETALL`,
//! as without the cache. The cache is kept honest by Redis (server-assisted client-side
//! caching, Redis 6+): its own RESP3 connection to each node that holds sessions runs
//! `CLIENT TRACKING ON BCAST PREFIX {prefix}s:{`, and Redis pushes an invalidation whenever any
//! client changes or deletes a session, which drops the entry (measured on loopback by
//! `tests/local_cache.rs`: another instance's write is seen after about 0.2 ms at the median,
//! 0.5 to 12 ms at p99 on a busy 2-core machine). Writes through
//! the store drop their own entries before returning. A tracking connection that closes or
//! stops answering, or a Cluster slot-map change, flushes the cache and sends every read to
//! Redis until tracking is confirmed again. Every store instance receives the invalidations of
//! every session write (BCAST): with many instances and a short touch interval, size the touch
//! interval accordingly. [`RedisStore`] has the details.
//!
//! # Revocation feed
//! Revoking records the entry (ZSET scored by expiry, expired ones dropped on every write) and
//! publishes it in one script. Each [`RedisRevocations`] keeps the whole set in memory; its
//! listener subscribes *first* and then reloads the snapshot on every (re)connect, so nothing
//! published in between is lost, and pings the subscription every second to notice a silent
//! connection. [`Revocations::is_revoked`] never does I/O. Session and subject revocations are
//! remembered for the horizon ([`RedisConfig::with_revocation_horizon`], 30 days by default);
//! the snapshot loads in pages of 5,000 (`ZSCAN`, the next page fetched while one is learnt)
//! under a deadline of its own; and a listener out of sync for longer than
//! [`RedisConfig::with_revocation_stale_after`] (5 s) makes every check fail closed until it
//! has resynchronised. The loop is auth-core's
//! [`RevocationFeed`](auth_core::revocation_feed::RevocationFeed); this crate supplies its
//! transport.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
mod codec;
mod config;
mod conn;
mod connect;
mod error;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod keys;
mod refresh;
mod revocations;
mod scripts;
mod store;
mod throttle;

pub use auth_core::{Revocations, SessionStore};
pub use config::LocalCacheConfig;
pub use config::RedisConfig;
pub use conn::RedisConnection;
pub use refresh::RedisRefreshStore;
pub use revocations::RedisRevocations;
pub use store::RedisStore;
pub use throttle::RedisThrottle;

/// The `redis` crate this one is built on, for [`RedisStore::with_connection`].
pub use redis;
