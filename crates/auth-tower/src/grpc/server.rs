//! Server side: identities in tonic handlers, and refusals as [`Status`].

use crate::guard::IdentityGuards;
use crate::rejection::text::AUTHENTICATION_REQUIRED;
use crate::rejection::{Rejection, RejectionKind};
use auth_core::{AuthContext, Identity};
use tonic::{Code, Status};

/// The identity an auth layer put on a [`tonic::Request`], and guards that answer with a
/// [`Status`] (use `?` in a handler).
///
/// ```
/// use auth_tower::{AuthContext, Identity};
/// use auth_tower::grpc::IdentityExt;
///
/// let mut req = tonic::Request::new(());
/// assert_eq!(req.require_identity().unwrap_err().code(), tonic::Code::Unauthenticated);
/// // What JwtLayer writes for a verified token:
/// req.extensions_mut().insert(AuthContext::verified(Identity::new("alice").with_scope("greet")));
/// assert_eq!(req.require_scope("greet").unwrap().subject(), "alice");
/// let denied = req.require_scope("admin").unwrap_err();
/// assert_eq!(denied.code(), tonic::Code::PermissionDenied);
/// assert_eq!(denied.message(), "requires the scope \"admin\"");
/// ```
pub trait IdentityExt {
    /// The authenticated identity, if an auth layer verified one (or a guard resolved the
    /// session's), from the request's [`AuthContext`](auth_core::AuthContext).
    fn identity(&self) -> Option<&Identity>;

    /// The identity, or UNAUTHENTICATED (`authentication required`).
    ///
    /// # Errors
    /// The UNAUTHENTICATED status.
    fn require_identity(&self) -> Result<&Identity, Status>;

    /// The identity if it has `scope`; UNAUTHENTICATED without one, PERMISSION_DENIED
    /// (`requires the scope "..."`) without the scope.
    ///
    /// # Errors
    /// The UNAUTHENTICATED or PERMISSION_DENIED status.
    fn require_scope(&self, scope: &str) -> Result<&Identity, Status>;

    /// The identity if it has `role`; UNAUTHENTICATED without one, PERMISSION_DENIED
    /// (`requires the role "..."`) without the role.
    ///
    /// # Errors
    /// The UNAUTHENTICATED or PERMISSION_DENIED status.
    fn require_role(&self, role: &str) -> Result<&Identity, Status>;
}

impl<T> IdentityExt for tonic::Request<T> {
    fn identity(&self) -> Option<&Identity> {
        self.extensions()
            .get::<AuthContext>()
            .and_then(AuthContext::verified_identity)
    }

    fn require_identity(&self) -> Result<&Identity, Status> {
        self.identity().ok_or_else(|| {
            Status::from(Rejection::new(
                RejectionKind::Unauthenticated,
                AUTHENTICATION_REQUIRED,
            ))
        })
    }

    fn require_scope(&self, scope: &str) -> Result<&Identity, Status> {
        let identity = self.require_identity()?;
        identity.require_scope(scope)?;
        Ok(identity)
    }

    fn require_role(&self, role: &str) -> Result<&Identity, Status> {
        let identity = self.require_identity()?;
        identity.require_role(role)?;
        Ok(identity)
    }
}

/// A rejection as the status a layer would have answered a gRPC request with.
impl From<Rejection> for Status {
    fn from(rejection: Rejection) -> Self {
        rejection.log(
            crate::rejection::Protocol::Grpc,
            crate::decision::Decider::Grpc,
        );
        let code = Code::from_i32(i32::from(rejection.kind().grpc_code()));
        Status::new(code, rejection.grpc_message())
    }
}

/// The status for an `auth_jwt` error (from [`RefreshTokens`](auth_jwt::RefreshTokens) in a
/// login or refresh handler, or a [`Verifier`](auth_jwt::Verifier)), with the same code and
/// client-safe message as [`JwtLayer`](crate::JwtLayer) gives: a store failure is UNAVAILABLE
/// without details, an invalid or revoked token UNAUTHENTICATED.
///
/// ```
/// use auth_tower::grpc::status_for_jwt_error;
/// let e = auth_tower::auth_jwt::Error::from(auth_tower::Error::unavailable("redis down"));
/// let status = status_for_jwt_error(&e);
/// assert_eq!(status.code(), tonic::Code::Unavailable);
/// assert_eq!(status.message(), "authentication temporarily unavailable");
/// ```
pub fn status_for_jwt_error(error: &auth_jwt::Error) -> Status {
    Status::from(Rejection::from(error))
}
