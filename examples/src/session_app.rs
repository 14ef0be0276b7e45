//! A small web app on cookie sessions: a login form, a page with the user and a per-session
//! counter (bumped by a POST only: no `GET` changes state, since a cross-site link can trigger a
//! `GET` with the cookie under `SameSite=Lax`), a "your sessions" page (each session's browser, system, address and last
//! activity) with revoke buttons, logout and logout everywhere.
//!
//! The login form is throttled per account and per client address with a [`LoginThrottle`]
//! (asked before the password is checked): in memory by default, on Redis with
//! [`router_with_throttle`] and a `RedisThrottle`.

use crate::lifetimes::Lifetimes;
use crate::password_check::PasswordCheck;
use crate::support::{LOGIN_FORM, escape, page, sign_in_failed};
use auth_tower::store::{SessionEntry, SessionKey, SessionStore, SystemClock};
use auth_tower::throttle::LoginThrottle;
use auth_tower::{Clock, Identity, Session, SessionError, SessionLayer, Timestamp};
use axum::extract::{Extension, Form, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

/// The demo users: (user id, password). A real app checks a password hash.
const USERS: &[(&str, &str)] = &[("alice", "wonderland"), ("bob", "builder")];

/// The app's routes behind a session layer built from `sessions`, logins throttled in this
/// process's memory.
pub fn router(sessions: SessionLayer) -> Router {
    router_with_throttle(sessions, LoginThrottle::new())
}

/// The app's routes behind a session layer built from `sessions`, logins throttled by
/// `throttle` (give every instance the same shared store).
pub fn router_with_throttle(sessions: SessionLayer, throttle: LoginThrottle) -> Router {
    router_with(sessions, throttle, PasswordCheck::new())
}

/// [`router_with_throttle`], with passwords checked by `password_check` (a test gives it a
/// delay, as a real password hash has, and reads how many checks ran).
pub fn router_with(
    sessions: SessionLayer,
    throttle: LoginThrottle,
    password_check: PasswordCheck,
) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/sessions", get(sessions_page))
        .route("/sessions/{key}/revoke", post(revoke))
        .route("/counter", post(count))
        .route("/api/me", get(me))
        .route("/api/counter", post(counter))
        .layer(sessions)
        .layer(Extension(password_check))
        .with_state(throttle)
}

/// The session layer the example uses on `store`. `insecure_dev_cookie` drops `Secure` and the
/// `__Host-` prefix so the cookie works over plain http://127.0.0.1 (development only).
///
/// # Errors
/// If the configuration is refused.
pub fn session_layer(
    store: impl SessionStore,
    insecure_dev_cookie: bool,
) -> Result<SessionLayer, auth_tower::Error> {
    session_layer_with(store, insecure_dev_cookie, &Lifetimes::default())
}

/// [`session_layer`] with the idle and absolute timeouts of `lifetimes` (the `session` binary
/// reads them from the environment).
///
/// ```
/// use auth_tower::MemoryStore;
/// use examples::lifetimes::Lifetimes;
/// use examples::session_app::session_layer_with;
/// use std::time::Duration;
/// let short = Lifetimes { session_idle: Some(Duration::from_secs(5)), ..Lifetimes::default() };
/// assert!(session_layer_with(MemoryStore::new(), true, &short).is_ok());
/// ```
///
/// # Errors
/// If the configuration is refused (an idle timeout longer than the absolute one).
pub fn session_layer_with(
    store: impl SessionStore,
    insecure_dev_cookie: bool,
    lifetimes: &Lifetimes,
) -> Result<SessionLayer, auth_tower::Error> {
    let builder = lifetimes.session_layer(SessionLayer::builder(store));
    let builder = if insecure_dev_cookie {
        builder.with_insecure_dev_cookie()
    } else {
        builder
    };
    builder.build()
}

async fn bump_counter(session: &Session) -> Result<u64, SessionError> {
    let n = session.get::<u64>("counter").await?.unwrap_or(0) + 1;
    session.insert("counter", n).await?;
    Ok(n)
}

async fn home(session: Session) -> Result<Response, SessionError> {
    let Some(who) = session.identity().await? else {
        return Ok(Html(page("Sign in", LOGIN_FORM)).into_response());
    };
    // Read only: a GET never writes to the session.
    let n = session.get::<u64>("counter").await?.unwrap_or(0);
    Ok(Html(page(
        "Home",
        &format!(
            r#"<p>Signed in as <b>{}</b>. You have counted {n} time(s) in this session.</p>
<form method="post" action="/counter"><button>Count</button></form>
<p><a href="/sessions">Your sessions</a></p>
<form method="post" action="/logout"><button>Log out</button></form>
<form method="post" action="/logout-everywhere"><button>Log out everywhere</button></form>"#,
            escape(who.subject())
        ),
    ))
    .into_response())
}

