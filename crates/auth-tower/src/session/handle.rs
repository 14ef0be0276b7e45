//! [`Session`]: the per-request handle handlers use. It loads the session from the store only
//! when first asked, buffers value changes, and leaves writing to the layer after the response.

use super::config::SessionConfig;
use super::cookie::CookieAction;
use super::error::SessionError;
use crate::rejection::Protocol;
use auth_core::{
    AuthMethod, Error, ErrorKind, Identity, Revocation, RevocationProbe, SessionChanges,
    SessionEntry, SessionId, SessionKey, SessionRecord, Timestamp,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

/// How many fresh ids to try when one collides (2^-256 odds: a collision means a broken RNG
/// or a hostile store, and we give up rather than overwrite).
const CREATE_ATTEMPTS: usize = 3;

/// The session of the current request.
///
/// Get it from the request extensions (or as an axum extractor). Cheap to clone; clones share
/// state. Reads load the session on first use (a request that never asks costs no store call);
/// [`insert`](Self::insert) and [`remove`](Self::remove) are buffered and written after the
/// response, only if something changed; [`login`](Self::login) and [`logout`](Self::logout)
/// act at once, so their failures reach the handler.
#[derive(Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<SessionConfig>,
    protocol: Protocol,
    /// The id the request presented, if well-formed.
    presented: Option<SessionId>,
    state: Mutex<State>,
}

impl Session {
    pub(super) fn config(&self) -> &SessionConfig {
        &self.inner.config
    }

    pub(super) async fn lock_state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().await
    }
}

#[derive(Default)]
pub(super) struct State {
    pub(super) phase: Phase,
    /// Value changes not yet written.
    pub(super) changes: SessionChanges,
    /// What the response must do with the cookie.
    pub(super) cookie: CookieAction,
}

#[derive(Default)]
pub(super) enum Phase {
    /// The store has not been asked yet.
    #[default]
    Unloaded,
    /// No session in the store (no cookie, or an unknown or expired id): a fresh anonymous
    /// one, created only if something is written.
    Fresh,
    /// A live session.
    Active {
        id: SessionId,
        record: Box<SessionRecord>,
    },
    /// Logged out in this request: nothing more is written.
    Ended,
}

