//! Loading the session when first asked: at once when the store answers from memory
//! ([`SessionStore::load_ready`](auth_core::SessionStore::load_ready)), else awaited.

use super::{Inner, Phase, State};
use crate::decision::{self, Outcome};
use crate::session::SessionError;
use auth_core::{AuthMethod, Error, Identity, RevocationProbe, SessionKey, SessionRecord};
use std::sync::Arc;
use tokio::sync::MutexGuard;

/// How far a load got without awaiting anything.
enum Start {
    /// Done: the phase the session is in, or the store's error.
    Done(Result<Phase, Error>),
    /// The rest must be awaited.
    Wait(LoadFrom),
}

/// What is left of a load that has to await the store.
pub(super) enum LoadFrom {
    /// The store must be asked for the record under this key.
    Fetch(SessionKey),
    /// The record is revoked: it is deleted (awaited), and the session is fresh.
    Revoked(SessionKey),
}

/// What the record the store gave means for this request.
enum Checked {
    Live(Phase),
    Revoked(SessionKey),
}

impl Inner {
    /// Lock the state, loading the session from the store if that has not happened yet.
    pub(super) async fn loaded(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        // Uncontended (the usual case: one handler, one handle), `try_lock` takes the lock
        // without building and polling an acquire future; it never jumps a queue (a lock
        // with waiters has no permit to take), so the order of waiting clones is the same.
        let mut state = match self.state.try_lock() {
            Ok(state) => state,
            Err(_) => self.state.lock().await,
        };
        if matches!(state.phase, Phase::Unloaded) {
            let from = state.load_from.take();
            let phase = self.load(from).await.map_err(|e| self.err(e))?;
            self.settle(&mut state, phase);
        }
        Ok(state)
    }

    /// The state, loaded, when that needs no waiting: nobody else holds it, and it is loaded
    /// already or the store answers from memory. `None`: use [`loaded`](Self::loaded).
    fn loaded_now(&self) -> Option<Result<MutexGuard<'_, State>, SessionError>> {
        let mut state = self.state.try_lock().ok()?;
        if matches!(state.phase, Phase::Unloaded) {
            match self.start_load() {
                Start::Done(Ok(phase)) => self.settle(&mut state, phase),
                Start::Done(Err(e)) => return Some(Err(self.err(e))),
                Start::Wait(from) => {
                    state.load_from = Some(from);
                    return None;
                }
            }
        }
        Some(Ok(state))
    }

    /// Record the loaded `phase`: the session layer's decision, made when someone first asks
    /// (a failed load is counted as the refusal it becomes).
    fn settle(&self, state: &mut State, phase: Phase) {
        state.phase = phase;
        let outcome = match state.phase {
            Phase::Active { .. } => Outcome::Accepted,
            _ => Outcome::Anonymous,
        };
        decision::record(self.config.style.decider(), outcome);
    }

    /// Load the session, going on `from` where an answer without waiting gave up, if one
    /// was tried.
    async fn load(&self, from: Option<LoadFrom>) -> Result<Phase, Error> {
        let from = match from {
            Some(from) => from,
            None => match self.start_load() {
                Start::Done(phase) => return phase,
                Start::Wait(from) => from,
            },
        };
        let key = match from {
            LoadFrom::Revoked(key) => return Ok(self.delete_revoked(&key).await),
            LoadFrom::Fetch(key) => key,
        };
        let record = self.config.store.load(&key).await?.map(Arc::new);
        match self.check(key, record)? {
            Checked::Live(phase) => Ok(phase),
            Checked::Revoked(key) => Ok(self.delete_revoked(&key).await),
        }
    }

    /// The load as far as it goes without awaiting: the id digested once, the store asked
    /// for an answer from memory.
    fn start_load(&self) -> Start {
        let Some(id) = &self.presented else {
            return Start::Done(Ok(Phase::Fresh));
        };
        let key = id.key();
        let record = match self.config.store.load_ready(&key) {
            Some(Ok(record)) => record,
            Some(Err(e)) => return Start::Done(Err(e)),
            None => return Start::Wait(LoadFrom::Fetch(key)),
        };
        match self.check(key, record) {
            Ok(Checked::Live(phase)) => Start::Done(Ok(phase)),
            Ok(Checked::Revoked(key)) => Start::Wait(LoadFrom::Revoked(key)),
            Err(e) => Start::Done(Err(e)),
        }
    }

    fn check(&self, key: SessionKey, record: Option<Arc<SessionRecord>>) -> Result<Checked, Error> {
        match record {
            Some(record) if !record.is_expired(self.config.clock.now()) => {
                if self.is_revoked(&key, &record)? {
                    tracing::info!(target: "auth_tower::session", session = ?key, "session revoked; treated as absent");
                    return Ok(Checked::Revoked(key));
                }
                tracing::debug!(target: "auth_tower::session", session = ?key, "session loaded");
                Ok(Checked::Live(Phase::Active { key, record }))
            }
            _ => {
                tracing::debug!(target: "auth_tower::session", session = ?key, "unknown or expired session id");
                Ok(Checked::Live(Phase::Fresh))
            }
        }
    }

    /// A revoked session is treated as absent, and deleted.
    async fn delete_revoked(&self, key: &SessionKey) -> Phase {
        // Best effort: the revocation alone already keeps it dead.
        let _ = self.config.store.delete(key).await;
        Phase::Fresh
    }

    /// Whether the shared revocation list ends this session (in process, no I/O); an error
    /// when the list cannot vouch for its answer (fail closed).
    fn is_revoked(&self, key: &SessionKey, record: &SessionRecord) -> Result<bool, Error> {
        let Some(revocations) = &self.config.revocations else {
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

    /// [`Session::identity`](super::Session::identity), for the handle and for the
    /// request's identity source.
    pub(crate) async fn identity(&self) -> Result<Option<Identity>, SessionError> {
        Ok(identity_of(&*self.loaded().await?))
    }

    /// [`identity`](Self::identity) when it needs no waiting (see `loaded_now`): what the
    /// request's identity source answers without a boxed future.
    pub(crate) fn identity_now(&self) -> Option<Result<Option<Identity>, SessionError>> {
        Some(self.loaded_now()?.map(|state| identity_of(&state)))
    }
}

/// Who the loaded session says the request is from.
fn identity_of(state: &State) -> Option<Identity> {
    match &state.phase {
        Phase::Active { key, record } => record.identity.clone().map(|identity| {
            identity
                .with_session(Some(*key))
                .with_method(AuthMethod::Session)
                .with_expires_at(Some(record.expires_at()))
        }),
        _ => None,
    }
}
