//! [`NotGranted`]: the scope or role an identity lacks.

#[cfg(doc)]
use super::Identity;
use std::fmt;

/// A scope or role an identity lacks: the error of [`Identity::check_scope`] and
/// [`Identity::check_role`]. Its `Display` is the client-safe description every refusal
/// for it carries (a 403 `insufficient_scope`, gRPC PERMISSION_DENIED).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotGranted {
    grant: Grant,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Grant {
    Scope,
    Role,
}

impl NotGranted {
    pub(super) fn new(grant: Grant, name: &str) -> Self {
        Self {
            grant,
            name: name.to_owned(),
        }
    }

    /// Whether a scope (rather than a role) was missing.
    pub fn is_scope(&self) -> bool {
        self.grant == Grant::Scope
    }

    /// The name of the missing scope or role.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for NotGranted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.grant {
            Grant::Scope => "scope",
            Grant::Role => "role",
        };
        write!(f, "requires the {what} {:?}", self.name)
    }
}

impl std::error::Error for NotGranted {}
