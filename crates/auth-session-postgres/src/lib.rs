//! PLACEHOLDER
#![cfg_attr(docsrs, feature(doc_cfg))]

mod cleanup;
mod config;
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
