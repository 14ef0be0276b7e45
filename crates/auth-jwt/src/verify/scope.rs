//! Scope checks that answer RFC 6750 `insufficient_scope`.

use crate::error::{Error, ErrorKind};
use auth_core::Identity;

/// Require `scope` of a verified identity.
///
/// # Errors
/// [`ErrorKind::InsufficientScope`] (HTTP 403, `insufficient_scope`) if the identity lacks it.
///
/// ```
/// use auth_core::Identity;
/// let who = Identity::new("u").with_scope("orders:read");
/// assert!(auth_jwt::require_scope(&who, "orders:read").is_ok());
/// let e = auth_jwt::require_scope(&who, "orders:write").unwrap_err();
/// assert_eq!(e.bearer_error().map(|b| b.status()), Some(403));
/// assert_eq!(e.message(), "requires the scope \"orders:write\"");
/// ```
pub fn require_scope(identity: &Identity, scope: &str) -> Result<(), Error> {
    // The one check and its wording live in auth-core, shared with auth-tower's guards.
    identity
        .check_scope(scope)
        .map_err(|missing| Error::new(ErrorKind::InsufficientScope, missing.to_string()))
}
