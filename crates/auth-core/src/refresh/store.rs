//! [`RefreshStore`]: where refresh-token families live, behind one atomic consume-and-rotate
//! operation that a Redis implementation can run as a single Lua script.

use crate::{Error, Identity, SessionKey, Timestamp};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The id of a refresh-token family: 256 random bits. Every refresh token of one login carries
/// it; it is not a secret by itself (tokens are authenticated by a MAC), but it is only logged
/// as a prefix.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FamilyId([u8; 32]);

impl FamilyId {
    /// From raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, 64 characters (for store keys).
    pub fn to_hex(&self) -> String {
        SessionKey::from_bytes(self.0).to_hex()
    }

    /// The family as a session key: the `sid` of access tokens minted from a family that did
    /// not start from a cookie session.
    pub fn as_session_key(&self) -> SessionKey {
        SessionKey::from_bytes(self.0)
    }
}

impl fmt::Debug for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyId({}…)", &self.to_hex()[..8])
    }
}

/// What the server keeps about a family: who it is for and how long it may live. Tokens
/// themselves are never stored (they are recomputed from the family id, the generation and
/// the server secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FamilyRecord {
    /// The identity access tokens are minted for; its session is the `sid` they carry.
    pub identity: Identity,
    /// When the family was started (the login).
    pub created_at: Timestamp,
    /// The absolute end of the family: no refresh after this, whatever the activity.
    pub expires_at: Timestamp,
}

impl FamilyRecord {
    /// A family for `identity`, started at `created_at`, refreshable until `expires_at`.
    pub fn new(identity: Identity, created_at: Timestamp, expires_at: Timestamp) -> Self {
        Self {
            identity,
            created_at,
            expires_at,
        }
    }
}

/// One consume-and-rotate request.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RotateRequest {
    /// The family of the presented token.
    pub family: FamilyId,
    /// The generation of the presented token (0 for the first token of a family).
    pub generation: u64,
    /// The current time.
    pub now: Timestamp,
    /// How long after a rotation the previous token may be presented again and get the same
    /// successor (concurrent refreshes from one client).
    pub grace: Duration,
    /// How many times the previous token may be presented again inside the grace window; one
    /// more is treated as reuse. The count is kept with the family, so it holds across
    /// instances.
    pub max_repeats: u32,
    /// When the successor would expire if this request rotates (capped by the family's end).
    pub next_expires_at: Timestamp,
}

impl RotateRequest {
    /// Rotate generation `generation` of `family` at `now`, the successor expiring at
    /// `next_expires_at`; no grace window (set [`grace`](Self::grace) and
    /// [`max_repeats`](Self::max_repeats) for one).
    pub fn new(
        family: FamilyId,
        generation: u64,
        now: Timestamp,
        next_expires_at: Timestamp,
    ) -> Self {
        Self {
            family,
            generation,
            now,
            grace: Duration::ZERO,
            max_repeats: 0,
            next_expires_at,
        }
    }
}

/// The outcome of [`RefreshStore::rotate`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Rotation {
    /// The presented token was the live one: it is now used, and `generation` is live.
    Rotated {
        /// The family.
        record: FamilyRecord,
        /// The generation now live (the presented one plus one).
        generation: u64,
        /// When the live token expires.
        expires_at: Timestamp,
    },
    /// The presented token was rotated less than `grace` ago and has been repeated no more
    /// than `max_repeats` times: the live generation (its successor) is returned again, and the
    /// repeat is counted.
    Repeated {
        /// The family.
        record: FamilyRecord,
        /// The live generation.
        generation: u64,
        /// When the live token expires.
        expires_at: Timestamp,
        /// How many times the previous token has been repeated since the rotation, this one
        /// included (1 for the first repeat), on every instance.
        repeats: u32,
    },
    /// The presented token was rotated before and is presented again outside the grace
    /// window, or inside it once more than `max_repeats` allows: the family has been deleted;
    /// the caller revokes its session.
    Reused {
        /// The deleted family.
        record: FamilyRecord,
    },
    /// No such family, the family or its live token expired (the family is then deleted), or
    /// a generation that was never issued.
    NotFound,
}

/// Server-side refresh-token families. Object-safe; implementations must make each method
/// atomic.
///
/// # Contract (a Redis implementation is one HASH per family and one Lua script per method)
/// State per family: the [`FamilyRecord`], the live `generation` (starts at 0), `rotated_at`
/// (when it became live), `live_expires_at` and `repeats` (how often the previous token was
/// presented again since, starts at 0); the whole family expires at `record.expires_at`
/// (`PEXPIREAT`).
///
/// [`rotate`](Self::rotate), given `g = request.generation`, `now = request.now`:
/// 1. no family, or `now >= record.expires_at` → [`Rotation::NotFound`];
/// 2. `g == generation`: if `now >= live_expires_at`, delete the family →
///    [`Rotation::NotFound`] (a store shared by several instances deletes an expired family
///    only once its own clock agrees, so that a caller whose clock runs ahead cannot erase a
///    family that is live for the others; it answers `NotFound` either way); else `generation += 1`, `rotated_at = now`,
///    `live_expires_at = min(request.next_expires_at, record.expires_at)`, `repeats = 0` →
///    [`Rotation::Rotated`];
/// 3. `g + 1 == generation` and `now - rotated_at <= grace`: if
///    `repeats < request.max_repeats`, `repeats += 1` → [`Rotation::Repeated`] (with the new
///    count); else delete the family → [`Rotation::Reused`];
/// 4. `g < generation` → delete the family → [`Rotation::Reused`];
/// 5. otherwise (`g > generation`) → [`Rotation::NotFound`].
#[async_trait]
pub trait RefreshStore: Send + Sync + fmt::Debug + 'static {
    /// Store a new family whose generation 0 token expires at `first_expires_at`.
    ///
    /// # Errors
    /// `Collision` if the family exists; `Unavailable`/`Storage` on failure.
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error>;

    /// Consume the presented generation and rotate, atomically; see the contract above.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure (the refresh then fails closed).
    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error>;

    /// Delete a family; the record it had, if any.
    ///
    /// # Errors
    /// `Unavailable`/`Storage` on failure.
    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error>;
}

/// A shared handle is a family store too, so one store can be handed around as
/// `Arc<dyn RefreshStore>` or `Arc<MyStore>`.
#[async_trait]
impl<T: RefreshStore + ?Sized> RefreshStore for std::sync::Arc<T> {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        (**self).create(family, record, first_expires_at).await
    }

    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        (**self).rotate(request).await
    }

    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        (**self).delete(family).await
    }
}
