//! Swap `auth-tower`'s `MemoryStore` for these (its feature `postgres` re-exports this crate as
//! `auth_tower::auth_session_postgres`); nothing else in the app changes:
//!
//! ```no_run
//! use auth_session_postgres::{PostgresConfig, PostgresRefreshStore, PostgresRevocations};
//! use auth_session_postgres::{PostgresStore, PostgresThrottle};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), auth_core::Error> {
//!     let url = std::env::var("DATABASE_URL").unwrap_or("postgres://postgres@127.0.0.1/app".into());
//!     let config = PostgresConfig::new(url).with_schema("myapp_auth");
//!     let sessions = PostgresStore::connect(&config).await?; // runs the migrations once
//!     let revocations = PostgresRevocations::connect(&config).await?; // LISTEN/NOTIFY, same pool
//!     let families = PostgresRefreshStore::connect(&config).await?;
//!     let failed_logins = PostgresThrottle::connect(&config).await?;
//!     Ok(())
//! }
//! ```
//!
//! A PostgreSQL session store, refresh-token store, login throttle and revocation feed for
//! tower authentication, on [`sqlx`]: everything the Redis crate gives, for applications that
//! already run PostgreSQL and no Redis, cross-instance revocation included.
//!
//! - [`PostgresStore`] implements [`SessionStore`]: sessions that never lose a concurrent
//!   write, never come back after a logout, rotate without renaming, and whose per-subject
//!   index is an indexed column that cannot go stale. A local session cache, on by default,
//!   answers reads of warm sessions without a round trip, invalidated by every committed change
//!   (`LISTEN`/`NOTIFY`; see [Local session cache](#local-session-cache)).
//! - [`PostgresRevocations`] implements [`Revocations`]: revoke on one instance, and every
//!   other instance's in-memory check knows within milliseconds (`LISTEN`/`NOTIFY`).
//! - [`PostgresRefreshStore`] implements [`RefreshStore`](auth_core::refresh::RefreshStore):
//!   refresh-token families for `auth-jwt`'s rotating refresh tokens with reuse detection.
//! - [`PostgresThrottle`] implements [`ThrottleStore`](auth_core::throttle::ThrottleStore):
//!   failed-login counts shared by every instance, by the database's clock.
//! - [`PostgresConfig`] says where the database is (a URL, or a pool the application has), the
//!   schema, the per-call timeout (default 1 s), the clock, the local cache's size
//!   ([`LocalCacheConfig`]) or [`without_local_cache`](PostgresConfig::without_local_cache),
//!   and whether `connect` runs the embedded migrations ([`migrator`]) and the cleanup of
//!   expired rows.
//!
//! # Schema
//! Every table lives in one schema (default `auth_tower`), created by the migrations, which
//! run there with `search_path` set to it, so sqlx's `_sqlx_migrations` table there never mixes
//! with the application's own. Times are integer milliseconds since the Unix epoch.
//!
//! | table | key | contents |
//! |---|---|---|
//! | `sessions` | `key bytea` (SHA-256 of the session id) | `subject` (indexed), `identity` (JSON text), `vals` (jsonb: one key per value), `created_at`, `last_seen_at`, `idle_expires_at`, `absolute_expires_at`, `expires_at` (generated: the earlier of the two, indexed), `version`, `device` (JSON text: the login device, NULL when unknown) |
//! | `refresh_families` | `family bytea` | `record` (JSON text), `generation`, `rotated_at`, `live_expires_at`, `expires_at` (indexed), `repeats` |
//! | `revocations` | `target text` (the target as JSON) | `expires_at` (indexed) |
//! | `login_throttle` | `key text` (`account:`/`address:` + SHA-256 hex) | `failures`, `locked_until`, `expires_at` (indexed) |
//!
//! Revocations are announced on the channel `{schema}_revocations`, and every change to a
//! session (by a trigger on `sessions`) on `{schema}_sessions`, with the session key in hex. A dump of the tables holds
//! no usable session id, and no username or client address from the login throttle (those are
//! digests). The one client address kept in clear is a session's login device, for the user's
//! own devices page, and only when the app records it (`Session::login_from` in auth-tower).
//!
//! # What is atomic
//! Create (never over a live session), load, save, delete and delete-subject are one statement
//! each. A save is one `UPDATE` of the live row only: the removed values leave the jsonb
//! object, the set ones are merged into it, the identity changes if asked, the touch moves
//! `last_seen_at` forward and the idle expiry (clamped to the absolute one), the version is
//! bumped, and with `expected_version` only if it still matches; two saves of different values
//! both land, and a save after a delete finds no row and writes nothing. A rotation is one
//! transaction: take the old row (`DELETE ... RETURNING`), apply the changes, insert the new
//! row; if the new key is taken, the transaction rolls back and the old session stays. A
//! refresh rotation and a throttle step each lock their row in a transaction. A revocation is
//! recorded and announced (`pg_notify`) in one statement, so the announcement goes out when
//! the row is committed.
//!
//! # Time
//! Session and refresh expiry are judged by the configured [`Clock`](auth_core::Clock)
//! (passed to every statement): `load` returns `None` for an expired session whether or not
//! its row is still there. Pruning shared state goes by the database's clock: expired rows are
//! deleted in batches of 1000 by a background task of each store
//! ([`PostgresConfig::with_cleanup_interval`], every 60 s), only once both clocks agree, so an
//! instance whose clock runs ahead cannot erase what the others still rely on; revocations are
//! pruned by each revoke, throttle locks judged, by the database's clock alone.
//!
//! # Failure
//! Every call is bounded by the timeout (waiting for a pooled connection included): if the
//! database is down, partitioned away or overloaded, calls return
//! [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) within it (the session layer
//! answers 503) and succeed again once it is back, without a restart. A write that timed out
//! may still have happened.
//!
//! # Local session cache
//! On by default: [`PostgresStore`]'s [`load`](SessionStore::load) answers from an in-process
//! cache of decoded sessions (by default up to 10 000 sessions and 16 MiB;
//! [`PostgresConfig::with_local_cache`]), so a warm session costs no round trip. It is kept
//! honest by the database:
//! - **Invalidated by every change**: a trigger on the table announces each committed insert,
//!   update and delete (by any client: another instance, the cleanup, the application's own
//!   SQL) with `NOTIFY` on `{schema}_sessions`, naming the session key (the SHA-256 digest the
//!   table is keyed by, never the session id). The cache's own connection `LISTEN`s there and
//!   drops the entry. A read that was in flight when its key was announced is not cached.
//! - **Notifications are hints**: any role that can connect may `NOTIFY` the channel, so they
//!   carry no authentication and need none: a notification can only make the cache drop an
//!   entry (or everything), never serve something it did not read from the table.
//! - **Never from a deaf cache**: hits are served only while the listener is confirmed. It
//!   notifies itself every 500 ms and must hear the echo within 500 ms (notifications arrive in
//!   commit order, so the echo also proves it is not lagging). A listening connection that
//!   closes or errs flushes the cache at once; one that goes silent (a partition) is noticed
//!   within **1 s** (500 + 500 ms), and the cache is then flushed and every read goes to the
//!   table (failing closed with [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable)
//!   if it is down) until a new listener is confirmed. So a session changed or deleted
//!   elsewhere is served from the cache for at most the time its notification takes (well
//!   under a millisecond on loopback; measured in `tests/local_cache.rs`), or, when the
//!   listener went deaf without a word, for at most 1 s after it did.
//! - **Read your writes**: this store's own writes drop their keys as soon as they return.
//! - **Bounded**: by entries and by approximate bytes ([`LocalCacheConfig`]); expiry is
//!   checked on every hit by the configured clock.
//!
//! The listener uses a small pool of its own (two connections, besides the shared pool).
//! Turn the cache off with [`PostgresConfig::without_local_cache`]. Refresh-token families are
//! never cached, and revocations reach every instance through the revocation feed, as before.
//!
//! # Revocation feed
//! Each [`PostgresRevocations`] keeps the whole list in memory; its listener (on two
//! connections of its own) runs `LISTEN` *first* and then reloads the snapshot, in pages, on
//! every (re)connect, so nothing committed in between is missed, and checks its connection
//! with a heartbeat it notifies to itself once a second. [`Revocations::is_revoked`] never
//! does I/O. Session and subject revocations are remembered for the horizon
//! ([`PostgresConfig::with_revocation_horizon`], 30 days by default); a listener out of sync
//! for longer than [`PostgresConfig::with_revocation_stale_after`] (5 s) makes every check
//! fail closed until it has resynchronised.
//!
//! # Limits
//! PostgreSQL cannot store a `\u0000` inside a JSON string: such a session value is refused
//! with [`ErrorKind::Serialization`](auth_core::ErrorKind::Serialization). Numbers in values go
//! through `jsonb`'s `numeric`: every value comes back equal, except `-0.0`, which comes back
//! as `0.0`. Statements are prepared per connection: behind PgBouncer, use session
//! pooling (or PgBouncer 1.21+ with prepared statement support).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod cache;
mod cleanup;
mod config;
mod connect;
mod db;
mod error;
mod migrate;
mod refresh;
mod revocations;
mod schema;
mod store;
mod throttle;

pub use auth_core::local_cache::LocalCacheConfig;
pub use auth_core::{Revocations, SessionStore};
pub use config::PostgresConfig;
pub use migrate::migrator;
pub use refresh::PostgresRefreshStore;
pub use revocations::PostgresRevocations;
pub use store::PostgresStore;
pub use throttle::PostgresThrottle;

/// The `sqlx` crate this one is built on, for [`PostgresConfig::from_pool`].
pub use sqlx;
