//! The vocabulary of tower authentication: who a request is from ([`Identity`]), server-side
//! sessions ([`SessionId`], [`SessionKey`], [`SessionRecord`], [`SessionStore`]), revocation
//! ([`Revocations`]), the request's identity as the layers resolved it ([`AuthContext`]),
//! login throttling ([`throttle`]), time ([`Clock`]) and the one error type ([`Error`]).
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

pub mod refresh;
pub mod throttle;

#[cfg(feature = "axum")]
pub mod extract;

pub use bearer::BearerError;
pub use context::{AuthContext, IdentitySource, Refusal, RefusalRenderer};
pub use error::{Error, ErrorKind};
pub use identity::{AuthMethod, Identity, NotGranted};
pub use revocation::{
    DEFAULT_REVOCATION_HORIZON, Revocation, RevocationProbe, RevocationSet, RevocationTarget,
    Revocations,
};
pub use session::{
    SESSION_ID_BYTES, SESSION_ID_ENCODED_LEN, SaveOutcome, SessionChanges, SessionEntry, SessionId,
    SessionKey, SessionRecord, SessionStore, Touch,
};
pub use time::{Clock, ManualClock, SystemClock, Timestamp};

#[cfg(feature = "memory")]
pub use memory::{MemoryStore, MemoryStoreBuilder};
