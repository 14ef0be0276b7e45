//! The verified-token cache: a bounded map from a keyed digest of the exact token to the
//! identity it verified as, so a repeated asymmetric verification costs a hash and a lookup.
//!
//! The digest only finds the entry; it never vouches for the token. The entry keeps the
//! verified token's signature segment, and a hit needs the presented token's to be
//! byte-for-byte the same. A client that does not hold a token cannot know its signature, so
//! a digest collision can at most make a token act as another token the same client already
//! holds (its own identity, nothing more); and a signature without its header and payload is
//! no usable credential, so the cache holds none.
//!
//! So the digest can be the cheapest seeded hash that spreads tokens well: foldhash (its
//! `quality` variant) under a random seed per cache, 64 bits. Not SipHash (four times the
//! instructions per byte, for a strength nothing here relies on) and not SHA-256: a hit must
//! cost about the same for a 300-byte HS256 token and an 800-byte RS256 one. The seed never
//! leaves the process, so clients cannot aim tokens at one shard or bucket either.
//!
//! An entry is used only while all of these hold, checked on every hit:
//! - the clock is before its `exp` (and before the end of the maximum age, when one is set);
//! - the key that verified it is still in the key set of the issuer that verified it, as the
//!   same key (a rotated-out or replaced `kid` invalidates the entry; with several issuers,
//!   the entry names its issuer, so another issuer's key under the same `kid` never counts);
//! - revocation is checked by the verifier on every hit, and a revoked entry is dropped.
//!
//! Sharded mutexes keep contention low; each shard evicts first-in-first-out when full.

use auth_core::metrics::record;
use auth_core::{Identity, Timestamp};
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

const SHARDS: usize = 16;

/// The digest of a token: the cache key (see the module docs).
pub(crate) type TokenDigest = u64;

/// The keys are seeded-hash outputs already: their low 64 bits are a fine hash.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u64(&mut self, digest: u64) {
        self.0 = digest;
    }
}

type DigestMap<V> = HashMap<TokenDigest, V, BuildHasherDefault<DigestHasher>>;

/// A cached verification.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) identity: Arc<Identity>,
    pub(crate) jti: Option<Arc<str>>,
    pub(crate) issued_at: Timestamp,
    pub(crate) valid_until: Timestamp,
    /// The index of the issuer whose key verified the token.
    pub(crate) issuer: usize,
    pub(crate) kid: Arc<str>,
    pub(crate) key_instance: u64,
    /// The verified token's signature segment, compared on every hit. Shared, so handing out a
    /// hit (a clone of the entry) allocates nothing.
    pub(crate) signature: Arc<str>,
}

/// The signature segment of a compact JWS (what follows the last `.`).
pub(crate) fn signature_of(token: &str) -> &str {
    token
        .rsplit_once('.')
        .map_or(token, |(_, signature)| signature)
}

#[derive(Default)]
struct Shard {
    map: DigestMap<Entry>,
    order: VecDeque<TokenDigest>,
}

/// The bounded cache.
pub(crate) struct TokenCache {
    shards: Box<[Mutex<Shard>]>,
    per_shard: usize,
    /// The secret seed of the digest.
    digest_key: foldhash::quality::RandomState,
}

