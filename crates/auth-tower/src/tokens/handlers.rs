//! What each token endpoint does.

use super::Shared;
use super::credentials::LoginAttempt;
use super::params::{self, Accepts, Grant};
use super::response;
use crate::rejection::OAuthError;
use crate::rejection::{Protocol, Rejection, RejectionKind};
use auth_core::throttle::ThrottleKey;
use auth_core::{AuthMethod, Identity};
use auth_jwt::ErrorKind;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;
use http::request::Parts;
use std::time::Duration;
use tracing::Instrument;

/// The endpoints, for routing and for the `endpoint` field of the tracing span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    Token,
    Login,
    Refresh,
    Logout,
    LogoutEverywhere,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Login => "login",
            Self::Refresh => "refresh",
            Self::Logout => "logout",
            Self::LogoutEverywhere => "logout_everywhere",
        }
    }
}

/// Answer `req` at `endpoint`, in a span that records the decision (never a credential).
pub(super) async fn handle(shared: &Shared, endpoint: Endpoint, req: Request) -> Response {
    let span = tracing::info_span!(
        target: "auth_tower::tokens",
        "auth.tokens",
        endpoint = endpoint.name(),
        outcome = tracing::field::Empty,
    );
    async move {
        let (outcome, response) = match answer(shared, endpoint, req).await {
            Ok(response) => ("ok", response),
            Err(Refusal::OAuth(e)) => (e.code(), e.into_response()),
            Err(Refusal::Bearer(outcome, response)) => (outcome, response),
        };
        tracing::Span::current().record("outcome", outcome);
        if response.status().is_server_error() {
            tracing::warn!(target: "auth_tower::tokens", status = response.status().as_u16(), "token request failed");
        } else {
            tracing::debug!(target: "auth_tower::tokens", status = response.status().as_u16(), "token request answered");
        }
        response
    }
    .instrument(span)
    .await
}

