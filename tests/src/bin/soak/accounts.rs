//! The demo accounts every client shares, and what it takes to know whether a credential may
//! have been ended by someone else's "log out everywhere".
//!
//! Only bob is ever logged out everywhere ([`LOGS_OUT_EVERYWHERE`]): every refusal of a live
//! credential of alice's is unexpected, whatever the timing. A client that logs bob out
//! everywhere ends every session and token of his, including the ones other clients hold; so
//! that those clients can tell an expected refusal from a bug, the account counts logouts
//! everywhere in flight and finished. A credential obtained while one was in flight or before
//! one finished may be gone ([`Ending::LoggedOutEverywhere`]); one obtained after is live, even
//! in the same second (the refresh tokens wait for the next second before minting then, since
//! `iat` is in whole seconds: this soak found that they did not).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The demo users of both examples and their passwords.
pub(crate) const USERS: [(&str, &str); 2] = [("alice", "wonderland"), ("bob", "builder")];
/// The one user the mix logs out everywhere (an index into [`USERS`]).
pub(crate) const LOGS_OUT_EVERYWHERE: usize = 1;

/// Whether a credential may have been ended by a "log out everywhere".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Nothing could have ended it: a refusal is a bug.
    Live,
    /// A logout everywhere was in flight or finished after it was obtained.
    LoggedOutEverywhere,
}

/// One account's "log out everywhere" bookkeeping.
#[derive(Debug, Default)]
struct Account {
    in_flight: AtomicU64,
    finished: AtomicU64,
}

/// Both accounts, for one server.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    accounts: [Account; 2],
}

/// Taken just before a login is sent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    user: usize,
    finished: u64,
    in_flight: bool,
    at: Instant,
}

impl Mark {
    pub(crate) fn user(&self) -> usize {
        self.user
    }

    /// How long ago the login was sent: the credential is at most this old.
    pub(crate) fn elapsed(&self) -> std::time::Duration {
        self.at.elapsed()
    }
}

impl Accounts {
    /// Before sending a login for `user`.
    pub(crate) fn mark(&self, user: usize) -> Mark {
        let a = &self.accounts[user];
        Mark {
            user,
            in_flight: a.in_flight.load(Ordering::SeqCst) > 0,
            finished: a.finished.load(Ordering::SeqCst),
            at: Instant::now(),
        }
    }

    /// Whether a credential obtained at `mark` may have been ended by a "log out everywhere".
    pub(crate) fn ending(&self, mark: &Mark) -> Ending {
        let a = &self.accounts[mark.user];
        if mark.in_flight
            || a.in_flight.load(Ordering::SeqCst) > 0
            || a.finished.load(Ordering::SeqCst) != mark.finished
        {
            return Ending::LoggedOutEverywhere;
        }
        Ending::Live
    }

    /// Around a "log out everywhere" of `user`: `run` is the request.
    pub(crate) async fn logging_out_everywhere<T>(
        &self,
        user: usize,
        run: impl Future<Output = T>,
    ) -> T {
        let a = &self.accounts[user];
        a.in_flight.fetch_add(1, Ordering::SeqCst);
        let out = run.await;
        a.finished.fetch_add(1, Ordering::SeqCst);
        a.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

/// A small xorshift generator: which action next, which user (no need for more).
#[derive(Debug, Clone)]
pub(crate) struct Dice(u64);

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }

    /// An index into `weights`, chosen in proportion to them.
    pub(crate) fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut roll = self.below(weights.iter().sum());
        for (i, w) in weights.iter().enumerate() {
            if roll < *w {
                return i;
            }
            roll -= w;
        }
        weights.len().saturating_sub(1)
    }
}
