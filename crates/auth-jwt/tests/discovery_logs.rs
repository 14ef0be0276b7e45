//! What discovery logs (issue 19, found with a real OpenID Provider): "JWKS refreshed" named
//! the discovery URL instead of the JWKS URL; an issuer the metadata does not name was logged
//! without either value, with "keeping the last good keys" when there were none. Alone in its
//! test binary for the reason given in `remote_jwks_logs.rs` (tracing's per-call-site cache).

#![allow(clippy::unwrap_used)]

mod common;
#[path = "remote_jwks/server.rs"]
#[allow(dead_code)]
mod server;

use auth_jwt::{Algorithm, KeySet, RemoteJwks, RemoteJwksConfig};
use common::*;
use server::{Reply, Server};
use std::sync::Arc;
use std::time::Duration;

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

#[tokio::test] // current-thread: the background task logs on this thread's subscriber
async fn discovery_logs_name_the_jwks_url_and_both_issuers_and_claim_no_missing_keys() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start().await;
    let issuer = server.url("");
    let jwks_url = server.url("/keys/certs");
    let metadata = serde_json::json!({ "issuer": issuer, "jwks_uri": jwks_url });
    server.set(
        "/.well-known/openid-configuration",
        Reply::jwks(metadata.to_string(), 300),
    );
    let doc = KeySet::builder()
        .with_verify_only_key(key_for(Algorithm::ES256, "es"))
        .build()
        .unwrap()
        .jwks_json()
        .to_vec();
    server.set("/keys/certs", Reply::jwks(doc, 300));
    let config = || {
        RemoteJwksConfig::default()
            .with_retry_interval(Duration::from_secs(60))
            .with_timeout(Duration::from_secs(3))
    };

    let jwks = RemoteJwks::discover(&issuer, config()).unwrap();
    jwks.refresh().await.unwrap();
    let logs = captured.text();
    let refreshed = logs
        .lines()
        .find(|l| l.contains("JWKS refreshed"))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(refreshed.contains(&jwks_url), "{refreshed}");
    assert!(!refreshed.contains("openid-configuration"), "{refreshed}");

    // Configured with a trailing slash the provider does not write.
    let configured = format!("{issuer}/");
    let wrong = RemoteJwks::discover(&configured, config()).unwrap();
    assert!(wrong.refresh().await.is_err());
    let logs = captured.text();
    let failed = logs
        .lines()
        .find(|l| l.contains("JWKS fetch") && l.contains(&format!("{configured:?}")))
        .unwrap_or_else(|| panic!("{logs}"));
    assert!(failed.contains(&format!("{issuer:?}")), "{failed}");
    assert!(failed.contains("ERROR"), "a configuration error: {failed}");
    assert!(
        !failed.contains("last good keys"),
        "there are none: {failed}"
    );
    assert!(failed.contains("no keys loaded"), "{failed}");
}
