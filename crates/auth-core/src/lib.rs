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
