//! The one public error type of the auth crates' core.

use std::fmt;

/// An error from a store, a revocation set, or a configuration step.
///
/// Opaque on purpose: match on [`Error::kind`], read the message with `Display`, and walk
/// [`std::error::Error::source`] for the underlying cause. Messages never contain secrets
/// (session ids, tokens, keys).
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

/// What went wrong, coarsely: enough to decide on a response (503 vs 500 vs 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The backing store could not be reached, or did not answer in time. Retryable; a request
    /// that needs the store answers 503 (fail closed).
    Unavailable,
    /// The store answered with something unexpected (a corrupt record, a script error).
    Storage,
    /// A record already exists under that key; nothing was overwritten.
    Collision,
    /// A value could not be serialized or deserialized.
    Serialization,
    /// Configuration refused when it was built (weak secret, invalid cookie name, ...).
    Config,
    /// Input from outside was malformed (an id, a header, a token).
    InvalidInput,
}

impl ErrorKind {
    /// A short, stable, lower-case name for logs and metrics.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unavailable => "unavailable",
            Self::Storage => "storage",
            Self::Collision => "collision",
            Self::Serialization => "serialization",
            Self::Config => "config",
            Self::InvalidInput => "invalid_input",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// A new error of `kind` with a human-readable message (which must not contain secrets).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                source: None,
            }),
        }
    }

    /// Attach the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// Shorthand for an [`ErrorKind::Unavailable`] error.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// Shorthand for an [`ErrorKind::Storage`] error.
    pub fn storage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Storage, message)
    }

    /// Shorthand for an [`ErrorKind::Config`] error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without the kind or the source.
    pub fn message(&self) -> &str {
        &self.inner.message
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(source) = &self.inner.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.kind, self.inner.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::new(
            ErrorKind::Serialization,
            "value could not be (de)serialized",
        )
        .with_source(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn display_kind_and_source() {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out");
        let e = Error::unavailable("redis did not answer").with_source(io);
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(e.to_string(), "unavailable: redis did not answer");
        assert_eq!(
            e.source().map(ToString::to_string).as_deref(),
            Some("timed out")
        );
    }
}
