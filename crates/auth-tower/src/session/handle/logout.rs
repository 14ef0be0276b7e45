//! Logging out of this session or of all of a subject's sessions, publishing revocations only
//! for sessions that existed.

use super::{Phase, Session, State};
use crate::session::SessionError;
use crate::session::cookie::CookieAction;
use auth_core::{Revocation, SessionChanges};

impl Session {
    /// Log out: delete the session from the store and clear the cookie.
    ///
    /// # Errors
    /// 503 if the store cannot be reached (the session is then still alive).
    pub async fn logout(&self) -> Result<(), SessionError> {
        let mut state = self.inner.state.lock().await;
        // (key, whether it is known to be a live session)
        let target = match &state.phase {
            Phase::Active { key, .. } => Some((*key, true)),
            Phase::Unloaded => self.inner.presented.as_ref().map(|id| (id.key(), false)),
            Phase::Fresh | Phase::Ended => None,
        };
        if let Some((key, live)) = target {
            let deleted = self
                .inner
                .config
                .store
                .delete(&key)
                .await
                .map_err(|e| self.err(e))?;
            // A well-formed cookie proves nothing: revoke only a session that existed.
            if live || deleted {
                self.publish(|_, until| Revocation::session(key, until))
                    .await
                    .map_err(|e| self.err(e))?;
                tracing::info!(target: "auth_tower::session", session = ?key, "logged out");
            } else {
                tracing::debug!(target: "auth_tower::session", "logout without a session: nothing to revoke");
            }
        }
        self.end(&mut state);
        Ok(())
    }

    /// Log the subject out of every session they have (all devices), this one included.
    /// Returns how many sessions were deleted. Anonymous sessions just log out.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn logout_everywhere(&self) -> Result<u64, SessionError> {
        let subject = self.identity().await?.map(|i| i.subject().to_owned());
        let Some(subject) = subject else {
            self.logout().await?;
            return Ok(0);
        };
        let mut state = self.inner.state.lock().await;
        let n = self
            .inner
            .config
            .store
            .delete_subject(&subject)
            .await
            .map_err(|e| self.err(e))?;
        self.publish(|now, until| Revocation::subject_before(subject.clone(), now, until))
            .await
            .map_err(|e| self.err(e))?;
        tracing::info!(target: "auth_tower::session", sessions = n, "logged out everywhere");
        self.end(&mut state);
        Ok(n)
    }

    fn end(&self, state: &mut State) {
        state.phase = Phase::Ended;
        state.changes = SessionChanges::default();
        state.cookie = CookieAction::Clear;
    }
}
