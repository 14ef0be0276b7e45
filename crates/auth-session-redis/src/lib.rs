//! A Redis session store and revocation feed.
//!
//! This crate is being built: a [`auth_core::SessionStore`] on Redis (standalone and Cluster)
//! whose writes go through Lua scripts, and a [`auth_core::Revocations`] feed over pub/sub.
//! Until then it only re-exports the traits it will implement.

pub use auth_core::{Revocations, SessionStore};
