//! What the token endpoints log: never a subject (personal data) at info or above. Alone in
//! its test binary: `tracing` caches per call site whether anyone listens, and a test on
//! another thread reaching the same call site with no subscriber can make a thread-local
//! capture miss the event.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "tokens/world.rs"]
#[allow(dead_code)]
mod world;

use crate::common::send;
use crate::world::{bearer, login, world};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Every event at info or above, as its field names and values.
#[derive(Default, Clone)]
struct Captured(Arc<Mutex<Vec<(Level, String)>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
}

impl Subscriber for Captured {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let level = *event.metadata().level();
        if level <= Level::INFO {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            self.0.lock().unwrap().push((level, fields.0));
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn a_login_and_a_logout_everywhere_log_no_subject_at_info() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(captured.clone());
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&pair.access]),
    )
    .await;
    assert_eq!(r.status, 204);
    let events = captured.0.lock().unwrap().clone();
    assert!(
        events
            .iter()
            .any(|(_, fields)| fields.contains("logged in")),
        "the capture saw the login: {events:?}"
    );
    assert!(
        events.iter().all(|(_, fields)| !fields.contains("alice")),
        "a subject was logged at info or above: {events:?}"
    );
}
