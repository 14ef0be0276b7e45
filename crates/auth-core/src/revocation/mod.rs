//! Revocations: "this session / this token / everything this subject had before T is dead",
//! checked in-process on every request and spread to other instances through a feed.

mod feed_state;
pub use feed_state::FeedState;

use crate::error::Error;
use crate::session::SessionKey;
use crate::time::Timestamp;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;
use tokio::sync::broadcast;

/// How long a revocation list remembers a session or subject revocation by default: 30 days,
/// the default lifetime of a refresh-token family (the longest-lived credential the
/// workspace issues by default; sessions live 12 h and access tokens 15 min).
pub const DEFAULT_REVOCATION_HORIZON: Duration = Duration::from_secs(30 * 24 * 3600);

/// What a revocation applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationTarget {
    /// One session, and every access token minted from it (`sid`).
    Session {
        /// The session's key.
        key: SessionKey,
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

    /// Revoke a session until `expires_at`.
    pub fn session(key: SessionKey, expires_at: Timestamp) -> Self {
        Self {
            target: RevocationTarget::Session { key },
            expires_at,
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

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Session(SessionKey),
    Token(String),
    Subject(String),
}

/// The in-process revocation set that [`Revocations`] implementations keep: hash maps for
/// O(1) checks plus an expiry queue, so forgetting is proportional to what expires.
#[derive(Debug, Default)]
pub struct RevocationSet {
    sessions: HashMap<SessionKey, Timestamp>,
    tokens: HashMap<String, Timestamp>,
    subjects: HashMap<String, (Timestamp, Timestamp)>,
    expiry: BTreeSet<(Timestamp, Slot)>,
}

impl RevocationSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries the set holds.
    pub fn len(&self) -> usize {
        self.sessions.len() + self.tokens.len() + self.subjects.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add (or extend) a revocation. Returns whether the set changed.
    pub fn insert(&mut self, r: &Revocation) -> bool {
        let (slot, old_expiry) = match &r.target {
            RevocationTarget::Session { key } => {
                let old = self.sessions.get(key).copied();
                if old.is_some_and(|e| e >= r.expires_at) {
                    return false;
                }
                self.sessions.insert(*key, r.expires_at);
                (Slot::Session(*key), old)
            }
            RevocationTarget::Token { jti } => {
                let old = self.tokens.get(jti).copied();
                if old.is_some_and(|e| e >= r.expires_at) {
                    return false;
                }
                self.tokens.insert(jti.clone(), r.expires_at);
                (Slot::Token(jti.clone()), old)
            }
            RevocationTarget::SubjectBefore { subject, before } => {
                let old = self.subjects.get(subject).copied();
                let (b, e) = match old {
                    Some((ob, oe)) => ((*before).max(ob), r.expires_at.max(oe)),
                    None => (*before, r.expires_at),
                };
                if old == Some((b, e)) {
                    return false;
                }
                self.subjects.insert(subject.clone(), (b, e));
                self.expiry.remove(&(e, Slot::Subject(subject.clone())));
                (Slot::Subject(subject.clone()), old.map(|(_, oe)| oe))
            }
        };
        if let Some(old) = old_expiry {
            self.expiry.remove(&(old, slot.clone()));
        }
        let expires = match &slot {
            Slot::Subject(s) => self.subjects.get(s).map_or(r.expires_at, |&(_, e)| e),
            _ => r.expires_at,
        };
        self.expiry.insert((expires, slot));
        true
    }

    /// Whether anything in `probe` is revoked.
    pub fn contains(&self, probe: &RevocationProbe<'_>) -> bool {
        if probe.session.is_some_and(|k| self.sessions.contains_key(k)) {
            return true;
        }
        if probe.token_id.is_some_and(|j| self.tokens.contains_key(j)) {
            return true;
        }
        if let Some(subject) = probe.subject
            && let Some(&(before, _)) = self.subjects.get(subject)
        {
            // A credential with no issue time cannot prove it is newer: treat as revoked.
            return probe.issued_at.is_none_or(|iat| iat < before);
        }
        false
    }

    /// Forget entries whose expiry is at or before `now`; how many were forgotten.
    pub fn prune(&mut self, now: Timestamp) -> usize {
        let mut n = 0;
        while let Some((at, _)) = self.expiry.first() {
            if *at > now {
                break;
            }
            let Some((_, slot)) = self.expiry.pop_first() else {
                break;
            };
            match slot {
                Slot::Session(k) => {
                    self.sessions.remove(&k);
                }
                Slot::Token(j) => {
                    self.tokens.remove(&j);
                }
                Slot::Subject(s) => {
                    self.subjects.remove(&s);
                }
            }
            n += 1;
        }
        n
    }

    /// Every entry, for a snapshot.
    pub fn entries(&self) -> Vec<Revocation> {
        let mut out = Vec::with_capacity(self.len());
        for (key, &e) in &self.sessions {
            out.push(Revocation::session(*key, e));
        }
        for (jti, &e) in &self.tokens {
            out.push(Revocation::token(jti.clone(), e));
        }
        for (s, &(before, e)) in &self.subjects {
            out.push(Revocation::subject_before(s.clone(), before, e));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_unix_millis(ms)
    }

    #[test]
    fn checks_each_target() {
        let key = SessionKey::from_bytes([7; 32]);
        let mut set = RevocationSet::new();
        assert!(set.insert(&Revocation::session(key, t(100))));
        assert!(set.insert(&Revocation::token("j1", t(100))));
        assert!(set.insert(&Revocation::subject_before("u", t(50), t(100))));
        assert!(set.contains(&RevocationProbe {
            session: Some(&key),
            ..Default::default()
        }));
        assert!(set.contains(&RevocationProbe {
            token_id: Some("j1"),
            ..Default::default()
        }));
        assert!(!set.contains(&RevocationProbe {
            token_id: Some("j2"),
            ..Default::default()
        }));
        let old = RevocationProbe {
            subject: Some("u"),
            issued_at: Some(t(49)),
            ..Default::default()
        };
        let new = RevocationProbe {
            subject: Some("u"),
            issued_at: Some(t(50)),
            ..Default::default()
        };
        assert!(set.contains(&old));
        assert!(!set.contains(&new));
        assert_eq!(set.len(), 3);
    }

    #[test]
    fn session_and_subject_revocations_are_kept_for_the_horizon_tokens_as_given() {
        let key = SessionKey::from_bytes([3; 32]);
        let horizon = Duration::from_secs(30 * 24 * 3600);
        let now = t(1_000);
        let far = now.saturating_add(horizon);
        assert_eq!(
            Revocation::session(key, t(2_000))
                .retained(now, horizon)
                .expires_at,
            far
        );
        assert_eq!(
            Revocation::subject_before("u", now, t(2_000))
                .retained(now, horizon)
                .expires_at,
            far
        );
        let later = far.saturating_add(Duration::from_secs(1));
        assert_eq!(
            Revocation::session(key, later)
                .retained(now, horizon)
                .expires_at,
            later
        );
        assert_eq!(
            Revocation::token("j", t(2_000))
                .retained(now, horizon)
                .expires_at,
            t(2_000)
        );
    }

    #[test]
    fn prune_forgets_only_what_expired_and_watermarks_only_move_forward() {
        let mut set = RevocationSet::new();
        set.insert(&Revocation::token("a", t(10)));
        set.insert(&Revocation::token("b", t(20)));
        set.insert(&Revocation::subject_before("u", t(5), t(10)));
        set.insert(&Revocation::subject_before("u", t(3), t(30)));
        assert!(
            !set.insert(&Revocation::token("b", t(15))),
            "a shorter expiry changes nothing"
        );
        assert_eq!(set.prune(t(10)), 1);
        assert_eq!(set.len(), 2);
        let p = RevocationProbe {
            subject: Some("u"),
            issued_at: Some(t(4)),
            ..Default::default()
        };
        assert!(set.contains(&p), "watermark stayed at the later time");
        assert_eq!(set.prune(t(30)), 2);
        assert!(set.is_empty());
        assert_eq!(set.entries().len(), 0);
    }
}