/// The home page's "Count" button: bump the counter, back to the page.
async fn count(session: Session, _who: Identity) -> Result<Redirect, SessionError> {
    bump_counter(&session).await?;
    Ok(Redirect::to("/"))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

fn check_credentials(c: &Credentials) -> Option<Identity> {
    USERS
        .iter()
        .find(|(u, p)| *u == c.username && *p == c.password)
        .map(|(u, _)| Identity::new(*u).with_role("user"))
}

/// The throttle is asked first: a throttled login (429 with `Retry-After`) never reaches the
/// password check, a wrong password counts for the account and the address, a right one
/// resets the account and logs in, recording the browser and address for the sessions page.
async fn login(
    State(throttle): State<LoginThrottle>,
    Extension(password_check): Extension<PasswordCheck>,
    session: Session,
    parts: Parts,
    Form(credentials): Form<Credentials>,
) -> Result<Response, SessionError> {
    let checked = throttle
        .attempt(
            &parts,
            &credentials.username,
            password_check.run(|| check_credentials(&credentials)),
        )
        .await;
    match checked {
        Ok(Some(identity)) => {
            session.login_from(&parts, identity).await?;
            Ok(Redirect::to("/").into_response())
        }
        Ok(None) => Ok(sign_in_failed()),
        Err(refusal) => Ok(refusal.into_response()),
    }
}

async fn logout(session: Session) -> Result<Redirect, SessionError> {
    session.logout().await?;
    Ok(Redirect::to("/"))
}

async fn logout_everywhere(session: Session) -> Result<Redirect, SessionError> {
    session.logout_everywhere().await?;
    Ok(Redirect::to("/"))
}

async fn sessions_page(session: Session, _who: Identity) -> Result<Html<String>, SessionError> {
    let current = session.key().await?;
    let now = SystemClock.now();
    let mut rows = String::new();
    for entry in session.sessions().await? {
        let this = if Some(entry.key) == current {
            " (this one)"
        } else {
            ""
        };
        rows.push_str(&format!(
            r#"<li>{}{this} <form method="post" action="/sessions/{}/revoke"><button>Revoke</button></form></li>"#,
            escape(&describe_session(&entry, now)),
            entry.key
        ));
    }
    Ok(Html(page(
        "Your sessions",
        &format!("<ul>{rows}</ul><p><a href=\"/\">Home</a></p>"),
    )))
}

/// "Chrome on Linux, 127.0.0.1, last active 3 minutes ago".
fn describe_session(entry: &SessionEntry, now: Timestamp) -> String {
    let device = entry.record.device.clone().unwrap_or_default();
    let address = device
        .address()
        .map_or_else(|| "unknown address".to_owned(), |a| a.to_string());
    format!(
        "{}, {address}, last active {}",
        device.describe(),
        time_ago(entry.record.last_seen_at, now)
    )
}

/// How long ago `then` was, in words: "just now" under a minute, then minutes, hours, days.
fn time_ago(then: Timestamp, now: Timestamp) -> String {
    let minutes = now
        .as_unix_millis()
        .saturating_sub(then.as_unix_millis())
        .max(0)
        / 60_000;
    let (n, unit) = match minutes {
        0 => return "just now".to_owned(),
        m if m < 60 => (m, "minute"),
        m if m < 24 * 60 => (m / 60, "hour"),
        m => (m / (24 * 60), "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural} ago")
}

async fn revoke(
    session: Session,
    _who: Identity,
    Path(key): Path<String>,
) -> Result<Response, SessionError> {
    let Ok(key) = SessionKey::from_hex(&key) else {
        return Ok((StatusCode::BAD_REQUEST, "malformed session key").into_response());
    };
    if session.revoke(&key).await? {
        Ok(Redirect::to("/sessions").into_response())
    } else {
        Ok((StatusCode::NOT_FOUND, "no such session").into_response())
    }
}

async fn me(who: Identity) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "subject": who.subject(),
        "roles": who.roles(),
        "session": who.session().map(ToString::to_string),
    }))
}

async fn counter(
    session: Session,
    who: Option<Identity>,
) -> Result<Json<serde_json::Value>, SessionError> {
    let n = bump_counter(&session).await?;
    Ok(Json(serde_json::json!({
        "counter": n,
        "subject": who.as_ref().map(Identity::subject),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_activity_reads_as_words() {
        let now = Timestamp::from_unix_millis(10_000_000_000);
        let ago = |ms: i64| time_ago(Timestamp::from_unix_millis(10_000_000_000 - ms), now);
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(59_999), "just now");
        assert_eq!(ago(60_000), "1 minute ago");
        assert_eq!(ago(3 * 60_000 + 59_000), "3 minutes ago");
        assert_eq!(ago(60 * 60_000), "1 hour ago");
        assert_eq!(ago(5 * 60 * 60_000), "5 hours ago");
        assert_eq!(ago(49 * 60 * 60_000), "2 days ago");
        assert_eq!(
            ago(-5_000),
            "just now",
            "a clock step backwards is not the future"
        );
    }
}
