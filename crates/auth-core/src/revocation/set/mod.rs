//! [`RevocationSet`]: what a list holds in memory, and the rule that keeps one subject from
//! growing it without bound.
//!
//! # Collapsing a subject's session entries
//! A session entry that names its subject (`Revocation::session_of`) is *covered* by that
//! subject's watermark ("everything issued strictly before `before`") when its expiry is
//! earlier than `before + horizon`. Every list gives a session entry an expiry of at least its
//! revocation time plus the horizon ([`Revocation::retained`]), so a covered entry was revoked
//! strictly before `before`; every credential minted from that session (access tokens, refresh
//! families, the session itself) was issued no later than its revocation and carries the
//! subject, so the watermark revokes it too, for at least as long (its expiry is at least
//! `before + horizon`). A covered entry is therefore redundant, and the set drops it.
//!
//! Order does not matter, which is what makes snapshot + delta merges safe: a watermark's
//! `before` only moves forward, so "covered" only ever grows; a session entry is refused on
//! insert if the current watermark covers it, and a watermark drops the entries it covers when
//! it arrives. Whatever order the feed, a snapshot page and our own writes deliver entries in
//! (a session entry collapsed in the store may arrive from a buffered message after the
//! snapshot brought its watermark, or before it), the set ends up holding the same entries,
//! and never drops a session revoked after the watermark (its expiry is past
//! `before + horizon`). The stores collapse by the same rule (Redis and PostgreSQL remove the
//! subject's session entries whose expiry is earlier than `before + horizon`), so the in-memory set
//! and the shared one agree on what is left.
//!
//! Every instance sharing a list must use the same horizon (the default): an instance with a
//! longer horizon than the one that revoked a session would count it as covered too early.
//! A set built without a horizon (`RevocationSet::new`, in tests) drops nothing.

use super::{Revocation, RevocationProbe, RevocationTarget};
use crate::session::SessionKey;
use crate::time::Timestamp;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Slot {
    Session(SessionKey),
    Token(String),
    Subject(String),
}

#[derive(Debug)]
struct SessionEntry {
    expires_at: Timestamp,
    subject: Option<String>,
}

/// The in-process revocation set that [`Revocations`](super::Revocations) implementations
/// keep: hash maps for O(1) checks plus an expiry queue, so forgetting is proportional to what
/// expires; and a per-subject index of session entries, so a subject's watermark drops the
/// session entries it makes redundant (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct RevocationSet {
    sessions: HashMap<SessionKey, SessionEntry>,
    by_subject: HashMap<String, HashSet<SessionKey>>,
    tokens: HashMap<String, Timestamp>,
    subjects: HashMap<String, (Timestamp, Timestamp)>,
    expiry: BTreeSet<(Timestamp, Slot)>,
    /// The list's horizon; `None`: never drop a session entry for a watermark.
    horizon: Option<Duration>,
}

impl RevocationSet {
    /// An empty set that never drops a session entry for a watermark.
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// An empty set for a list whose horizon is `horizon`: a subject's watermark drops the
    /// session entries of that subject it covers.
    pub(crate) fn with_horizon(horizon: Duration) -> Self {
        Self {
            horizon: Some(horizon),
            ..Self::default()
        }
    }

    /// How many entries the set holds.
    pub(crate) fn len(&self) -> usize {
        self.sessions.len() + self.tokens.len() + self.subjects.len()
    }

    /// Whether the set is empty.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many session entries of `subject` the set holds.
    pub(crate) fn sessions_of(&self, subject: &str) -> usize {
        self.by_subject.get(subject).map_or(0, HashSet::len)
    }

    /// How many entries naming `subject` the set holds: its session entries and its watermark.
    pub(crate) fn entries_of(&self, subject: &str) -> usize {
        self.sessions_of(subject) + usize::from(self.subjects.contains_key(subject))
    }

    /// Whether `subject`'s watermark makes a session entry expiring at `expires_at` redundant.
    fn covered(&self, subject: &str, expires_at: Timestamp) -> bool {
        let Some(horizon) = self.horizon else {
            return false;
        };
        self.subjects
            .get(subject)
            .is_some_and(|&(before, _)| expires_at < before.saturating_add(horizon))
    }

    /// Add (or extend) a revocation. Returns whether the set changed.
    pub(crate) fn insert(&mut self, r: &Revocation) -> bool {
        match &r.target {
            RevocationTarget::Session { key, subject } => {
                self.insert_session(*key, subject.as_deref(), r.expires_at)
            }
            RevocationTarget::Token { jti } => {
                let old = self.tokens.get(jti).copied();
                if old.is_some_and(|e| e >= r.expires_at) {
                    return false;
                }
                self.tokens.insert(jti.clone(), r.expires_at);
                if let Some(old) = old {
                    self.expiry.remove(&(old, Slot::Token(jti.clone())));
                }
                self.expiry.insert((r.expires_at, Slot::Token(jti.clone())));
                true
            }
            RevocationTarget::SubjectBefore { subject, before } => {
                self.insert_watermark(subject, *before, r.expires_at)
            }
        }
    }

