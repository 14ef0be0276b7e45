//! Guards: require an identity, a role, a scope, or a recent authentication (step-up), on a
//! route group ([`RequireAuth`], a layer) or inside a handler ([`IdentityGuards`]).
//!
//! A guard finds the identity a bearer-token layer put in the request extensions, or asks the
//! session (loading it lazily). No identity is a 401; an identity without the role or scope is
//! a 403 (`insufficient_scope`); an authentication older than the guard's max age is a 401
//! `insufficient_user_authentication` (RFC 9470), so the client logs in again. gRPC requests
//! get 16 / 7. A guard with no auth layer under it answers 500 and says so.

mod layer;

pub use layer::{RequireAuth, RequireAuthService, ResponseFuture};

use crate::rejection::{Rejection, RejectionKind};
use auth_core::{Identity, Timestamp};
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
    fn require_fresh(&self, max_age: Duration, now: Timestamp) -> Result<(), Rejection>;
}

impl IdentityGuards for Identity {
    fn require_role(&self, role: &str) -> Result<(), Rejection> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(Rejection::new(
                RejectionKind::InsufficientScope,
                format!("requires the role {role:?}"),
            ))
        }
    }

    fn require_scope(&self, scope: &str) -> Result<(), Rejection> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(Rejection::new(
                RejectionKind::InsufficientScope,
                format!("requires the scope {scope:?}"),
            ))
        }
    }

    fn require_fresh(&self, max_age: Duration, now: Timestamp) -> Result<(), Rejection> {
        // Fresh: within `max_age` of now, on either side. A time ahead of now is clock skew at
        // best; bounding it by `max_age` too means no value (a clock far off, a forged claim)
        // stays fresh for longer than the window. No time at all is never fresh.
        let fresh =
            |at: Timestamp| now.duration_since(at) <= max_age && at.duration_since(now) <= max_age;
        match self.authenticated_at() {
            Some(at) if fresh(at) => Ok(()),
            _ => Err(Rejection::new(
                RejectionKind::StaleAuthentication,
                format!(
                    "authenticate again: this requires a login within {}s",
                    max_age.as_secs()
                ),
            )),
        }
    }
}

impl Requirement {
    pub(crate) fn check(&self, identity: &Identity, now: Timestamp) -> Result<(), Rejection> {
        match self {
            Self::Role(r) => identity.require_role(r),
            Self::Scope(s) => identity.require_scope(s),
            Self::FreshWithin(d) => identity.require_fresh(*d, now),
        }
    }
}