enum Refusal {
    OAuth(OAuthError),
    /// A bearer-token refusal (logout everywhere), already rendered by the rejection renderer.
    Bearer(&'static str, Response),
}

impl From<OAuthError> for Refusal {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}

async fn answer(shared: &Shared, endpoint: Endpoint, req: Request) -> Result<Response, Refusal> {
    let accepts = match endpoint {
        Endpoint::LogoutEverywhere => return logout_everywhere(shared, req.headers()).await,
        Endpoint::Token => Accepts::Any,
        Endpoint::Login => Accepts::Password,
        Endpoint::Refresh | Endpoint::Logout => Accepts::RefreshToken,
    };
    let (parts, body) = req.into_parts();
    let grant = params::read(&parts.headers, body, shared.body_limit)
        .await?
        .grant(accepts)?;
    match (endpoint, grant) {
        (Endpoint::Logout, Grant::RefreshToken(token)) => logout(shared, &token).await,
        (_, Grant::Password { username, password }) => {
            login(shared, parts, username, password).await
        }
        (_, Grant::RefreshToken(token)) => refresh(shared, &token).await,
    }
    .map_err(Refusal::OAuth)
}

/// A password login: throttled first (a throttled attempt never reaches the credential
/// check), then checked, then its outcome counted.
async fn login(
    shared: &Shared,
    parts: Parts,
    username: String,
    password: String,
) -> Result<Response, OAuthError> {
    let client = shared.client_source.client_addr(&parts);
    let attempt = match &shared.throttle {
        Some(throttle) => Some(
            throttle
                .begin_for(&parts, ThrottleKey::account(&username))
                .await
                .map_err(|r| throttle_refusal(&r))?,
        ),
        None => None,
    };
    let login = LoginAttempt::new(username, password, client, parts);
    let identity = match shared.credentials.check(login).await {
        Ok(Some(identity)) => {
            if let Some(attempt) = attempt {
                attempt.succeeded().await;
            }
            identity
        }
        Ok(None) => {
            if let Some(attempt) = attempt {
                attempt.failed().await;
            }
            tracing::info!(target: "auth_tower::tokens", "login refused: wrong username or password");
            return Err(OAuthError::invalid_grant("invalid username or password"));
        }
        // The check could not be made: nothing is counted either way.
        Err(e) => {
            if let Some(attempt) = attempt {
                attempt.abandon().await;
            }
            tracing::error!(target: "auth_tower::tokens", error = %e, "the credential check failed");
            return Err(OAuthError::unavailable());
        }
    };
    let identity = stamp(identity, shared);
    let pair = shared
        .tokens
        .start(&identity)
        .await
        .map_err(|e| grant_error(&e))?;
    // The subject is personal data: at debug only, never at info (review finding 10).
    tracing::info!(target: "auth_tower::tokens", "logged in");
    tracing::debug!(target: "auth_tower::tokens", subject = identity.subject(), "logged in as");
    Ok(response::tokens(&pair))
}

/// The token endpoints' answer to a throttle refusal: 429 `slow_down`, or 503.
fn throttle_refusal(refusal: &Rejection) -> OAuthError {
    match refusal.kind() {
        RejectionKind::TooManyRequests => {
            OAuthError::slow_down(refusal.retry_after().unwrap_or(Duration::from_secs(1)))
        }
        _ => OAuthError::unavailable(),
    }
}

/// A bearer identity, authenticated now unless the application said when.
fn stamp(identity: Identity, shared: &Shared) -> Identity {
    let identity = identity.with_method(AuthMethod::Jwt);
    if identity.authenticated_at().is_some() {
        identity
    } else {
        identity.with_authenticated_at(shared.clock.now())
    }
}

async fn refresh(shared: &Shared, token: &str) -> Result<Response, OAuthError> {
    let pair = shared
        .tokens
        .refresh(token)
        .await
        .map_err(|e| grant_error(&e))?;
    Ok(response::tokens(&pair))
}

/// RFC 7009 §2.2: an unknown or invalid refresh token is not an error; the outcome the client
/// wants (that token no longer works) holds either way.
async fn logout(shared: &Shared, token: &str) -> Result<Response, OAuthError> {
    match shared.tokens.revoke(token).await {
        Ok(()) => {
            tracing::info!(target: "auth_tower::tokens", "logged out: refresh family and its session revoked");
            Ok(response::no_content())
        }
        Err(e) if e.kind() == ErrorKind::RefreshTokenInvalid => {
            tracing::info!(target: "auth_tower::tokens", "logout with an invalid refresh token");
            Ok(response::no_content())
        }
        Err(e) => Err(grant_error(&e)),
    }
}

async fn logout_everywhere(shared: &Shared, headers: &HeaderMap) -> Result<Response, Refusal> {
    let refuse = |e: &auth_jwt::Error| {
        let rejection = Rejection::from(e);
        tracing::info!(target: "auth_tower::tokens", kind = %e.kind().as_str(), "logout everywhere refused");
        Refusal::Bearer(
            "bearer_refused",
            rejection.render_by(
                crate::decision::Decider::TokenEndpoint,
                Protocol::Http,
                &shared.realm,
            ),
        )
    };
    let token = auth_jwt::bearer_token(headers).map_err(|e| refuse(&e))?;
    let identity = shared
        .verifier
        .verify(token)
        .await
        .map_err(|e| refuse(&e))?;
    // The subjects of another issuer (an identity provider the verifier also trusts) are
    // not ours: its `user-42` must not revoke our `user-42`.
    if identity.issuer() != Some(shared.tokens.issuer().iss()) {
        tracing::info!(target: "auth_tower::tokens", issuer = identity.issuer(), "a token of another issuer cannot log out everywhere");
        return Err(refuse(&auth_jwt::Error::new(
            ErrorKind::WrongIssuer,
            "only this service's own access tokens can log out everywhere",
        )));
    }
    shared
        .tokens
        .revoke_subject(identity.subject())
        .await
        .map_err(|e| Refusal::OAuth(grant_error(&e)))?;
    tracing::info!(target: "auth_tower::tokens", "logged out everywhere");
    tracing::debug!(target: "auth_tower::tokens", subject = identity.subject(), "logged out everywhere");
    Ok(response::no_content())
}

/// The answer to a failed start, refresh or revoke.
fn grant_error(e: &auth_jwt::Error) -> OAuthError {
    if e.is_unavailable() {
        tracing::error!(target: "auth_tower::tokens", kind = %e.kind().as_str(), "a token store failed");
        return OAuthError::unavailable();
    }
    match e.kind() {
        ErrorKind::RefreshTokenInvalid => {
            OAuthError::invalid_grant("the refresh token is invalid or expired")
        }
        ErrorKind::RefreshTokenReused => {
            tracing::warn!(target: "auth_tower::tokens", "refresh token reuse: the family's session is revoked");
            OAuthError::invalid_grant("the refresh token was already used; the session is revoked")
        }
        ErrorKind::Revoked => OAuthError::invalid_grant("the session was revoked"),
        kind => {
            tracing::error!(target: "auth_tower::tokens", kind = %kind.as_str(), "issuing tokens failed");
            OAuthError::server_error()
        }
    }
}
