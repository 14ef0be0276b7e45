//! The cached records: a few shards, each a map under a short lock, bounded by entries and by
//! approximate bytes, evicting with a second-chance clock (an entry read since the hand last
//! passed is kept once more).

use super::fence::{Fence, Ticket};
use crate::{SessionKey, SessionRecord, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// At most this many shards, and at least this many entries and bytes in each (so that small
/// bounds hold exactly, in one shard).
const MAX_SHARDS: usize = 16;
const MIN_ENTRIES_PER_SHARD: usize = 64;
const MIN_BYTES_PER_SHARD: usize = 64 * 1024;

pub(crate) struct Entries {
    shards: Box<[Mutex<Shard>]>,
    max_entries: usize,
    max_bytes: usize,
}

struct Shard {
    map: HashMap<SessionKey, Entry>,
    /// The clock's hand walks this queue; an item whose stamp no longer matches its entry's
    /// (replaced or removed since) is skipped.
    queue: VecDeque<(SessionKey, u64)>,
    bytes: usize,
    next_stamp: u64,
}

struct Entry {
    record: Arc<SessionRecord>,
    size: usize,
    stamp: u64,
    referenced: bool,
}

impl Entries {
    /// Room for `max_entries` records and `max_bytes` approximate bytes in total (both above
    /// zero), split evenly over the shards.
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        let shards = (max_entries / MIN_ENTRIES_PER_SHARD)
            .min(max_bytes / MIN_BYTES_PER_SHARD)
            .clamp(1, MAX_SHARDS);
        Self {
            shards: (0..shards)
                .map(|_| {
                    Mutex::new(Shard {
                        map: HashMap::new(),
                        queue: VecDeque::new(),
                        bytes: 0,
                        next_stamp: 0,
                    })
                })
                .collect(),
            max_entries: (max_entries / shards).max(1),
            max_bytes: max_bytes / shards,
        }
    }

    fn shard(&self, key: &SessionKey) -> MutexGuard<'_, Shard> {
        let i = usize::from(key.as_bytes()[8]) % self.shards.len();
        // A panic while a shard is locked leaves a consistent map (every step keeps it so).
        self.shards[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The cached record if it has not expired at `now` (an expired one is dropped).
    pub(crate) fn get(&self, key: &SessionKey, now: Timestamp) -> Option<Arc<SessionRecord>> {
        let mut shard = self.shard(key);
        let entry = shard.map.get_mut(key)?;
        if entry.record.is_expired(now) {
            shard.remove(key);
            return None;
        }
        entry.referenced = true;
        Some(entry.record.clone())
    }

    /// Cache `record` (about `size` bytes) if `fence` says nothing moved since `ticket`.
    /// Whether it was cached.
    pub(crate) fn insert(
        &self,
        fence: &Fence,
        ticket: Ticket,
        key: SessionKey,
        record: SessionRecord,
        size: usize,
    ) -> bool {
        if size > self.max_bytes {
            return false;
        }
        let mut shard = self.shard(&key);
        if !fence.still_valid(ticket) {
            return false;
        }
        shard.remove(&key);
        let stamp = shard.next_stamp;
        shard.next_stamp += 1;
        shard.map.insert(
            key,
            Entry {
                record: Arc::new(record),
                size,
                stamp,
                referenced: false,
            },
        );
        shard.queue.push_back((key, stamp));
        shard.bytes += size;
        shard.evict(self.max_entries, self.max_bytes);
        true
    }

    /// Drop `key`'s entry, if any.
    pub(crate) fn remove(&self, key: &SessionKey) {
        self.shard(key).remove(key);
    }

    /// The keys of every cached record of `subject`.
    pub(crate) fn keys_of_subject(&self, subject: &str) -> Vec<SessionKey> {
        let mut keys = Vec::new();
        for shard in &self.shards {
            let shard = shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            keys.extend(
                shard
                    .map
                    .iter()
                    .filter(|(_, e)| e.record.subject() == Some(subject))
                    .map(|(k, _)| *k),
            );
        }
        keys
    }

    /// Drop everything.
    pub(crate) fn clear(&self) {
        for shard in &self.shards {
            let mut shard = shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            shard.map = HashMap::new();
            shard.queue = VecDeque::new();
            shard.bytes = 0;
        }
    }

    /// How many records and approximate bytes are cached.
    #[cfg(test)]
    pub(crate) fn usage(&self) -> (usize, usize) {
        self.shards.iter().fold((0, 0), |(n, b), shard| {
            let shard = shard
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (n + shard.map.len(), b + shard.bytes)
        })
    }
}

impl Shard {
    fn remove(&mut self, key: &SessionKey) {
        if let Some(old) = self.map.remove(key) {
            self.bytes -= old.size;
        }
        // Removed entries leave stale queue items: compact before they outnumber the live.
        if self.queue.len() > 2 * self.map.len() + MIN_ENTRIES_PER_SHARD {
            let map = &self.map;
            self.queue
                .retain(|(k, stamp)| map.get(k).is_some_and(|e| e.stamp == *stamp));
        }
    }

    fn evict(&mut self, max_entries: usize, max_bytes: usize) {
        while self.map.len() > max_entries || self.bytes > max_bytes {
            let Some((key, stamp)) = self.queue.pop_front() else {
                return;
            };
            let Some(entry) = self.map.get_mut(&key) else {
                continue;
            };
            if entry.stamp != stamp {
                continue;
            }
            if entry.referenced {
                entry.referenced = false;
                self.queue.push_back((key, stamp));
                continue;
            }
            let size = entry.size;
            self.map.remove(&key);
            self.bytes -= size;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn key(n: u8) -> SessionKey {
        let mut b = [0u8; 32];
        b[0] = n;
        SessionKey::from_bytes(b)
    }

    fn record(now: Timestamp) -> SessionRecord {
        SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600))
    }

    #[test]
    fn bounded_by_entries_and_bytes_keeping_what_is_read() {
        let fence = Fence::new();
        fence.go_up();
        let now = Timestamp::from_unix_millis(1_000_000);
        let entries = Entries::new(3, 1000);
        for n in 0..3 {
            let t = fence.ticket(&key(n)).unwrap();
            assert!(entries.insert(&fence, t, key(n), record(now), 100));
        }
        assert!(entries.get(&key(0), now).is_some());
        let t = fence.ticket(&key(3)).unwrap();
        assert!(entries.insert(&fence, t, key(3), record(now), 100));
        assert_eq!(entries.usage(), (3, 300));
        assert!(entries.get(&key(0), now).is_some(), "read: kept");
        assert!(
            entries.get(&key(1), now).is_none(),
            "oldest unread: evicted"
        );

        let t = fence.ticket(&key(4)).unwrap();
        assert!(entries.insert(&fence, t, key(4), record(now), 900));
        let (n, bytes) = entries.usage();
        assert!(bytes <= 1000 && n <= 3, "{n} entries, {bytes} bytes");
        let t = fence.ticket(&key(5)).unwrap();
        assert!(
            !entries.insert(&fence, t, key(5), record(now), 1001),
            "too big"
        );

        let later = now.saturating_add(Duration::from_secs(61));
        assert!(
            entries.get(&key(4), later).is_none(),
            "expired by the clock"
        );
        entries.clear();
        assert_eq!(entries.usage(), (0, 0));
    }

    #[test]
    fn an_invalidation_during_the_read_stops_the_insert() {
        let fence = Fence::new();
        fence.go_up();
        let now = Timestamp::from_unix_millis(1_000_000);
        let entries = Entries::new(10, 10_000);
        let t = fence.ticket(&key(1)).unwrap();
        fence.bump(&key(1));
        assert!(!entries.insert(&fence, t, key(1), record(now), 10));
        assert!(entries.get(&key(1), now).is_none());
    }

    #[test]
    fn churn_does_not_grow_the_queue() {
        let fence = Fence::new();
        fence.go_up();
        let now = Timestamp::from_unix_millis(1_000_000);
        let entries = Entries::new(10, 10_000);
        for round in 0..10_000u32 {
            let k = key((round % 5) as u8);
            let t = fence.ticket(&k).unwrap();
            entries.insert(&fence, t, k, record(now), 10);
            if round % 3 == 0 {
                entries.remove(&k);
            }
        }
        let shard = entries.shards[0].lock().unwrap();
        assert!(shard.queue.len() <= 2 * shard.map.len() + MIN_ENTRIES_PER_SHARD);
    }
}
