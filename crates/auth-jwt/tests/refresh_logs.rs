//! What refresh tokens log when a rotated token is presented again inside the grace window: a
//! warning naming the family, never a token. Alone in its test binary: `tracing` caches per
//! call site whether anyone listens, and a test on another thread reaching the same call site
//! with no subscriber can make a thread-local capture miss the event.

#![allow(clippy::unwrap_used)]

mod common;

use auth_jwt::{Algorithm, Identity, MemoryRefreshStore, RefreshTokens};
use common::*;
use std::sync::Arc;
use std::time::Duration;

const SECRET: &[u8] = b"refresh-secret-refresh-secret-32";

struct Setup {
    tokens: RefreshTokens,
}

fn setup() -> Setup {
    let w = World::new(Algorithm::ES256);
    let tokens = RefreshTokens::builder(
        w.issuer.clone(),
        Arc::new(MemoryRefreshStore::new()),
        Arc::new(w.store.clone()),
        SECRET,
    )
    .with_clock(w.clock.clone())
    .with_ttl(Duration::from_secs(3600))
    .with_family_lifetime(Duration::from_secs(24 * 3600))
    .with_grace(Duration::from_secs(10))
    .build()
    .unwrap();
    Setup { tokens }
}

/// A `tracing` writer that keeps everything written, for looking at the logs.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn each_repeat_is_logged_at_warn_with_the_family_never_the_token() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let s = setup();
    let first = s.tokens.start(&Identity::new("alice")).await.unwrap();
    let client = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("presented again inside the grace window"))
        .unwrap_or_else(|| panic!("no warning for the repeat in {text:?}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("family=FamilyId("), "{line}");
    assert!(line.contains("repeats=1"), "{line}");
    for secret in [first.refresh.as_str(), client.refresh.as_str()] {
        assert!(!text.contains(secret), "a refresh token was logged: {text}");
    }
}
