//! [`ClaimsError`]: why an identity's claims could not be read as the asked type.

#[cfg(doc)]
use super::Identity;
use std::fmt;

/// Why [`Identity::claims_as`] could not read the claims as the asked type: which claim (a
/// path such as `address.city` for a nested one) and what was wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimsError {
    pub(super) claim: Option<String>,
    pub(super) message: String,
}

impl ClaimsError {
    /// The claim that failed (`None` when serde could not say).
    pub fn claim(&self) -> Option<&str> {
        self.claim.as_deref()
    }

    /// Always [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput): the token's claims
    /// are not of the shape the handler asked for (a 400-class problem of the credential, not
    /// a fault of the server). Converts into [`Error`](crate::Error) with `?`.
    pub fn kind(&self) -> crate::ErrorKind {
        crate::ErrorKind::InvalidInput
    }
}

impl From<ClaimsError> for crate::Error {
    fn from(e: ClaimsError) -> Self {
        crate::Error::new(e.kind(), e.to_string())
    }
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.claim {
            Some(claim) => write!(f, "the claim `{claim}`: {}", self.message),
            None => write!(f, "the claims: {}", self.message),
        }
    }
}

impl std::error::Error for ClaimsError {}
