//! The data structure behind the memory store: records, expiry queues (logged-in and anonymous)
//! and a subject index, kept consistent by the only three mutations (insert, update, remove).

use crate::session::{SessionKey, SessionRecord};
use crate::time::Timestamp;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Hashes a [`SessionKey`] by eight of its bytes: keys are SHA-256 digests of ids drawn from
/// the OS CSPRNG, uniform already, so SipHash (the default) would only cost time on every
/// lookup. Only the server creates ids; a client choosing the keys it looks up cannot crowd
/// the records it does not own.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut word = [0u8; 8];
        let n = bytes.len().min(8);
        word[..n].copy_from_slice(&bytes[..n]);
        self.0 ^= u64::from_le_bytes(word);
    }

    // The slice's length prefix says nothing: every key is 32 bytes.
    fn write_usize(&mut self, _: usize) {}
}

type KeyMap<V> = HashMap<SessionKey, V, BuildHasherDefault<KeyHasher>>;

#[derive(Debug, Default)]
pub(super) struct SessionTable {
    /// Behind a pointer: a hash table is half empty after it grows, and an empty slot of a
    /// boxed record costs 8 bytes instead of the record's ~250 (at 1M sessions: ~250 bytes per
    /// session). An `Arc` rather than a `Box` (16 bytes more per record): a read hands out the
    /// record shared instead of copying it; a write copies it only while a reader holds it.
    records: KeyMap<Arc<SessionRecord>>,
    /// (expires_at, key) for every record with an identity: eviction pops from the front, so
    /// the work is proportional to what expires, never a scan of what is stored.
    expiry: BTreeSet<(Timestamp, SessionKey)>,
    /// The same for every anonymous record (no identity): each record is in exactly one of the
    /// two queues, so a full store finds its first victim (the anonymous session that expires
    /// first) without a scan and without a second entry per record.
    anonymous_expiry: BTreeSet<(Timestamp, SessionKey)>,
    /// (subject, key) pairs: a subject's sessions are one range. One B-tree slot per session,
    /// where a map of sets would allocate a whole hash set per subject.
    subjects: BTreeSet<(String, SessionKey)>,
}

impl SessionTable {
    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    #[cfg(test)]
    pub(super) fn contains(&self, key: &SessionKey) -> bool {
        self.records.contains_key(key)
    }

    /// The live record under `key`, evicting it if it has expired.
    pub(super) fn get_live(
        &mut self,
        key: &SessionKey,
        now: Timestamp,
    ) -> Option<&Arc<SessionRecord>> {
        if self.records.get(key)?.is_expired(now) {
            self.remove(key);
            return None;
        }
        self.records.get(key)
    }

    pub(super) fn insert(&mut self, key: SessionKey, record: SessionRecord) {
        self.remove(&key);
        self.index(&key, &record);
        self.records.insert(key, Arc::new(record));
    }

    /// Change the record under `key` in place, keeping the indexes in step.
    pub(super) fn update<R>(
        &mut self,
        key: &SessionKey,
        f: impl FnOnce(&mut SessionRecord) -> R,
    ) -> Option<R> {
        let mut record = self.records.remove(key)?;
        self.unindex(key, &record);
        let out = f(Arc::make_mut(&mut record));
        self.index(key, &record);
        self.records.insert(*key, record);
        Some(out)
    }

    pub(super) fn remove(&mut self, key: &SessionKey) -> Option<Arc<SessionRecord>> {
        let record = self.records.remove(key)?;
        self.unindex(key, &record);
        Some(record)
    }

    /// Evict up to `max` records that expired at or before `now`.
    pub(super) fn evict_expired(&mut self, now: Timestamp, max: usize) -> usize {
        let mut n = 0;
        while n < max {
            match self.first_to_expire() {
                Some((at, key)) if at <= now => {
                    self.remove(&key);
                    n += 1;
                }
                _ => break,
            }
        }
        n
    }

    /// The record that expires first, of both queues.
    fn first_to_expire(&self) -> Option<(Timestamp, SessionKey)> {
        match (self.expiry.first(), self.anonymous_expiry.first()) {
            (Some(a), Some(b)) => Some(*a.min(b)),
            (a, b) => a.or(b).copied(),
        }
    }

    /// Make room for one more record under `capacity`, evicting in this order: expired records,
    /// then anonymous ones (the one that expires first, i.e. the least recently used: every
    /// touch pushes the idle expiry forward), then, only when the new record has an identity,
    /// logged-in ones (again the one that expires first). Returns `false`, evicting nothing
    /// more, when the room could only come from a logged-in session and the new record is
    /// anonymous: a logged-in user is never logged out to store an anonymous visitor.
    pub(super) fn make_room(&mut self, capacity: usize, now: Timestamp, anonymous: bool) -> bool {
        while self.records.len() >= capacity {
            let victim = match self.first_to_expire() {
                Some((at, key)) if at <= now => key,
                _ => match (self.anonymous_expiry.first(), self.expiry.first()) {
                    (Some(&(_, key)), _) => key,
                    (None, Some(&(_, key))) if !anonymous => key,
                    _ => return false,
                },
            };
            self.remove(&victim);
        }
        true
    }

    pub(super) fn subject_keys(&self, subject: &str) -> Vec<SessionKey> {
        let first = (subject.to_owned(), SessionKey::from_bytes([0; 32]));
        let last = (subject.to_owned(), SessionKey::from_bytes([0xff; 32]));
        self.subjects
            .range(first..=last)
            .map(|(_, key)| *key)
            .collect()
    }

    #[cfg(test)]
    pub(super) fn record(&self, key: &SessionKey) -> Option<&SessionRecord> {
        self.records.get(key).map(|r| &**r)
    }

    fn index(&mut self, key: &SessionKey, record: &SessionRecord) {
        match record.subject() {
            Some(subject) => {
                self.expiry.insert((record.expires_at(), *key));
                self.subjects.insert((subject.to_owned(), *key));
            }
            None => {
                self.anonymous_expiry.insert((record.expires_at(), *key));
            }
        }
    }

    fn unindex(&mut self, key: &SessionKey, record: &SessionRecord) {
        match record.subject() {
            Some(subject) => {
                self.expiry.remove(&(record.expires_at(), *key));
                self.subjects.remove(&(subject.to_owned(), *key));
            }
            None => {
                self.anonymous_expiry.remove(&(record.expires_at(), *key));
            }
        }
    }

    /// (records, entries of both expiry queues, subject index entries).
    #[cfg(test)]
    pub(super) fn index_sizes(&self) -> (usize, usize, usize) {
        (
            self.records.len(),
            self.expiry.len() + self.anonymous_expiry.len(),
            self.subjects.len(),
        )
    }

    /// How many records have no identity.
    #[cfg(test)]
    pub(super) fn anonymous_len(&self) -> usize {
        self.anonymous_expiry.len()
    }
}
