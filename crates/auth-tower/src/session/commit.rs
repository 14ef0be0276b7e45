//! Committing a session after the response: create, save or clear, and what the cookie does.

use super::config::SessionConfig;
use super::cookie::CookieAction;
use super::handle::{Phase, Session, State};
use auth_core::{Error, SaveOutcome, SessionRecord, Timestamp, Touch};

impl Session {
    /// [`commit`](Self::commit) when it has nothing to write, which is most requests (no
    /// session, one nobody read, a read inside the touch interval): the same outcome without
    /// awaiting anything. `None` when the store must be written (or, rarely, a clone of the
    /// handle that outlived its handler holds the state): then `commit`.
    pub(crate) fn commit_without_store(&self) -> Option<CookieAction> {
        let mut state = self.try_lock_state()?;
        let config = self.config();
        let idle = match &state.phase {
            Phase::Unloaded | Phase::Ended => true,
            Phase::Fresh => state.changes.is_empty(),
            Phase::Active { record, .. } => {
                state.changes.is_empty() && !needs_touch(record, config, config.clock.now())
            }
        };
        idle.then(|| take_cookie(&mut state))
    }

    /// Write what the request changed. Called by the service after the inner response, with
    /// the state lock; returns the cookie action for the response.
    pub(crate) async fn commit(&self) -> Result<CookieAction, Error> {
        let mut state = self.lock_state().await;
        let config = self.config();
        let now = config.clock.now();
        let phase = std::mem::take(&mut state.phase);
        let mut changes = std::mem::take(&mut state.changes);
        match phase {
            Phase::Unloaded | Phase::Ended => {}
            Phase::Fresh => {
                // A dead cookie (unknown or expired id) is left alone rather than cleared: a
                // concurrent request may have just logged in and set a new cookie, and a
                // clearing response arriving after it would delete the new one. The dead id is
                // never adopted; it costs one store miss when a handler reads the session.
                if !changes.is_empty() {
                    let mut record =
                        SessionRecord::new(now, config.idle_timeout, config.absolute_timeout);
                    changes.apply_to(&mut record);
                    record.version = 0;
                    let id = self.create(&record).await?;
                    tracing::debug!(target: "auth_tower::session", session = ?id.key(), "session created");
                    state.cookie = CookieAction::Set(id);
                }
            }
            Phase::Active { key, record } => {
                if needs_touch(&record, config, now) {
                    changes.touch = Some(Touch {
                        last_seen_at: now,
                        idle_expires_at: now.saturating_add(config.idle_timeout),
                    });
                }
                if !changes.is_empty() {
                    match config.store.save(&key, &changes).await? {
                        SaveOutcome::Saved { .. } => {}
                        _ => {
                            // Deleted or rotated meanwhile (a logout, or a concurrent login):
                            // it stays deleted, and the cookie is left alone for the same
                            // reason as above.
                            tracing::debug!(target: "auth_tower::session", session = ?key, "session ended during the request; changes dropped");
                        }
                    }
                }
            }
        }
        Ok(std::mem::take(&mut state.cookie))
    }
}

/// Whether the idle expiry is due to be pushed forward (at most once per touch interval).
fn needs_touch(record: &SessionRecord, config: &SessionConfig, now: Timestamp) -> bool {
    now >= record.last_seen_at.saturating_add(config.touch_interval)
}

/// The end of a commit that writes nothing: the buffered state is spent, the cookie action
/// is the response's.
fn take_cookie(state: &mut State) -> CookieAction {
    state.phase = Phase::default();
    state.changes = Default::default();
    std::mem::take(&mut state.cookie)
}
