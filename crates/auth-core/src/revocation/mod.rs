//! Revocations: "this session / this token / everything this subject had before T is dead",
//! checked in-process on every request and spread to other instances through a feed.

#[cfg(feature = "feed")]
pub mod feed;
#[cfg(any(feature = "memory", feature = "feed", test))]
mod set;
#[cfg(any(feature = "memory", feature = "feed", test))]
pub(crate) use set::RevocationSet;

use crate::error::Error;
use crate::session::SessionKey;
use crate::time::Timestamp;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;
use tokio::sync::broadcast;

/// How long a revocation list remembers a session or subject revocation by default: 30 days,
/// the default lifetime of a refresh-token family (the longest-lived credential the
/// workspace issues by default; sessions live 12 h and access tokens 15 min).
pub const DEFAULT_REVOCATION_HORIZON: Duration = Duration::from_secs(30 * 24 * 3600);

/// How many session revocations of one subject a list keeps, by default, before it collapses
/// them into one subject watermark (see [`Revocation::session_of`]): 1,000.
///
/// A collapse ends every other session and token the subject was issued before it, so the
/// default is set where people never reach it (a thousand logouts within the horizon, 30 days)
/// and only an account in a login/logout loop does: one account then adds at most 1,001
/// entries (about 150 KB) to every instance. 64 was tried first; the soak's two accounts,
/// logging out about 700 times a minute each, met it within seconds and lost live tokens
/// to it, as a busy shared account or a script would.
pub const DEFAULT_SESSIONS_PER_SUBJECT: usize = 1000;

/// What a revocation applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationTarget {
    /// One session, and every access token minted from it (`sid`).
    Session {
        /// The session's key.
        key: SessionKey,
        /// The subject the session belonged to, when the revoker knew it. A list bounds what
        /// one subject can add: past a threshold it replaces the subject's session entries by
        /// one [`SubjectBefore`](Self::SubjectBefore) watermark, which revokes every credential
        /// they revoked (and the subject's other credentials issued before it). Entries without
        /// a subject are never collapsed. Absent from entries written before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subject: Option<String>,
    },
    /// One token, by its `jti`.
    Token {
        /// The token id.
        jti: String,
    },
    /// Everything a subject was issued before `before` ("log out everywhere", password change).
    SubjectBefore {
        /// The subject.
        subject: String,
        /// Credentials issued strictly before this time are revoked.
        before: Timestamp,
    },
}

/// A revocation and how long it must be remembered: no later than the expiry of the
/// longest-lived credential it can affect, so the set stays bounded.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Revocation {
    /// What is revoked.
    pub target: RevocationTarget,
    /// When the revocation may be forgotten.
    pub expires_at: Timestamp,
}

impl Revocation {
    /// Revoke `target` until `expires_at`.
    pub fn new(target: RevocationTarget, expires_at: Timestamp) -> Self {
        Self { target, expires_at }
    }

    /// Revoke a session until `expires_at`, without saying whose it was: prefer
    /// [`session_of`](Self::session_of), which lets the list bound what one subject adds.
    pub fn session(key: SessionKey, expires_at: Timestamp) -> Self {
        Self {
            target: RevocationTarget::Session { key, subject: None },
            expires_at,
        }
    }

    /// Revoke a session of `subject` until `expires_at`. The list counts such entries per
    /// subject: past its threshold (default [`DEFAULT_SESSIONS_PER_SUBJECT`]) it collapses
    /// them into one subject watermark "everything `subject` was issued before now", so a
    /// login/logout loop cannot grow the list without bound. Every credential minted from the
    /// session must carry `subject` (access tokens' `sub`, refresh families' identity): probes
    /// then still find it revoked through the watermark.
    ///
    /// ```
    /// use auth_core::{Clock, MemoryStore, Revocation, RevocationProbe, Revocations, SessionKey, SystemClock};
    /// use std::time::Duration;
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let list = MemoryStore::new();
    /// let key = SessionKey::from_bytes([7; 32]);
    /// let minted_at = SystemClock.now();
    /// let until = minted_at.saturating_add(list.horizon());
    /// list.revoke(Revocation::session_of("alice", key, until)).await?;
    /// let token = RevocationProbe {
    ///     session: Some(&key),
    ///     subject: Some("alice"),
    ///     issued_at: Some(minted_at),
    ///     ..Default::default()
    /// };
    /// assert!(list.is_revoked(&token)?);
    /// # Ok::<(), auth_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn session_of(subject: impl Into<String>, key: SessionKey, expires_at: Timestamp) -> Self {
        Self {
            target: RevocationTarget::Session {
                key,
                subject: Some(subject.into()),
            },
            expires_at,
        }
    }

    /// The subject this revocation is about, if it names one (a subject watermark, or a
    /// session revocation made with [`session_of`](Self::session_of)).
    pub fn subject(&self) -> Option<&str> {
        match &self.target {
            RevocationTarget::Session { subject, .. } => subject.as_deref(),
            RevocationTarget::SubjectBefore { subject, .. } => Some(subject),
            RevocationTarget::Token { .. } => None,
        }
    }

    /// Revoke a token id until `expires_at`.
    pub fn token(jti: impl Into<String>, expires_at: Timestamp) -> Self {
        Self {
            target: RevocationTarget::Token { jti: jti.into() },
            expires_at,
        }
    }

    /// Revoke everything `subject` was issued before `before`, remembered until `expires_at`.
    pub fn subject_before(
        subject: impl Into<String>,
        before: Timestamp,
        expires_at: Timestamp,
    ) -> Self {
        Self {
            target: RevocationTarget::SubjectBefore {
                subject: subject.into(),
                before,
            },
            expires_at,
        }
    }

    /// This revocation as a list whose horizon is `horizon` keeps it at `now`: a session or a
    /// subject watermark can affect any credential minted from that session or issued to that
    /// subject, including ones that outlive the session (refresh families, access tokens), so
    /// it is remembered for at least the horizon; a token id affects one token, whose own
    /// expiry the caller knows, so its expiry is kept as given.
    pub fn retained(mut self, now: Timestamp, horizon: Duration) -> Self {
        match self.target {
            RevocationTarget::Token { .. } => {}
            RevocationTarget::Session { .. } | RevocationTarget::SubjectBefore { .. } => {
                self.expires_at = self.expires_at.max(now.saturating_add(horizon));
            }
        }
        self
    }
}

