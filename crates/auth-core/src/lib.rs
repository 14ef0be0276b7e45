//! Applications depend on `auth-tower`, whose layers drive these types; a store implements
//! [`SessionStore`] (and [`Revocations`]) and is checked by the conformance suite. A session as
//! every store keeps it, here in the in-memory store:
//!
//! ```
//! use auth_core::{Clock, Identity, MemoryStore, SessionId, SessionRecord, SessionStore, SystemClock};
//! use std::time::Duration;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), auth_core::Error> {
//!     let store = MemoryStore::new();
//!     let id = SessionId::generate()?; // 256 bits from the OS: the cookie's value
//!     let key = id.key(); // its SHA-256: all a store ever sees
//!     let (idle, absolute) = (Duration::from_secs(30 * 60), Duration::from_secs(12 * 3600));
//!     let mut record = SessionRecord::new(SystemClock.now(), idle, absolute);
//!     record.identity = Some(Identity::new("alice").with_role("admin"));
//!     store.create(&key, &record).await?;
//!
//!     let loaded = store.load(&key).await?.expect("the session is live");
//!     assert_eq!(loaded.subject(), Some("alice"));
//!     Ok(())
//! }
//! ```
//!
//! The vocabulary of tower authentication: who a request is from ([`Identity`]), server-side
//! sessions ([`SessionId`], [`SessionKey`], [`SessionRecord`], [`SessionStore`]), revocation
//! ([`Revocations`]), the request's identity as the layers resolved it ([`AuthContext`]),
//! login throttling ([`throttle`]), time ([`Clock`]), the one error type ([`Error`]) and the
//! names of every metric the workspace records ([`metrics`]).
//!
//! This crate knows nothing of HTTP, Redis or JWT. The in-memory store ([`MemoryStore`],
//! feature `memory`, on by default) is the embedded default; other stores live in their own
//! crates and prove themselves against the same conformance suite (feature `test-util`).
//!
//! Most applications depend on `auth-tower`, which re-exports this crate.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod bearer;
mod context;
mod error;
mod identity;
mod revocation;
mod session;
mod time;

#[cfg(feature = "memory")]
mod memory;

#[cfg(feature = "test-util")]
pub mod conformance;

pub mod metrics;
pub mod refresh;
pub mod throttle;

#[cfg(feature = "axum")]
pub mod extract;

#[cfg(feature = "local-cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "local-cache")))]
pub mod local_cache;

pub use bearer::BearerError;
pub use context::AuthContext;

/// The parts of the identity context that only the layers implement (auth-tower, across the
/// crate boundary): applications read an [`AuthContext`] and never name these. Not a stable
/// API.
#[doc(hidden)]
pub mod __private {
    pub use crate::context::{
        AUTHENTICATION_FAULT, AUTHENTICATION_REQUIRED, AUTHENTICATION_UNAVAILABLE, IdentitySource,
        Refusal, RefusalRenderer,
    };
}
pub use error::{Error, ErrorKind};
pub use identity::{AuthMethod, ClaimsError, Identity, NotGranted};
pub use revocation::{Revocation, RevocationProbe, RevocationTarget, Revocations};
// The defaults the stores' configurations start from; not part of the API applications use.
#[cfg(feature = "feed")]
#[cfg_attr(docsrs, doc(cfg(feature = "feed")))]
pub use revocation::feed as revocation_feed;
#[doc(hidden)]
pub use revocation::{DEFAULT_REVOCATION_HORIZON, DEFAULT_SESSIONS_PER_SUBJECT};
pub use session::{
    Device, MAX_USER_AGENT_BYTES, SESSION_ID_BYTES, SESSION_ID_ENCODED_LEN, SaveOutcome,
    SessionChanges, SessionEntry, SessionId, SessionKey, SessionRecord, SessionStore, Touch,
};
#[cfg(any(test, feature = "test-util"))]
pub use time::ManualClock;
pub use time::{Clock, SystemClock, Timestamp};

#[cfg(feature = "memory")]
pub use memory::{MemoryStore, MemoryStoreBuilder};