    fn insert_session(
        &mut self,
        key: SessionKey,
        subject: Option<&str>,
        expires_at: Timestamp,
    ) -> bool {
        let old = self.sessions.get(&key);
        if old.is_some_and(|e| e.expires_at >= expires_at) {
            return false;
        }
        // The subject the entry is filed under: the first one anyone named for this key.
        let subject = old
            .and_then(|e| e.subject.clone())
            .or_else(|| subject.map(str::to_owned));
        if subject
            .as_deref()
            .is_some_and(|s| self.covered(s, expires_at))
        {
            // Already revoked, for longer, by the subject's watermark.
            return false;
        }
        if let Some(old) = self.sessions.remove(&key) {
            self.expiry.remove(&(old.expires_at, Slot::Session(key)));
        }
        if let Some(s) = &subject {
            self.by_subject.entry(s.clone()).or_default().insert(key);
        }
        self.sessions.insert(
            key,
            SessionEntry {
                expires_at,
                subject,
            },
        );
        self.expiry.insert((expires_at, Slot::Session(key)));
        true
    }

    fn insert_watermark(
        &mut self,
        subject: &str,
        before: Timestamp,
        expires_at: Timestamp,
    ) -> bool {
        let old = self.subjects.get(subject).copied();
        let merged = match old {
            Some((ob, oe)) => (before.max(ob), expires_at.max(oe)),
            None => (before, expires_at),
        };
        if old == Some(merged) {
            return false;
        }
        if let Some((_, oe)) = old {
            self.expiry.remove(&(oe, Slot::Subject(subject.to_owned())));
        }
        self.subjects.insert(subject.to_owned(), merged);
        self.expiry
            .insert((merged.1, Slot::Subject(subject.to_owned())));
        self.drop_covered(subject);
        true
    }

    /// Drop `subject`'s session entries that its watermark covers.
    fn drop_covered(&mut self, subject: &str) {
        let Some(keys) = self.by_subject.get(subject) else {
            return;
        };
        let gone: Vec<(SessionKey, Timestamp)> = keys
            .iter()
            .filter_map(|k| self.sessions.get(k).map(|e| (*k, e.expires_at)))
            .filter(|&(_, e)| self.covered(subject, e))
            .collect();
        for (key, expires_at) in gone {
            self.sessions.remove(&key);
            self.expiry.remove(&(expires_at, Slot::Session(key)));
            self.unindex(subject, &key);
        }
    }

    fn unindex(&mut self, subject: &str, key: &SessionKey) {
        if let Some(keys) = self.by_subject.get_mut(subject) {
            keys.remove(key);
            if keys.is_empty() {
                self.by_subject.remove(subject);
            }
        }
    }

    /// If `subject` has more than `threshold` session entries, collapse them: add the watermark
    /// "everything `subject` was issued before `now` + 1 ms", kept until that time plus the
    /// horizon, which drops every entry of the subject revoked until now. Returns the watermark
    /// to publish. Nothing happens in a set without a horizon.
    #[cfg(any(feature = "memory", test))]
    pub(crate) fn collapse_if_over(
        &mut self,
        subject: &str,
        threshold: usize,
        now: Timestamp,
    ) -> Option<Revocation> {
        let horizon = self.horizon?;
        if self.sessions_of(subject) <= threshold {
            return None;
        }
        // After `now`, so that an entry revoked in this very millisecond is covered.
        let before = now.saturating_add(Duration::from_millis(1));
        let watermark = Revocation::subject_before(subject, before, before.saturating_add(horizon));
        self.insert(&watermark);
        Some(watermark)
    }

    /// Whether anything in `probe` is revoked.
    pub(crate) fn contains(&self, probe: &RevocationProbe<'_>) -> bool {
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
    pub(crate) fn prune(&mut self, now: Timestamp) -> usize {
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
                    if let Some(SessionEntry {
                        subject: Some(s), ..
                    }) = self.sessions.remove(&k)
                    {
                        self.unindex(&s, &k);
                    }
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
    #[cfg(test)]
    pub(crate) fn entries(&self) -> Vec<Revocation> {
        let mut out = Vec::with_capacity(self.len());
        for (key, e) in &self.sessions {
            out.push(match &e.subject {
                Some(s) => Revocation::session_of(s.clone(), *key, e.expires_at),
                None => Revocation::session(*key, e.expires_at),
            });
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
mod tests;
