//! The background task that keeps a [`RemoteJwks`](super::RemoteJwks) fresh.

use super::Shared;
use std::sync::{Arc, Weak};
use tokio::sync::Notify;

/// Sleep until the next refresh (or stale deadline), act, repeat; stop when the last handle is
/// dropped. Holds only a weak reference between rounds.
pub(super) async fn run(shared: Weak<Shared>, stop: Arc<Notify>) {
    loop {
        let wait = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            shared.next_wait(shared.now())
        };
        if tokio::time::timeout(wait, stop.notified()).await.is_ok() {
            return;
        }
        let Some(shared) = shared.upgrade() else {
            return;
        };
        let now = shared.now();
        shared.expire_if_stale(now);
        if shared.refresh_due(now) {
            // Failures are logged and rescheduled by the fetch itself.
            let _ = shared.fetch_single_flight(None).await;
        }
    }
}
