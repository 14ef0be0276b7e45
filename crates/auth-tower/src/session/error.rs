//! [`SessionError`]: a session operation that failed, ready to become the right response.

use crate::rejection::{Protocol, Rejection, Style};
use auth_core::Error;
use std::fmt;

/// A session operation failed: the store could not be reached (503), or a value could not be
/// (de)serialized (500). Return it from a handler with `?`; it renders itself.
pub struct SessionError {
    error: Error,
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    protocol: Protocol,
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    style: Style,
}

impl SessionError {
    pub(crate) fn new(error: Error, protocol: Protocol, style: Style) -> Self {
        Self {
            error,
            protocol,
            style,
        }
    }

    /// The underlying error.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The refusal this error answers with.
    pub fn rejection(&self) -> Rejection {
        Rejection::from(&self.error)
    }

    /// The HTTP status it answers with (503 for a store that cannot be reached, 500 for any
    /// other failure, such as a value that cannot be read or written).
    pub fn status(&self) -> http::StatusCode {
        self.rejection().status()
    }

    /// What the client is told, in plain text (never the store's own message).
    pub fn body_text(&self) -> String {
        self.rejection().body_text()
    }

    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn protocol(&self) -> Protocol {
        self.protocol
    }

    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn style(&self) -> &Style {
        &self.style
    }
}

impl fmt::Debug for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionError")
            .field("error", &self.error)
            .finish()
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "session error: {}", self.error)
    }
}

impl std::error::Error for SessionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}
