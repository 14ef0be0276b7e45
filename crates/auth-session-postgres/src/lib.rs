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
//!   index is an indexed column that cannot go stale.
//! - [`PostgresRevocations`] implements [`Revocations`]: revoke on one instance, and every
//!   other instance's in-memory check knows within milliseconds (`LISTEN`/`NOTIFY`).
//! - [`PostgresRefreshStore`] implements [`RefreshStore`](auth_core::refresh::RefreshStore):
//!   refresh-token families for `auth-jwt`'s rotating refresh tokens with reuse detection.
//! - [`PostgresThrottle`] implements [`ThrottleStore`](auth_core::throttle::ThrottleStore):
//!   failed-login counts shared by every instance, by the database's clock.
//! - [`PostgresConfig`] says where the database is (a URL, or a pool the application has), the
//!   schema, the per-call timeout (default 1 s), the clock, and whether `connect` runs the
//!   embedded migrations ([`migrator`]) and the cleanup of expired rows.
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
//! Revocations are announced on the channel `{schema}_revocations`. A dump of the tables holds
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

pub use auth_core::{Revocations, SessionStore};
pub use config::PostgresConfig;
pub use migrate::migrator;
pub use refresh::PostgresRefreshStore;
pub use revocations::PostgresRevocations;
pub use store::PostgresStore;
pub use throttle::PostgresThrottle;

/// The `sqlx` crate this one is built on, for [`PostgresConfig::from_pool`].
pub use sqlx;
