//! The "your devices" page: listing the subject's sessions and ending one of them.

use super::Session;
use crate::session::SessionError;
use auth_core::{Revocation, SessionEntry, SessionKey};

impl Session {
    /// The logged-in subject's live sessions ("your devices"), oldest first; empty when
    /// anonymous.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn sessions(&self) -> Result<Vec<SessionEntry>, SessionError> {
        match self.identity().await? {
            Some(identity) => self
                .inner
                .config
                .store
                .list_subject(identity.subject())
                .await
                .map_err(|e| self.err(e)),
            None => Ok(Vec::new()),
        }
    }

    /// End one of the logged-in subject's sessions (a "revoke" button on a devices page).
    /// Returns `false`, touching nothing, if `key` is not a live session of the same subject.
    /// Revoking the current session is a [`logout`](Self::logout).
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn revoke(&self, key: &SessionKey) -> Result<bool, SessionError> {
        let Some(identity) = self.identity().await? else {
            return Ok(false);
        };
        if identity.session() == Some(key) {
            self.logout().await?;
            return Ok(true);
        }
        let store = &self.inner.config.store;
        let owned = store
            .load(key)
            .await
            .map_err(|e| self.err(e))?
            .is_some_and(|r| r.subject() == Some(identity.subject()));
        if !owned {
            return Ok(false);
        }
        let deleted = store.delete(key).await.map_err(|e| self.err(e))?;
        if deleted {
            let key = *key;
            self.publish(|_, until| Revocation::session(key, until))
                .await
                .map_err(|e| self.err(e))?;
        }
        Ok(deleted)
    }
}
