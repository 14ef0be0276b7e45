//! Login throttling: how many failed logins an account or a client address may make before it
//! has to wait, and where those counts live.
//!
//! - [`ThrottlePolicy`]: a few attempts in a row, then exponential backoff with a cap,
//!   forgotten after a quiet period; its [`check`](ThrottlePolicy::check) (which books the
//!   attempt as a failure at once, so it holds its slot until its verdict),
//!   [`fail`](ThrottlePolicy::fail) and [`release`](ThrottlePolicy::release) steps over a
//!   [`ThrottleState`] are the whole algorithm, which every store applies atomically.
//! - [`ThrottleKey`]: what is counted (an account or a client address), as a digest: no store
//!   ever holds a username or an address in clear.
//! - [`ThrottleStore`]: check (and book) / confirm a failure / release / reset, atomically
//!   per key. In memory here
//!   ([`MemoryThrottle`], bounded); on Redis in `auth-session-redis` (`RedisThrottle`), shared by
//!   every instance. Stores prove themselves with `throttle_store_conformance` (feature
//!   `test-util`).
//!
//! The HTTP side (client addresses, `429` with `Retry-After`) is `auth-tower`'s `LoginThrottle`.
//!
//! # Why backoff and not a token bucket
//! A token bucket refills: at one token a minute an attacker gets 1,440 guesses a day at one
//! account forever, and a user who mistypes twice waits as long as one who was attacked. With
//! backoff a user who mistypes a few times never waits, each further failure doubles the wait,
//! and the cap bounds how long anyone (an attacker spending guesses on a victim's account
//! included) can keep an account locked: the lock ends at most `max_delay` after the last
//! failure, and a refused attempt is not a failure, so it never extends the lock.

#[cfg(feature = "test-util")]
mod conformance;
mod key;
// Not behind `memory`: the token endpoints throttle by default, so the default store is
// always there (it is a bounded map and a clock, nothing more).
mod memory;
mod policy;
mod store;

#[cfg(feature = "test-util")]
pub use conformance::throttle_store_conformance;
pub use key::{ThrottleKey, ThrottleKeyKind};
pub use memory::MemoryThrottle;
pub use policy::{ThrottlePolicy, ThrottleState, Verdict};
pub use store::ThrottleStore;
