//! The token endpoints' answers: RFC 6749 §5.1 (tokens) and §5.2 (errors), never cached.

use auth_jwt::TokenPair;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA, RETRY_AFTER};
use std::borrow::Cow;
use std::time::Duration;

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
    json(StatusCode::OK, &body)
}

/// `204`, not cached.
pub(super) fn no_content() -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NO_CONTENT;
    no_store(&mut res);
    res
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut res = Response::new(Body::from(body.to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    no_store(&mut res);
    res
}

fn no_store(res: &mut Response) {
    let headers = res.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
}

/// An RFC 6749 §5.2 error: a status, an `error` code and a client-safe description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: Cow<'static, str>,
    /// `Retry-After`, in whole seconds.
    retry_after: Option<u64>,
}

impl OAuthError {
    fn new(
        status: StatusCode,
        code: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            status,
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    /// 429 `slow_down` with `Retry-After`: too many failed logins for this account or from
    /// this address. `slow_down` (RFC 8628 §3.5, registered for the token endpoint) means
    /// "ask less often", which is what the client must do; `temporarily_unavailable` already
    /// means a failure on our side here (503), and a throttled client must not read it as one.
    pub(super) fn slow_down(wait: Duration) -> Self {
        let seconds = crate::rejection::retry_after_seconds(wait);
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "slow_down",
            format!("too many failed logins; try again in {seconds} s"),
        );
        e.retry_after = Some(seconds);
        e
    }

    /// 400 `invalid_request`: the request is malformed.
    pub(super) fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 400 `invalid_grant`: bad credentials, or a refresh token that is not (or no longer) valid.
    pub(super) fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    /// 400 `unsupported_grant_type`.
    pub(super) fn unsupported_grant_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be password or refresh_token",
        )
    }

    /// 503 `temporarily_unavailable`: a store (or the credential check) failed. Fail closed.
    pub(super) fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily_unavailable",
            "authentication is temporarily unavailable; try again later",
        )
    }

    /// 500 `server_error`: a fault on our side (the description says nothing more).
    pub(super) fn server_error() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the server could not issue tokens",
        )
    }

    /// The `error` code, for logs.
    pub(super) fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let mut res = json(
            self.status,
            &serde_json::json!({
                "error": self.code,
                "error_description": self.description,
            }),
        );
        if let Some(seconds) = self.retry_after {
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}
