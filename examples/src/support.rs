//! What every example binary and web page shares: logging, serving, and a little HTML.

use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::net::SocketAddr;

/// The boxed error the example binaries return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Log to the terminal: `RUST_LOG`, or `info` with the auth decisions at `debug`.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "info,auth_tower=debug,auth_jwt=debug,auth_session_redis=debug,auth_session_postgres=debug"
                    .into()
            }),
        )
        .init();
}

/// Serve `app` on 127.0.0.1 (port `PORT`, else `default_port`) until Ctrl-C, with each
/// connection's address in the request extensions (`ConnectInfo<SocketAddr>`), which the
/// login throttle counts failures by.
///
/// # Errors
/// If the port cannot be bound or serving fails.
pub async fn serve(app: Router, name: &str, default_port: &str) -> Result<(), BoxError> {
    let port = std::env::var("PORT").unwrap_or_else(|_| default_port.into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    tracing::info!("{name} example on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// The sign-in form both web examples show.
pub(crate) const LOGIN_FORM: &str = r#"<form method="post" action="/login">
<label>User <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button>Sign in</button></form><p>Try alice / wonderland or bob / builder.</p>"#;

/// The answer to a wrong user or password on the form.
pub(crate) fn sign_in_failed() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Html(page(
            "Sign in failed",
            r#"<p>Wrong user or password. <a href="/">Try again</a></p>"#,
        )),
    )
        .into_response()
}

/// A whole HTML page.
pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )
}

/// Escape text for HTML.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
