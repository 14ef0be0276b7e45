//! [`TokenError`]: why a call got no token.

use crate::grpc::BoxError;
use std::fmt;
use tonic::{Code, Status};

/// No token could be obtained for a call. Opaque; [`kind`](Self::kind) says why.
#[derive(Debug)]
pub struct TokenError {
    kind: TokenErrorKind,
    message: &'static str,
    source: Option<BoxError>,
}

/// Why no token could be obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// The [`TokenSource`](super::TokenSource) failed (the error is the
    /// [`source`](std::error::Error::source)).
    Fetch,
    /// The source returned a token that has already expired.
    Expired,
    /// The access token cannot be sent in a header (not visible ASCII).
    InvalidToken,
}

impl TokenError {
    pub(super) fn fetch(source: BoxError) -> Self {
        Self {
            kind: TokenErrorKind::Fetch,
            message: "could not obtain an access token",
            source: Some(source),
        }
    }

    pub(super) fn invalid(kind: TokenErrorKind, message: &'static str) -> Self {
        Self {
            kind,
            message,
            source: None,
        }
    }

    /// Why no token could be obtained (the login call failed, was refused, ...).
    pub fn kind(&self) -> TokenErrorKind {
        self.kind
    }

    /// As a status: the code of a [`Status`] in the source's chain (e.g. the login call's),
    /// else UNAUTHENTICATED; the message says that no token could be obtained, and why.
    pub fn to_status(&self) -> Status {
        let code = self
            .source
            .as_deref()
            .and_then(|e| find_status(e))
            .map_or(Code::Unauthenticated, |s| s.code());
        Status::new(code, self.to_string())
    }
}

fn find_status<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Status> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(status) = e.downcast_ref::<Status>() {
            return Some(status);
        }
        next = e.source();
    }
    None
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            // A status's own Display is a debug dump; its message is what the peer said.
            Some(source) => match source.downcast_ref::<Status>() {
                Some(status) => write!(f, "{}: {}", self.message, status.message()),
                None => write!(f, "{}: {source}", self.message),
            },
            None => f.write_str(self.message),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
