//! The token endpoints' answers: RFC 6749 §5.1 (tokens) and §5.2 (errors, rendered by
//! [`crate::rejection`] like every refusal), never cached.

use crate::rejection::{OAuthError, Rejection, RejectionKind};
use auth_jwt::TokenPair;
use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::header::{CONTENT_TYPE, HeaderValue};
use std::borrow::Cow;

/// `200` with the pair as `{"access_token","token_type","expires_in","refresh_token"}`.
pub(super) fn tokens(pair: &TokenPair) -> Response {
    let expires_in = pair
        .access
        .expires_at()
        .as_unix_seconds()
        .saturating_sub(pair.access.issued_at().as_unix_seconds());
    let body = serde_json::json!({
        "access_token": pair.access.as_str(),
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": pair.refresh.as_str(),
    });
    let mut res = Response::new(Body::from(body.to_string()));
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static(crate::rejection::oauth::JSON),
    );
    crate::rejection::oauth::no_cache(res.headers_mut());
    res
}

/// `204`, not cached.
pub(super) fn no_content() -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NO_CONTENT;
    crate::rejection::oauth::no_cache(res.headers_mut());
    res
}

/// The token endpoints' refusals (RFC 6749 §5.2).
impl OAuthError {
    /// 400 `invalid_request`: the request is malformed.
    pub(super) fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Rejection::new(RejectionKind::InvalidRequest, description))
    }

    /// 400 `invalid_grant`: bad credentials, or a refresh token that is not (or no longer) valid.
    pub(super) fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::bad_request("invalid_grant", description)
    }

    /// 400 `unsupported_grant_type`.
    pub(super) fn unsupported_grant_type() -> Self {
        Self::bad_request(
            "unsupported_grant_type",
            "grant_type must be password or refresh_token",
        )
    }

    /// 503 `temporarily_unavailable`: a store (or the credential check) failed. Fail closed.
    pub(super) fn unavailable() -> Self {
        Self::new(Rejection::new(
            RejectionKind::Unavailable,
            "authentication is temporarily unavailable; try again later",
        ))
    }

    /// 500 `server_error`: a fault on our side (the description says nothing more).
    pub(super) fn server_error() -> Self {
        Self::new(Rejection::new(
            RejectionKind::Internal,
            "the server could not issue tokens",
        ))
    }
}
