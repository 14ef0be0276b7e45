//! [`OAuthError`]: the token endpoints' refusals (RFC 6749 §5.2), rendered here like every
//! other refusal: the status of a [`RejectionKind`], `Cache-Control: no-store` (and RFC 6749's
//! `Pragma: no-cache`), `Retry-After` when the refusal says, and the one JSON error body.

use super::{Protocol, Rejection, RejectionKind, json_body};
use axum_core::body::Body;
use axum_core::response::{IntoResponse, Response};
use http::HeaderMap;
use http::header::{CACHE_CONTROL, HeaderValue, PRAGMA};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// An RFC 6749 §5.2 error: a refusal with an OAuth `error` code and a client-safe description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    rejection: Rejection,
    /// The OAuth code: the kind's own ([`RejectionKind::error_code`]) unless the grant
    /// has a more precise one (`invalid_grant`, `unsupported_grant_type`).
    code: &'static str,
}

impl OAuthError {
    /// `rejection` with the OAuth code of its kind.
    pub(crate) fn new(rejection: Rejection) -> Self {
        let code = rejection.kind().error_code();
        Self { rejection, code }
    }

    /// A 400 with an OAuth code that has no [`RejectionKind`] of its own (`invalid_grant`,
    /// `unsupported_grant_type`).
    pub(crate) fn bad_request(
        code: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            rejection: Rejection::new(RejectionKind::InvalidRequest, description),
            code,
        }
    }

    /// 429 `slow_down` with `Retry-After`, saying the wait in the description too.
    pub(crate) fn slow_down(wait: Duration) -> Self {
        let seconds = super::retry_after_seconds(wait);
        Self::new(
            Rejection::new(
                RejectionKind::TooManyRequests,
                format!("too many failed logins; try again in {seconds} s"),
            )
            .with_retry_after(wait),
        )
    }

    /// The `error` code, for logs.
    pub(crate) fn code(&self) -> &'static str {
        self.code
    }

    /// The response: JSON, never cached.
    pub(crate) fn render(&self) -> Response {
        self.rejection
            .log(Protocol::Http, crate::decision::Decider::TokenEndpoint);
        let (mut head, ()) = self.rejection.head(JSON).into_parts();
        no_cache(&mut head.headers);
        let body = json_body(self.code, self.rejection.description());
        Response::from_parts(head, Body::from(body))
    }
}

/// The content type of the token endpoints' answers (RFC 6749 §5.1).
pub(crate) const JSON: &str = "application/json;charset=UTF-8";

/// `Cache-Control: no-store` and `Pragma: no-cache`: what RFC 6749 §5.1 asks of every token
/// endpoint answer, refusal or not.
pub(crate) fn no_cache(headers: &mut HeaderMap) {
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.rejection.description())
    }
}

impl std::error::Error for OAuthError {}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        self.render()
    }
}