/// The facts of a credential that revocation is checked against.
///
/// Give every fact the credential has: a list may have collapsed a subject's session
/// revocations into that subject's watermark (see [`Revocation::session_of`]), which only a
/// probe with the `subject` and `issued_at` finds.
#[derive(Debug, Clone, Copy, Default)]
pub struct RevocationProbe<'a> {
    /// The session the credential belongs to.
    pub session: Option<&'a SessionKey>,
    /// The token id.
    pub token_id: Option<&'a str>,
    /// The subject.
    pub subject: Option<&'a str>,
    /// When the credential was issued (compared with subject watermarks).
    pub issued_at: Option<Timestamp>,
}

/// A revocation list shared by every instance of a service.
///
/// Two promises make a list safe to put in front of credentials:
/// - **It forgets nothing too early.** A session or subject revocation is remembered for the
///   list's [`horizon`](Self::horizon), which must be at least the lifetime of the longest-lived
///   credential it guards; every component that takes a list (the session layer, the JWT
///   verifier, refresh tokens) checks that when it is built.
/// - **It fails closed when it may be behind.** A list fed by other instances that has been out
///   of step with them for longer than its bound answers [`is_revoked`](Self::is_revoked) with
///   an [`Unavailable`](crate::ErrorKind::Unavailable) error (a 503) until it has caught up.
#[async_trait]
pub trait Revocations: Send + Sync + fmt::Debug + 'static {
    /// Record a revocation (and publish it to other instances). Session and subject
    /// revocations are kept for at least the [`horizon`](Self::horizon) (see
    /// [`Revocation::retained`]).
    ///
    /// # Errors
    /// `Unavailable`/`Storage` if it could not be recorded.
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error>;

    /// Whether anything in `probe` is revoked. In-process, O(1), no I/O: this is on the hot path.
    ///
    /// # Errors
    /// [`Unavailable`](crate::ErrorKind::Unavailable) when the list cannot vouch for its answer
    /// (its feed has been out of sync for longer than its bound): fail closed.
    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error>;

    /// How long session and subject revocations are remembered: the longest lifetime of any
    /// credential this list may guard.
    fn horizon(&self) -> Duration;

    /// Whether the list is in step with every other instance, for a readiness probe: `Ok`, or
    /// the `Unavailable` error [`is_revoked`](Self::is_revoked) answers with while it is not.
    ///
    /// # Errors
    /// `Unavailable` while the list is out of sync for longer than its bound.
    fn health(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Refuse, at build time, to guard `what` (a credential living up to `lifetime`) with a
    /// list that would forget its revocations before it expires.
    ///
    /// # Errors
    /// [`Config`](crate::ErrorKind::Config), naming both durations.
    fn require_horizon(&self, what: &str, lifetime: Duration) -> Result<(), Error> {
        let horizon = self.horizon();
        if horizon < lifetime {
            return Err(Error::config(format!(
                "the revocation list remembers revocations for {horizon:?}, but {what} live up to \
                 {lifetime:?}: a revoked one would come back to life; give the list a horizon of \
                 at least {lifetime:?}"
            )));
        }
        Ok(())
    }

    /// A feed of revocations as this instance learns of them (its own and other instances').
    /// Caches subscribe to drop what was revoked.
    fn subscribe(&self) -> broadcast::Receiver<Revocation>;
}

/// A shared handle is a revocation list too, so one list can be given to the session layer,
/// the verifier and refresh tokens alike.
#[async_trait]
impl<T: Revocations + ?Sized> Revocations for std::sync::Arc<T> {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        (**self).revoke(revocation).await
    }

    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        (**self).is_revoked(probe)
    }

    fn horizon(&self) -> Duration {
        (**self).horizon()
    }

    fn health(&self) -> Result<(), Error> {
        (**self).health()
    }

    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        (**self).subscribe()
    }
}