impl TokenCache {
    /// A cache of about `capacity` entries (at least one per shard).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            digest_key: foldhash::quality::RandomState::default(),
        }
    }

    /// The cache key of the exact token bytes.
    pub(crate) fn digest(&self, token: &str) -> TokenDigest {
        self.digest_key.hash_one(token.as_bytes())
    }

    fn shard(&self, digest: &TokenDigest) -> MutexGuard<'_, Shard> {
        // The top bits: the map buckets by the low ones.
        self.shards[(digest >> 60) as usize % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry for `token` (whose digest is `digest`) if it is still usable at `now` and
    /// `key_still_there` says the key that verified it is still its issuer's; stale entries are
    /// dropped on the way. Counted as a hit or a miss.
    pub(crate) fn get(
        &self,
        digest: &TokenDigest,
        token: &str,
        now: Timestamp,
        key_still_there: impl FnOnce(&Entry) -> bool,
    ) -> Option<Entry> {
        let found = self.lookup(digest, token, now, key_still_there);
        record::token_cache(found.is_some());
        found
    }

    fn lookup(
        &self,
        digest: &TokenDigest,
        token: &str,
        now: Timestamp,
        key_still_there: impl FnOnce(&Entry) -> bool,
    ) -> Option<Entry> {
        let mut shard = self.shard(digest);
        let entry = shard.map.get(digest)?;
        if *entry.signature != *signature_of(token) {
            // Another token under the same digest: not this one's verification.
            return None;
        }
        if now < entry.valid_until && key_still_there(entry) {
            return Some(entry.clone());
        }
        shard.map.remove(digest);
        None
    }

    /// Remember a verification.
    pub(crate) fn insert(&self, digest: TokenDigest, entry: Entry) {
        let per_shard = self.per_shard;
        let mut shard = self.shard(&digest);
        let Shard { map, order } = &mut *shard;
        while map.len() >= per_shard && !map.contains_key(&digest) {
            match order.pop_front() {
                Some(old) => {
                    map.remove(&old);
                }
                None => break,
            }
        }
        map.insert(digest, entry);
        order.push_back(digest);
        if order.len() > 2 * per_shard + 16 {
            order.retain(|d| map.contains_key(d));
        }
    }

    /// Forget one entry.
    pub(crate) fn remove(&self, digest: &TokenDigest) {
        self.shard(digest).map.remove(digest);
    }

    /// How many entries are held.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).map.len())
            .sum()
    }

    /// Forget everything.
    pub(crate) fn clear(&self) {
        for s in &*self.shards {
            let mut shard = s.lock().unwrap_or_else(PoisonError::into_inner);
            shard.map.clear();
            shard.order.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeySet;
    use crate::{Algorithm, Key};

    /// The verifier's key check, over one key set.
    fn in_set(keys: &KeySet) -> impl Fn(&Entry) -> bool + '_ {
        |e| {
            keys.get(&e.kid)
                .is_some_and(|k| k.instance() == e.key_instance)
        }
    }

    fn entry(kid: &Arc<str>, instance: u64, until: i64) -> Entry {
        Entry {
            identity: Arc::new(Identity::new("u")),
            jti: None,
            issued_at: Timestamp::from_unix_millis(0),
            valid_until: Timestamp::from_unix_millis(until),
            issuer: 0,
            kid: kid.clone(),
            key_instance: instance,
            signature: "sig".into(),
        }
    }

    #[test]
    fn bounded_expiring_and_tied_to_the_key() {
        let key = Key::hmac("k", Algorithm::HS256, &[1; 32]).unwrap();
        let (kid, instance) = (key.kid_arc().clone(), key.instance());
        let keys = KeySet::single(key).unwrap();
        let cache = TokenCache::new(32);
        for i in 0..200u64 {
            let d = i; // all in one shard
            cache.insert(d, entry(&kid, instance, 100));
        }
        assert_eq!(cache.len(), 2, "bounded per shard");
        let d = cache.digest("t");
        assert_eq!(d, cache.digest("t"));
        assert_ne!(d, cache.digest("u"));
        assert_ne!(d, TokenCache::new(32).digest("t"), "keyed per cache");
        cache.insert(d, entry(&kid, instance, 100));
        let now = Timestamp::from_unix_millis(50);
        assert!(cache.get(&d, "h.p.sig", now, in_set(&keys)).is_some());
        assert!(
            cache
                .get(
                    &d,
                    "h.p.sig",
                    Timestamp::from_unix_millis(100),
                    in_set(&keys)
                )
                .is_none()
        );
        assert!(
            cache.get(&d, "h.p.sig", now, in_set(&keys)).is_none(),
            "dropped once stale"
        );
        cache.insert(d, entry(&kid, instance + 999, 100));
        assert!(
            cache.get(&d, "h.p.sig", now, in_set(&keys)).is_none(),
            "a different key under the same kid"
        );
        let other = KeySet::single(Key::hmac("x", Algorithm::HS256, &[1; 32]).unwrap()).unwrap();
        cache.insert(d, entry(&kid, instance, 100));
        assert!(
            cache.get(&d, "h.p.sig", now, in_set(&other)).is_none(),
            "kid left the set"
        );
        cache.clear();
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_digest_match_with_another_signature_is_a_miss() {
        let key = Key::hmac("k", Algorithm::HS256, &[1; 32]).unwrap();
        let (kid, instance) = (key.kid_arc().clone(), key.instance());
        let keys = KeySet::single(key).unwrap();
        let cache = TokenCache::new(32);
        let now = Timestamp::from_unix_millis(50);
        // As if "h.p.forged" collided with the cached token's digest.
        let d = cache.digest("h.p.sig");
        cache.insert(d, entry(&kid, instance, 100));
        assert!(cache.get(&d, "h.p.sig", now, in_set(&keys)).is_some());
        assert!(cache.get(&d, "h.p2.forged", now, in_set(&keys)).is_none());
        assert!(
            cache.get(&d, "h.p2.sig", now, in_set(&keys)).is_some(),
            "only the signature is kept"
        );
        assert_eq!(signature_of("a.b.c"), "c");
    }
}
