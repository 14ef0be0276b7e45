//! Committing a session after the response: create, save or clear, and what the cookie does.

use super::config::SessionConfig;
use super::cookie::CookieAction;
use super::handle::{Phase, Session, State};
use auth_core::{Error, SaveOutcome, SessionChanges, SessionKey, SessionRecord, Timestamp, Touch};

/// A commit that needs no answer from the store before the response: nothing to write (most
/// requests: no session, one nobody read, a read inside the touch interval), or only the idle
/// expiry to push forward.
pub(crate) struct Quick {
    /// What the response does with the cookie.
    pub(crate) cookie: CookieAction,
    /// A touch to write, if one is due.
    pub(crate) touch: Option<TouchWrite>,
}

/// A touch-only write: nothing the user asked for depends on it, so it may land after the
/// response (and a failure is logged, never answered with an error).
pub(crate) struct TouchWrite {
    pub(crate) key: SessionKey,
    pub(crate) changes: SessionChanges,
}

impl Session {
    /// [`commit`](Self::commit) when no write has to land before the response: the same
    /// outcome without awaiting anything, with the touch (if due) left to the caller to write
    /// after the response. `None` when the request changed something (or, rarely, a clone of
    /// the handle that outlived its handler holds the state): then `commit`.
    ///
    /// Also says whether the request loaded a live session, so its response may show what
    /// only that user may see (and must not be cached); a handle that is still held elsewhere
    /// counts as yes. One look at the state answers both, without locking it when the
    /// handler kept no clone of the handle (each lock and release of the state's async
    /// mutex costs a few hundred instructions).
    pub(crate) fn commit_without_store(&mut self) -> (bool, Option<Quick>) {
        self.with_state_now(|state, config| {
            let private = matches!(state.phase, Phase::Active { .. });
            if !state.changes.is_empty() {
                return (private, None);
            }
            let touch = match &state.phase {
                Phase::Active { key, record } => {
                    let now = config.clock.now();
                    needs_touch(record, config, now).then(|| TouchWrite {
                        key: *key,
                        changes: touch_changes(record, config, now),
                    })
                }
                Phase::Unloaded | Phase::Ended | Phase::Fresh => None,
            };
            let quick = Quick {
                cookie: take_cookie(state),
                touch,
            };
            (private, Some(quick))
        })
        .unwrap_or((true, None))
    }

    /// Write what the request changed. Called by the service after the inner response, with
    /// the state lock; returns the cookie action for the response.
    pub(crate) async fn commit(&self) -> Result<CookieAction, Error> {
        let mut state = self.lock_state().await;
        let config = self.config();
        let now = config.clock.now();
        let phase = std::mem::take(&mut state.phase);
        let mut changes = std::mem::take(&mut state.changes).into_changes();
        match phase {
            Phase::Unloaded | Phase::Ended => {}
            Phase::Fresh => {
                // A dead cookie (unknown or expired id) is left alone rather than cleared: a
                // concurrent request may have just logged in and set a new cookie, and a
                // clearing response arriving after it would delete the new one. The dead id is
                // never adopted; it costs one store miss when a handler reads the session.
                if !changes.is_empty() {
                    // No identity yet: the short anonymous idle timeout, until a login.
                    let mut record = SessionRecord::new(
                        now,
                        config.anonymous_idle_timeout,
                        config.absolute_timeout,
                    );
                    changes.apply_to(&mut record);
                    record.version = 0;
                    let id = self.create(&record).await?;
                    tracing::debug!(target: "auth_tower::session", session = ?id.key(), "session created");
                    state.cookie = CookieAction::Set(id);
                }
            }
            Phase::Active { key, record } => {
                if needs_touch(&record, config, now) {
                    changes.touch = touch_changes(&record, config, now).touch;
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

/// Whether the idle expiry is due to be pushed forward (at most once per touch interval, and
/// at least every half of a shorter anonymous idle timeout, so an active visitor keeps theirs).
fn needs_touch(record: &SessionRecord, config: &SessionConfig, now: Timestamp) -> bool {
    let interval = if record.identity.is_some() {
        config.touch_interval
    } else {
        config.touch_interval.min(config.anonymous_idle_timeout / 2)
    };
    now >= record.last_seen_at.saturating_add(interval)
}

/// The changes of a touch at `now`: the idle timeout of a logged-in session, the short one of
/// a session without an identity.
fn touch_changes(record: &SessionRecord, config: &SessionConfig, now: Timestamp) -> SessionChanges {
    let idle = if record.identity.is_some() {
        config.idle_timeout
    } else {
        config.anonymous_idle_timeout
    };
    let mut changes = SessionChanges::default();
    changes.touch = Some(Touch::new(now, now.saturating_add(idle)));
    changes
}

/// The end of a commit that writes nothing (its changes are empty, so there is nothing to
/// drop there): the buffered state is spent, the cookie action is the response's.
fn take_cookie(state: &mut State) -> CookieAction {
    debug_assert!(state.changes.is_empty());
    state.phase = Phase::default();
    std::mem::take(&mut state.cookie)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rejection::Protocol;
    use crate::session::SessionLayer;
    use auth_core::MemoryStore;

    fn session() -> Session {
        let layer = SessionLayer::builder(MemoryStore::new())
            .build()
            .expect("config");
        Session::new(layer.into_config(), Protocol::Http, None)
    }

    /// The state is reached without the lock from the last handle, through the lock while a
    /// clone lives, and not at all while a clone holds it: the answers agree.
    #[tokio::test]
    async fn every_way_to_the_state_commits_alike() {
        let mut last = session();
        assert_eq!(last.get::<u64>("n").await.unwrap(), None);
        let (private, quick) = last.commit_without_store();
        assert!(!private && quick.is_some_and(|q| q.cookie == CookieAction::Keep));

        let mut shared = session();
        let clone = shared.clone();
        assert_eq!(clone.get::<u64>("n").await.unwrap(), None);
        let (private, quick) = shared.commit_without_store();
        assert!(!private && quick.is_some_and(|q| q.cookie == CookieAction::Keep));

        let held = clone.lock_state().await;
        let (private, quick) = shared.commit_without_store();
        assert!(private && quick.is_none(), "a held state counts as private");
        drop(held);

        clone.insert("n", 1u64).await.unwrap();
        let (_, quick) = shared.commit_without_store();
        assert!(quick.is_none(), "a change needs the store");
    }
}
