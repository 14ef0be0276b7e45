//! [`RejectionBody`]: how a layer builds a response body of the inner service's type.

use bytes::Bytes;
use http_body_util::{Empty, Full};

/// A response body type the layers can make a rejection from.
///
/// Implemented for the bodies of axum (feature `axum`) and tonic (feature `tonic`), `http-body-util`'s `Full` and
/// `Empty`, and `String`. For another body type, implement it on a local wrapper.
pub trait RejectionBody: Sized {
    /// A body carrying `message` (plain text); bodies that cannot carry text drop it.
    fn from_message(message: String) -> Self;
}

impl RejectionBody for String {
    fn from_message(message: String) -> Self {
        message
    }
}

impl RejectionBody for Full<Bytes> {
    fn from_message(message: String) -> Self {
        Full::new(Bytes::from(message))
    }
}

impl RejectionBody for Empty<Bytes> {
    fn from_message(_message: String) -> Self {
        Empty::new()
    }
}

#[cfg(feature = "axum")]
impl RejectionBody for axum_core::body::Body {
    fn from_message(message: String) -> Self {
        axum_core::body::Body::from(message)
    }
}

#[cfg(feature = "tonic")]
impl RejectionBody for tonic::body::Body {
    fn from_message(message: String) -> Self {
        tonic::body::Body::new(Full::new(Bytes::from(message)))
    }
}
