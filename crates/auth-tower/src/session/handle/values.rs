//! Reading and buffering the session's values, and who is logged in.

use super::{Phase, Session};
use crate::session::SessionError;
use auth_core::{AuthMethod, Error, Identity, SessionKey};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl Session {
    /// The value stored under `name`, if any.
    ///
    /// # Errors
    /// 503 if the store cannot be reached; 500 if the value is not a `T`.
    pub async fn get<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, SessionError> {
        let state = self.loaded().await?;
        let value = if state.changes.removed.contains(name) {
            None
        } else if let Some(v) = state.changes.set.get(name) {
            Some(v)
        } else if let Phase::Active { record, .. } = &state.phase {
            record.values.get(name)
        } else {
            None
        };
        value
            .map(|v| T::deserialize(v).map_err(|e| self.err(Error::from(e))))
            .transpose()
    }

    /// Store `value` under `name` (written after the response; nothing is written if the value
    /// is unchanged).
    ///
    /// # Errors
    /// 503 if the store cannot be reached; 500 if the value cannot be serialized.
    pub async fn insert<T: Serialize>(&self, name: &str, value: T) -> Result<(), SessionError> {
        let value = serde_json::to_value(value).map_err(|e| self.err(Error::from(e)))?;
        let mut state = self.loaded().await?;
        let unchanged = match &state.phase {
            Phase::Active { record, .. } => {
                !state.changes.removed.contains(name)
                    && state
                        .changes
                        .set
                        .get(name)
                        .or_else(|| record.values.get(name))
                        == Some(&value)
            }
            _ => false,
        };
        if !unchanged && !matches!(state.phase, Phase::Ended) {
            state.changes.insert(name.to_owned(), value);
        }
        Ok(())
    }

    /// Remove the value under `name`; whether there was one.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn remove(&self, name: &str) -> Result<bool, SessionError> {
        let mut state = self.loaded().await?;
        let existed = match &state.phase {
            Phase::Active { record, .. } => {
                state.changes.set.contains_key(name)
                    || (record.values.contains_key(name) && !state.changes.removed.contains(name))
            }
            _ => state.changes.set.contains_key(name),
        };
        if existed {
            if matches!(state.phase, Phase::Active { .. }) {
                state.changes.remove(name.to_owned());
            } else {
                state.changes.set.remove(name);
            }
        }
        Ok(existed)
    }

    /// Who is logged in to this session, if anyone.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn identity(&self) -> Result<Option<Identity>, SessionError> {
        let state = self.loaded().await?;
        Ok(match &state.phase {
            Phase::Active { key, record } => record.identity.clone().map(|identity| {
                identity
                    .with_session(Some(*key))
                    .with_method(AuthMethod::Session)
                    .with_expires_at(Some(record.expires_at()))
            }),
            _ => None,
        })
    }

    /// The public key of the current session (what `sessions()` lists), if there is one.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn key(&self) -> Result<Option<SessionKey>, SessionError> {
        let state = self.loaded().await?;
        Ok(match &state.phase {
            Phase::Active { key, .. } => Some(*key),
            _ => None,
        })
    }
}
