//! Web pages on cookie sessions and a JSON API on bearer tokens, sharing one user table, one
//! `Identity` and one revocation list (`cargo run -p examples --bin hybrid`).
//!
//! - `/`, `/login`, `/logout`, `/account`: pages for a browser, on a session cookie. `/account`
//!   redirects to `/` when not signed in.
//! - `/api/me`, `/api/notes`: JSON, for a browser's cookie **or** an API client's bearer token
//!   (a [`HybridLayer`]); `/api/notes` needs the scope `notes:read` (alice has it, bob not).
//!   Refusals are JSON with the RFC 6750 challenge.
//! - `/auth/login`, `/auth/refresh`, `/auth/logout`, `/auth/logout-everywhere`,
//!   `/.well-known/jwks.json`: the token endpoints, for API clients.
//! - `POST /account/token`: a signed-in browser gets an access token bound to its session:
//!   logging out of the web session kills the token at once.

use crate::support::{LOGIN_FORM, escape, page, sign_in_failed};
use auth_tower::auth_jwt::{Issuer, RefreshTokens, SharedKeySet, Verifier};
use auth_tower::throttle::LoginThrottle;
use auth_tower::tokens::{LoginAttempt, TokenEndpoints};
use auth_tower::{
    ErrorBody, HybridLayer, Identity, JwtLayer, RequireAuth, Session, SessionError, SessionLayer,
};
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;

/// The token issuer (`iss`) and audience (`aud`) of the example.
pub const ISSUER: &str = "http://127.0.0.1:3002";
/// The audience of the example's access tokens.
pub const AUDIENCE: &str = "hybrid-example";

/// The demo users: (user id, password, scopes). A real app checks a password hash.
const USERS: &[(&str, &str, &[&str])] = &[
    ("alice", "wonderland", &["notes:read"]),
    ("bob", "builder", &[]),
];

/// The identity `username` logs in as, if `password` is right: one check for the login form
/// and the token endpoint.
pub fn check_credentials(username: &str, password: &str) -> Option<Identity> {
    USERS
        .iter()
        .find(|(u, p, _)| *u == username && *p == password)
        .map(|(u, _, scopes)| {
            scopes
                .iter()
                .fold(Identity::new(*u).with_role("user"), |id, s| {
                    id.with_scope(*s)
                })
        })
}

/// Where the example keeps its state (see [`crate::backend`]).
pub use crate::backend::Backends;

/// The app: pages and API behind one [`HybridLayer`], and the token endpoints.
///
/// `keys` sign and verify access tokens; `refresh_secret` (32 bytes or more) MACs refresh
/// tokens. `insecure_dev_cookie` drops `Secure` and the `__Host-` prefix for plain http on
/// loopback (development only).
///
/// # Errors
/// If a part refuses its configuration (a weak secret, say).
pub fn router(
    backends: &Backends,
    keys: SharedKeySet,
    refresh_secret: &[u8],
    insecure_dev_cookie: bool,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let issuer = Issuer::builder()
        .with_issuer(ISSUER)
        .with_audience(AUDIENCE)
        .with_keys(keys.clone())
        .build()?;
    let verifier = Verifier::builder()
        .with_issuer(ISSUER)
        .with_audience(AUDIENCE)
        .with_keys(keys)
        .with_revocations(backends.revocations.clone())
        .build()?;
    let refresh = RefreshTokens::builder(
        issuer.clone(),
        backends.refresh.clone(),
        backends.revocations.clone(),
        refresh_secret,
    )
    .build()?;
    // One throttle, shared by both logins: a guess on the form counts for the API and back.
    let throttle = LoginThrottle::builder()
        .with_store(backends.throttle.clone())
        .build()?;
    let endpoints = TokenEndpoints::builder(refresh, |login: LoginAttempt| async move {
        Ok::<_, std::convert::Infallible>(check_credentials(login.username(), login.password()))
    })
    .with_verifier(verifier.clone())
    .with_throttle(throttle.clone())
    .build()?;

    let sessions = SessionLayer::builder(backends.sessions.clone())
        .with_revocations(backends.revocations.clone());
    let sessions = if insecure_dev_cookie {
        sessions.with_insecure_dev_cookie()
    } else {
        sessions
    }
    .build()?;
    let hybrid = HybridLayer::new(
        sessions,
        JwtLayer::builder(verifier)
            .with_error_body(ErrorBody::json())
            .build()?,
    );

    let pages = Router::new()
        .route("/account", get(account))
        .route_layer(RequireAuth::identity().with_error_body(ErrorBody::redirect_to_login("/")))
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/account/token", post(session_token))
        .with_state(throttle);
    let api = Router::new()
        .route("/api/notes", get(notes))
        .route_layer(
            RequireAuth::identity()
                .with_scope("notes:read")
                .with_error_body(ErrorBody::json()),
        )
        .route("/api/me", get(me))
        .route_layer(RequireAuth::identity().with_error_body(ErrorBody::json()));

    Ok(pages
        .merge(api)
        .layer(Extension(issuer))
        .layer(hybrid)
        // The token endpoints sit outside the hybrid layer: a login has no credentials yet.
        .merge(endpoints.router()))
}

