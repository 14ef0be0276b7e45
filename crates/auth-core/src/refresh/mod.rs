//! Refresh-token families: the storage side of rotating refresh tokens with reuse detection.
//!
//! A family is one login's chain of refresh tokens. The store keeps who it is for, which
//! generation is live, and when it ends, behind one atomic consume-and-rotate operation
//! ([`RefreshStore::rotate`]). The token format, the access tokens and the revocation on reuse
//! live in `auth-jwt`; stores (memory here, Redis in `auth-session-redis`) implement this
//! trait and prove it with the `conformance` suite (feature `test-util`).

#[cfg(feature = "test-util")]
pub mod conformance;
#[cfg(feature = "memory")]
mod memory;
mod store;

#[cfg(feature = "test-util")]
pub use conformance::refresh_store_conformance;
#[cfg(feature = "memory")]
pub use memory::MemoryRefreshStore;
pub use store::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
