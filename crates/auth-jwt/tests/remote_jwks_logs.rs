//! What a remote JWKS logs: its URL without user info or query (where IdPs and proxies put
//! credentials). Alone in its test binary: `tracing` caches per call site whether anyone
//! listens, and a test on another thread reaching the same call site with no subscriber can
//! make a thread-local capture miss the event.

#![allow(clippy::unwrap_used)]

mod common;
#[path = "remote_jwks/server.rs"]
#[allow(dead_code)]
mod server;

use auth_core::Clock;
use auth_jwt::{Algorithm, KeySet, RemoteJwks, RemoteJwksConfig};
use common::*;
use server::{Reply, Server};
use std::sync::Arc;
use std::time::Duration;

fn config(clock: Arc<dyn Clock>) -> RemoteJwksConfig {
    RemoteJwksConfig::default()
        .with_clock(clock)
        .with_min_ttl(Duration::from_secs(1))
        .with_retry_interval(Duration::from_millis(200))
        .with_timeout(Duration::from_secs(3))
}

/// A JWKS document with one public key.
fn jwks() -> Vec<u8> {
    KeySet::builder()
        .with_verify_only_key(key_for(Algorithm::ES256, "es"))
        .build()
        .unwrap()
        .jwks_json()
        .to_vec()
}

/// Everything written by the `tracing` events of the current thread, as text.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Issue 9 finding 10: the JWKS URL was logged (and shown by `Debug`) with its `user:pass@`
/// and its query string, where IdPs and proxies put credentials and API keys.
#[tokio::test] // current-thread: the background task logs on this thread's subscriber
async fn the_jwks_url_is_logged_and_debugged_without_userinfo_or_query() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start().await;
    server.set("/jwks?api_key=hunter2", Reply::jwks(jwks(), 300));
    let url =
        server
            .url("/jwks?api_key=hunter2")
            .replacen("http://", "http://idp-user:s3cret-pass@", 1);
    let jwks = RemoteJwks::new(&url, config(Arc::new(auth_core::SystemClock))).unwrap();
    jwks.refresh().await.unwrap();
    assert_eq!(
        server.hits("/jwks?api_key=hunter2"),
        1,
        "the real URL is fetched"
    );
    server.set("/jwks?api_key=hunter2", Reply::status(500));
    assert!(jwks.refresh().await.is_err());

    let logs = captured.text();
    assert!(logs.contains("JWKS refreshed"), "{logs}");
    assert!(logs.contains("JWKS fetch failed"), "{logs}");
    let shown = format!("http://127.0.0.1:{}/jwks", server.port);
    assert!(logs.contains(&shown), "{logs}");
    let debug = format!("{jwks:?}");
    assert!(debug.contains(&shown), "{debug}");
    for secret in ["s3cret-pass", "idp-user", "hunter2", "api_key"] {
        assert!(!logs.contains(secret), "{secret} logged: {logs}");
        assert!(!debug.contains(secret), "{secret} in Debug: {debug}");
    }
}