async fn home(session: Session) -> Result<Html<String>, SessionError> {
    let body = match session.identity().await? {
        Some(who) => format!(
            r#"<p>Signed in as <b>{}</b>. <a href="/account">Your account</a></p>
<form method="post" action="/logout"><button>Log out</button></form>"#,
            escape(who.subject())
        ),
        None => LOGIN_FORM.to_owned(),
    };
    Ok(Html(page("Hybrid example", &body)))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// The throttle is asked first: a throttled login (429 with `Retry-After`) never reaches the
/// password check.
async fn login(
    State(throttle): State<LoginThrottle>,
    session: Session,
    parts: Parts,
    Form(credentials): Form<Credentials>,
) -> Result<Response, SessionError> {
    let checked = throttle
        .attempt(&parts, &credentials.username, async {
            check_credentials(&credentials.username, &credentials.password)
        })
        .await;
    match checked {
        Ok(Some(identity)) => {
            session.login(identity).await?;
            Ok(Redirect::to("/account").into_response())
        }
        Ok(None) => Ok(sign_in_failed()),
        Err(refusal) => Ok(refusal.into_response()),
    }
}

async fn logout(session: Session) -> Result<Redirect, SessionError> {
    session.logout().await?;
    Ok(Redirect::to("/"))
}

async fn account(who: Identity) -> Html<String> {
    Html(page(
        "Your account",
        &format!(
            r#"<p>Signed in as <b>{}</b> with scopes {:?}.</p>
<p><a href="/api/me">/api/me</a> · <a href="/api/notes">/api/notes</a></p>
<form method="post" action="/account/token"><button>Get an API token for this session</button></form>
<form method="post" action="/logout"><button>Log out</button></form>"#,
            escape(who.subject()),
            who.scopes()
        ),
    ))
}

/// An access token bound to the caller's web session (its `sid`): it dies with the session.
/// A session-only handler: a bearer request gets a 403.
async fn session_token(
    session: Session,
    Extension(issuer): Extension<Issuer>,
) -> Result<Response, SessionError> {
    let Some(who) = session.identity().await? else {
        return Ok((
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "unauthenticated"})),
        )
            .into_response());
    };
    match issuer.issue(&who) {
        Ok(token) => Ok((
            [(axum::http::header::CACHE_CONTROL, "no-store")],
            Json(serde_json::json!({
                "access_token": token.as_str(),
                "token_type": "Bearer",
                "expires_in": issuer.ttl().as_secs(),
            })),
        )
            .into_response()),
        Err(error) => {
            tracing::error!(%error, "could not issue a token");
            Ok(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

async fn me(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "subject": who.subject(),
        "scopes": who.scopes(),
        "via": format!("{:?}", who.method()),
    }))
}

async fn notes(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "owner": who.subject(),
        "notes": ["buy milk", "rotate the signing key"],
    }))
}
