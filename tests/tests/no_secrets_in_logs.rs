//! Everything the layers log at TRACE during a full run (a failed login, a login, API calls,
//! a refresh, a logout and a logout everywhere, on the jwt-api and session examples) is captured
//! and searched for every secret the run handled: passwords, access and refresh tokens (whole
//! and each signature), session cookie values, and key material. None may appear.
//!
//! Alone in its test binary: `tracing` caches per call site whether anyone listens, so a
//! global subscriber installed here sees every event of this process.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::tokens::{get_with, login, logout, refresh, send};
use e2e::{CookieJar, TestServer, client};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use std::sync::{Arc, Mutex};

/// A `tracing` writer that keeps everything written.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_run_logs_no_token_password_session_id_or_key() {
    let logs = Captured::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let mut secrets: Vec<(String, &str)> = Vec::new();

    // The jwt-api example: a failed login, a login, calls, a refresh, logouts.
    let keys = Keys::generate().unwrap();
    let app = jwt_api_app::router(&keys, &Stores::memory(), &Options::default()).unwrap();
    let api = TestServer::start(app).await;
    let base = api.url("");
    secrets.push(("wonderland".into(), "alice's password"));
    secrets.push(("not-the-password-42".into(), "a wrong password"));
    assert_eq!(
        login(&base, "alice", "not-the-password-42").await.status,
        400
    );
    let first = login(&base, "alice", "wonderland").await.pair();
    assert_eq!(get_with(&base, "/api/me", &first.access).await.status, 200);
    let second = refresh(&base, &first.refresh).await.pair();
    assert_eq!(
        get_with(&base, "/api/reports", &second.access).await.status,
        200
    );
    // A tampered token: refused, and its text must not be logged either.
    let tampered = format!("{}x", second.access);
    assert_eq!(get_with(&base, "/api/me", &tampered).await.status, 401);
    let third = login(&base, "alice", "wonderland").await.pair();
    assert_eq!(logout(&base, &second.refresh).await.status, 204);
    let everywhere = send(
        client()
            .post(format!("{base}/auth/logout-everywhere"))
            .bearer_auth(&third.access),
    )
    .await;
    assert_eq!(everywhere.status, 204, "{}", everywhere.body);
    for pair in [&first, &second, &third] {
        secrets.push((pair.access.clone(), "an access token"));
        secrets.push((pair.refresh.clone(), "a refresh token"));
        let signature = pair.access.rsplit('.').next().unwrap().to_owned();
        secrets.push((signature, "an access token's signature"));
    }
    secrets.push((tampered, "a tampered token"));

    // The session example: a failed login, a login, a write, logout everywhere.
    let layer = examples::session_app::session_layer(auth_tower::MemoryStore::new(), true).unwrap();
    let web = TestServer::start(examples::session_app::router(layer)).await;
    let mut jar = CookieJar::new();
    jar.send(web.form("/login", "username=alice&password=not-the-password-42"))
        .await;
    jar.send(web.form("/login", "username=alice&password=wonderland"))
        .await;
    let cookie = jar.get("session").expect("a session cookie").to_owned();
    let counter = jar.send(web.form("/api/counter", "")).await;
    assert_eq!(counter.status(), 200);
    jar.send(web.form("/logout-everywhere", "")).await;
    secrets.push((cookie, "a session cookie value"));

    let text = logs.text();
    assert!(
        text.contains("auth_tower::session") && text.contains("auth_tower::tokens"),
        "the capture saw the layers' events:\n{text}"
    );
    for (secret, what) in &secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} appears in the logs:\n{text}"
        );
    }
    for marker in ["PRIVATE KEY", "\"d\":", "refresh_secret"] {
        assert!(
            !text.contains(marker),
            "key material ({marker}) in the logs"
        );
    }
    println!(
        "captured {} lines at TRACE; {} secrets searched, none found",
        text.lines().count(),
        secrets.len()
    );
}
