//! What clients are told when a refusal has no words of its own: the one table of
//! client-facing descriptions. The generic three are auth-core's, so its `Identity` extractor
//! and every layer here say the same thing.

pub(crate) use auth_core::__private::{
    AUTHENTICATION_FAULT, AUTHENTICATION_REQUIRED, AUTHENTICATION_UNAVAILABLE,
};

/// A handler that needs a session cookie, reached with a bearer token (hybrid layer).
#[cfg(feature = "axum")]
pub(crate) const SESSION_COOKIE_REQUIRED: &str =
    "this endpoint needs a session cookie; bearer tokens are not accepted here";

/// A reader with no auth layer under it (a server bug: 500, never read as anonymous).
pub(crate) fn missing_layer(reader: &str) -> String {
    format!("missing auth layer: add SessionLayer or JwtLayer outside {reader}")
}