impl Session {
    pub(crate) fn new(
        config: Arc<SessionConfig>,
        protocol: Protocol,
        presented: Option<SessionId>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                protocol,
                presented,
                state: Mutex::new(State::default()),
            }),
        }
    }

    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn protocol(&self) -> Protocol {
        self.inner.protocol
    }

    fn err(&self, error: Error) -> SessionError {
        SessionError::new(error, self.inner.protocol, self.inner.config.style.clone())
    }

    /// Lock the state, loading the session from the store if that has not happened yet.
    async fn loaded(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        let mut state = self.inner.state.lock().await;
        if matches!(state.phase, Phase::Unloaded) {
            state.phase = self.load().await.map_err(|e| self.err(e))?;
        }
        Ok(state)
    }

    async fn load(&self) -> Result<Phase, Error> {
        let Some(id) = &self.inner.presented else {
            return Ok(Phase::Fresh);
        };
        let config = &self.inner.config;
        let key = id.key();
        match config.store.load(&key).await? {
            Some(record) if !record.is_expired(config.clock.now()) => {
                if self.is_revoked(&key, &record)? {
                    tracing::info!(target: "auth::session", session = ?key, "session revoked; treated as absent");
                    // Best effort: the revocation alone already keeps it dead.
                    let _ = config.store.delete(&key).await;
                    return Ok(Phase::Fresh);
                }
                tracing::debug!(target: "auth::session", session = ?key, "session loaded");
                Ok(Phase::Active {
                    id: id.clone(),
                    record: Box::new(record),
                })
            }
            _ => {
                tracing::debug!(target: "auth::session", session = ?key, "unknown or expired session id");
                Ok(Phase::Fresh)
            }
        }
    }

    /// Whether the shared revocation list ends this session (in process, no I/O); an error
    /// when the list cannot vouch for its answer (fail closed).
    fn is_revoked(&self, key: &SessionKey, record: &SessionRecord) -> Result<bool, Error> {
        let Some(revocations) = &self.inner.config.revocations else {
            return Ok(false);
        };
        let identity = record.identity.as_ref();
        revocations.is_revoked(&RevocationProbe {
            session: Some(key),
            token_id: None,
            subject: identity.map(Identity::subject),
            issued_at: identity.and_then(Identity::authenticated_at),
        })
    }

    /// Publish a revocation, remembered for the list's horizon: as long as any credential
    /// minted from a session (refresh families and access tokens included) could live.
    ///
    /// Only for something that existed: callers publish for a session they loaded live, or
    /// one the store reports it really deleted, so an anonymous request can never grow the
    /// shared list.
    async fn publish(
        &self,
        target: impl FnOnce(Timestamp, Timestamp) -> Revocation,
    ) -> Result<(), Error> {
        let config = &self.inner.config;
        let Some(revocations) = &config.revocations else {
            return Ok(());
        };
        let now = config.clock.now();
        revocations
            .revoke(target(now, now.saturating_add(revocations.horizon())))
            .await
    }

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
            Phase::Active { id, record } => record.identity.clone().map(|identity| {
                identity
                    .with_session(Some(id.key()))
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
            Phase::Active { id, .. } => Some(id.key()),
            _ => None,
        })
    }

    /// Log `identity` in: the session gets a new id (session fixation defence), keeps its
    /// values, and the response sends the new cookie. Logging in as a different subject than
    /// the one logged in starts a new, empty session instead.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    pub async fn login(&self, identity: Identity) -> Result<(), SessionError> {
        let mut state = self.loaded().await?;
        self.login_locked(&mut state, identity)
            .await
            .map_err(|e| self.err(e))
    }

    async fn login_locked(&self, state: &mut State, identity: Identity) -> Result<(), Error> {
        let config = &self.inner.config;
        let now = config.clock.now();
        let identity = match identity.authenticated_at() {
            Some(_) => identity,
            None => identity.with_authenticated_at(now),
        }
        // The session key and expiry are derived when read; never stored in the identity.
        .with_session(None)
        .with_expires_at(None)
        .with_method(AuthMethod::Session);
        let subject = identity.subject().to_owned();

        let mut changes = std::mem::take(&mut state.changes);
        changes.identity = Some(Some(identity));
        changes.touch = Some(auth_core::Touch {
            last_seen_at: now,
            idle_expires_at: now.saturating_add(config.idle_timeout),
        });

        let previous = std::mem::take(&mut state.phase);
        let rotated = match previous {
            Phase::Active { id, record } if record.subject().is_none_or(|s| s == subject) => {
                self.rotate(&id.key(), &changes).await?
            }
            Phase::Active { id, .. } => {
                // Another user logs in on this browser: nothing of the previous user's session
                // may carry over.
                config.store.delete(&id.key()).await?;
                None
            }
            _ => None,
        };
        let (id, record) = match rotated {
            Some(done) => done,
            None => {
                let mut record =
                    SessionRecord::new(now, config.idle_timeout, config.absolute_timeout);
                changes.apply_to(&mut record);
                record.version = 0;
                let id = self.create(&record).await?;
                (id, record)
            }
        };
        tracing::info!(target: "auth::session", session = ?id.key(), "logged in; session id rotated");
        state.cookie = CookieAction::Set(id.clone());
        state.phase = Phase::Active {
            id,
            record: Box::new(record),
        };
        Ok(())
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<(SessionId, SessionRecord)>, Error> {
        for _ in 0..CREATE_ATTEMPTS {
            let id = SessionId::generate()?;
            match self
                .inner
                .config
                .store
                .rotate(old, &id.key(), changes)
                .await
            {
                Ok(Some(record)) => return Ok(Some((id, record))),
                Ok(None) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::Collision => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::storage("could not find a free session id"))
    }

    /// Create `record` under a fresh id.
    pub(crate) async fn create(&self, record: &SessionRecord) -> Result<SessionId, Error> {
        for _ in 0..CREATE_ATTEMPTS {
            let id = SessionId::generate()?;
            match self.inner.config.store.create(&id.key(), record).await {
                Ok(()) => return Ok(id),
                Err(e) if e.kind() == ErrorKind::Collision => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::storage("could not find a free session id"))
    }

    /// Log out: delete the session from the store and clear the cookie.
    ///
    /// # Errors
    /// 503 if the store cannot be reached (the session is then still alive).
    pub async fn logout(&self) -> Result<(), SessionError> {
        let mut state = self.inner.state.lock().await;
        // (key, whether it is known to be a live session)
        let target = match &state.phase {
            Phase::Active { id, .. } => Some((id.key(), true)),
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
                tracing::info!(target: "auth::session", session = ?key, "logged out");
            } else {
                tracing::debug!(target: "auth::session", "logout without a session: nothing to revoke");
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
        tracing::info!(target: "auth::session", sessions = n, "logged out everywhere");
        self.end(&mut state);
        Ok(n)
    }

    fn end(&self, state: &mut State) {
        state.phase = Phase::Ended;
        state.changes = SessionChanges::default();
        state.cookie = CookieAction::Clear;
    }

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

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}
