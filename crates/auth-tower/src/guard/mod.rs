//! Guards: require an identity, a role, a scope, or a recent authentication (step-up), on a
//! route group ([`RequireAuth`], a layer) or inside a handler ([`IdentityGuards`]).
//!
//! A guard reads the request's [`AuthContext`](auth_core::AuthContext): the identity a
//! bearer-token layer verified, or the session (loaded lazily, then written back so later
//! readers do not ask the store again), or "anonymous" from an optional bearer layer. No identity is a 401; an identity without the role or scope is
//! a 403 (`insufficient_scope`); an authentication older than the guard's max age is a 401
//! `insufficient_user_authentication` (RFC 9470), so the client logs in again. gRPC requests
//! get 16 / 7. A guard with no auth layer under it answers 500 and says so.

mod layer;

pub use layer::{RequireAuth, RequireAuthService, ResponseFuture};

use crate::rejection::{Rejection, RejectionKind};
use auth_core::{Identity, NotGranted, Timestamp};
use std::time::Duration;

/// One requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Requirement {
    Role(String),
    Scope(String),
    FreshWithin(Duration),
}

/// Checks on an [`Identity`] for use inside handlers; each returns the [`Rejection`] to answer
/// with (with feature `axum`, `Rejection` is a response: use `?`).
///
/// ```
/// use auth_tower::{Identity, guard::IdentityGuards};
/// let who = Identity::new("u").with_role("admin");
/// assert!(who.require_role("admin").is_ok());
/// assert_eq!(who.require_scope("orders:write").unwrap_err().status(), 403);
/// ```
pub trait IdentityGuards {
    /// 403 unless the identity has `role`.
    ///
    /// # Errors
    /// The 403 rejection.
    fn require_role(&self, role: &str) -> Result<(), Rejection>;
    /// 403 unless the identity has `scope`.
    ///
    /// # Errors
    /// The 403 rejection.
    fn require_scope(&self, scope: &str) -> Result<(), Rejection>;
    /// 401 `insufficient_user_authentication` unless the subject authenticated within
    /// `max_age` of `now` (an identity without an authentication time, such as a bearer token
    /// without `auth_time`, never is; a time more than `max_age` ahead of `now` is not either).
    ///
    /// # Errors
    /// The 401 rejection.
    fn require_fresh_login(&self, max_age: Duration, now: Timestamp) -> Result<(), Rejection>;
}

impl IdentityGuards for Identity {
    // The checks and their wording are auth-core's (`auth_jwt::require_scope` uses the same).
    fn require_role(&self, role: &str) -> Result<(), Rejection> {
        self.check_role(role).map_err(not_granted)
    }

    fn require_scope(&self, scope: &str) -> Result<(), Rejection> {
        self.check_scope(scope).map_err(not_granted)
    }

    fn require_fresh_login(&self, max_age: Duration, now: Timestamp) -> Result<(), Rejection> {
        // Fresh: within `max_age` of now, on either side. A time ahead of now is clock skew at
        // best; bounding it by `max_age` too means no value (a clock far off, a forged claim)
        // stays fresh for longer than the window. No time at all is never fresh.
        let fresh =
            |at: Timestamp| now.duration_since(at) <= max_age && at.duration_since(now) <= max_age;
        match self.authenticated_at() {
            Some(at) if fresh(at) => Ok(()),
            _ => Err(Rejection::new(
                RejectionKind::FreshLoginRequired,
                format!(
                    "authenticate again: this requires a login within {}s",
                    max_age.as_secs()
                ),
            )),
        }
    }
}

/// A missing scope or role: 403 `insufficient_scope`, saying which.
#[allow(clippy::needless_pass_by_value)] // the `map_err` callback
fn not_granted(missing: NotGranted) -> Rejection {
    Rejection::new(RejectionKind::InsufficientScope, missing.to_string())
}

impl Requirement {
    pub(crate) fn check(&self, identity: &Identity, now: Timestamp) -> Result<(), Rejection> {
        match self {
            Self::Role(r) => identity.require_role(r),
            Self::Scope(s) => identity.require_scope(s),
            Self::FreshWithin(d) => identity.require_fresh_login(*d, now),
        }
    }
}
