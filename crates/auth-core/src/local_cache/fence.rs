//! When a reply read from the store may be cached: whether the store's invalidations are being
//! heard (Redis tracking, a PostgreSQL listener), and the invalidation counters that close the
//! race between a read and an invalidation of the same key.
//!
//! A read takes a [`Ticket`] *before* it sends its command and may insert its reply only if,
//! when it inserts (under the entry's shard lock), nothing has moved since: invalidations were
//! heard the whole time (same generation) and no invalidation touched the key's stripe. An
//! invalidation bumps the stripe *before* it removes the entry under the same lock, so either
//! the insert sees the bump and gives up, or the removal comes after the insert and drops it.

use crate::SessionKey;
use std::sync::atomic::{AtomicU64, Ordering};

/// Invalidation counters: keys share a counter per stripe, so an invalidation of one key
/// may (rarely) stop another key's reply from being cached, never the other way round.
const STRIPES: usize = 1024;

/// Whether invalidations are heard, and the invalidation counters.
pub(crate) struct Fence {
    /// `generation << 1 | up`: the generation changes whenever the invalidation stream goes
    /// up or down, so a ticket taken while one stream was up is void in every other.
    word: AtomicU64,
    stripes: Box<[AtomicU64]>,
}

/// What a read saw before it asked the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket {
    word: u64,
    stripe: usize,
    seen: u64,
}

impl Fence {
    /// Down (nothing may be cached until the invalidation stream is confirmed).
    pub(crate) fn new() -> Self {
        Self {
            word: AtomicU64::new(0),
            stripes: (0..STRIPES).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Whether the invalidation stream is up (hits may be served).
    pub(crate) fn is_up(&self) -> bool {
        self.word.load(Ordering::SeqCst) & 1 == 1
    }

    /// A ticket for a read of `key`, or `None` while the invalidation stream is down (the reply must not
    /// be cached).
    pub(crate) fn ticket(&self, key: &SessionKey) -> Option<Ticket> {
        let word = self.word.load(Ordering::SeqCst);
        if word & 1 == 0 {
            return None;
        }
        let stripe = stripe_of(key);
        Some(Ticket {
            word,
            stripe,
            seen: self.stripes[stripe].load(Ordering::SeqCst),
        })
    }

    /// Whether nothing has moved since `ticket` was taken. Checked under the shard lock.
    pub(crate) fn still_valid(&self, ticket: Ticket) -> bool {
        self.word.load(Ordering::SeqCst) == ticket.word
            && self.stripes[ticket.stripe].load(Ordering::SeqCst) == ticket.seen
    }

    /// Note that `key` changed: every ticket on its stripe taken before is void.
    pub(crate) fn bump(&self, key: &SessionKey) {
        self.stripes[stripe_of(key)].fetch_add(1, Ordering::SeqCst);
    }

    /// Note that any key may have changed: every ticket taken before is void.
    pub(crate) fn bump_all(&self) {
        for stripe in &self.stripes {
            stripe.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The invalidation stream is confirmed: a new up generation; its word (never 0).
    pub(crate) fn go_up(&self) -> u64 {
        let mut current = self.word.load(Ordering::SeqCst);
        loop {
            let next = ((current >> 1) + 1) << 1 | 1;
            match self
                .word
                .compare_exchange(current, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return next,
                Err(actual) => current = actual,
            }
        }
    }

    /// The invalidation stream of generation `word` is lost: go down, unless that generation is already
    /// over. Whether this call took it down (the caller then flushes).
    pub(crate) fn go_down_if(&self, word: u64) -> bool {
        word & 1 == 1
            && self
                .word
                .compare_exchange(
                    word,
                    ((word >> 1) + 1) << 1,
                    Ordering::SeqCst,
                    Ordering::SeqCst,
                )
                .is_ok()
    }
}

/// Session keys are SHA-256 digests: any 8 of their bytes are already well mixed.
fn stripe_of(key: &SessionKey) -> usize {
    let bytes = key.as_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    (u64::from_le_bytes(first) % STRIPES as u64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_are_void_after_an_invalidation_or_a_generation_change() {
        let fence = Fence::new();
        let key = SessionKey::from_bytes([7; 32]);
        assert_eq!(fence.ticket(&key), None, "down until tracking is confirmed");
        let up = fence.go_up();
        let ticket = fence.ticket(&key).unwrap();
        assert!(fence.still_valid(ticket));
        fence.bump(&SessionKey::from_bytes([8; 32]));
        assert!(fence.still_valid(ticket), "another stripe");
        fence.bump(&key);
        assert!(!fence.still_valid(ticket));
        let ticket = fence.ticket(&key).unwrap();
        fence.bump_all();
        assert!(!fence.still_valid(ticket));

        let ticket = fence.ticket(&key).unwrap();
        assert!(!fence.go_down_if(up + 2), "not this generation");
        assert!(fence.go_down_if(up));
        assert!(!fence.go_down_if(up), "only once");
        assert!(!fence.is_up() && !fence.still_valid(ticket));
        let again = fence.go_up();
        assert!(
            !fence.still_valid(ticket),
            "a ticket of an earlier generation"
        );
        assert!(fence.go_down_if(again));
        assert!(!fence.is_up());
    }
}
