//! [`Session`]: the per-request handle handlers use. It loads the session from the store only
//! when first asked, buffers value changes, and leaves writing to the layer after the response.

use super::config::SessionConfig;
use super::cookie::CookieAction;
use super::error::SessionError;
use crate::rejection::Protocol;
use auth_core::{Error, Revocation, SessionId, SessionKey, SessionRecord, Timestamp};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

mod devices;
mod load;
mod login;
mod logout;
mod pending;
mod values;

use load::LoadFrom;

pub(crate) use pending::PendingValues;

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

/// What the handle's clones share. It is also the request's identity source (see
/// `session/context.rs`): the request's [`AuthContext`](auth_core::AuthContext) holds the same
/// allocation as the handle, not an `Arc` of a handle of its own.
pub(crate) struct Inner {
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

    /// `f` on the state and the config, if nobody holds the state. Without locking when this
    /// is the last handle (the handler and everything that cloned it are gone, the usual case
    /// after the response): the count of handles proves that nobody else can reach it.
    pub(super) fn with_state_now<R>(
        &mut self,
        f: impl FnOnce(&mut State, &SessionConfig) -> R,
    ) -> Option<R> {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            return Some(f(inner.state.get_mut(), &inner.config));
        }
        let mut state = self.inner.state.try_lock().ok()?;
        Some(f(&mut state, &self.inner.config))
    }
}

#[derive(Default)]
pub(super) struct State {
    pub(super) phase: Phase,
    /// Value changes not yet written.
    pub(super) changes: PendingValues,
    /// What the response must do with the cookie.
    pub(super) cookie: CookieAction,
    /// How far an answer without waiting got with the load before it had to give up (see
    /// `load.rs`): the awaited load goes on from there, without digesting the id again.
    load_from: Option<LoadFrom>,
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
        /// The store key of the id the request presented (or of the new id after a login),
        /// digested once per request.
        key: SessionKey,
        /// Shared with the store when it answered from memory ([`SessionStore::load_ready`]).
        ///
        /// [`SessionStore::load_ready`]: auth_core::SessionStore::load_ready
        record: Arc<SessionRecord>,
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

    fn err(&self, error: Error) -> SessionError {
        self.inner.err(error)
    }

    /// Lock the state, loading the session from the store if that has not happened yet.
    async fn loaded(&self) -> Result<MutexGuard<'_, State>, SessionError> {
        self.inner.loaded().await
    }

    /// The request's identity source: the state the handle's clones share.
    pub(crate) fn identity_source(&self) -> Arc<Inner> {
        self.inner.clone()
    }

    /// Publish a revocation, remembered for the list's horizon: as long as any credential
    /// minted from a session (refresh families and access tokens included) could live.
    ///
    /// Only for something that had an identity: a session key through
    /// [`revoke_session`](Self::revoke_session), a subject that is logged in, so an anonymous
    /// request can never grow the shared list.
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
}

impl Inner {
    pub(super) fn err(&self, error: Error) -> SessionError {
        SessionError::new(error, self.protocol, self.config.style.clone())
    }
}

impl Session {
    /// Revoke what was minted from the session under `key` (access tokens and refresh
    /// families carry it as `sid`), when its `record` had an identity: every way a logged-in
    /// session key stops being valid (logout, id rotation at login, another user logging in,
    /// a device revoked) comes through here. An anonymous session has minted nothing, so it
    /// publishes nothing: anonymous clients cannot grow the shared list.
    async fn revoke_session(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        let Some(subject) = record.subject() else {
            return Ok(());
        };
        // With its subject, so the list can bound what one subject adds (it collapses a
        // subject's many session entries into one watermark).
        let (key, subject) = (*key, subject.to_owned());
        self.publish(|_, until| Revocation::session_of(subject, key, until))
            .await
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}
