//! Cookie sessions: `cargo run -p examples --example sessions` (port 3000, or `PORT`), then
//! `curl -c jar -d username=alice -d password=wonderland http://127.0.0.1:3000/login` and
//! `curl -b jar http://127.0.0.1:3000/me`.

use auth_tower::{Identity, MemoryStore, Session, SessionError, SessionLayer};
use axum::{Form, Router, http::StatusCode, routing::get, routing::post};

#[derive(serde::Deserialize)]
struct Login {
    username: String,
    password: String,
}

async fn login(session: Session, Form(form): Form<Login>) -> Result<StatusCode, SessionError> {
    // Check the password against your user table (a password hash); here one demo user.
    if (form.username.as_str(), form.password.as_str()) != ("alice", "wonderland") {
        return Ok(StatusCode::UNAUTHORIZED);
    }
    session.login(Identity::new("alice")).await?; // a new session id, in a new cookie
    Ok(StatusCode::NO_CONTENT)
}

async fn me(who: Identity) -> String {
    format!("signed in as {}\n", who.subject()) // 401 without a signed-in session
}

async fn logout(session: Session) -> Result<StatusCode, SessionError> {
    session.logout().await?; // the session is deleted and the cookie cleared
    Ok(StatusCode::NO_CONTENT)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/logout", post(logout))
        .layer(SessionLayer::builder(MemoryStore::new()).build()?);
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    Ok(axum::serve(listener, app).await?)
}
