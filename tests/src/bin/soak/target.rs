//! One example server as the clients see it: where it is, what it answered, its accounts'
//! "log out everywhere" bookkeeping and the access tokens kept to be replayed once expired.

use crate::accounts::Accounts;
use crate::settings::{ACCESS_TTL, VERIFIER_LEEWAY};
use crate::tally::Tally;
use std::collections::VecDeque;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where wrong passwords come from: another loopback address than the real users', so that
/// its lock (per address) never reaches them.
pub(crate) const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 66));

/// How many access tokens are kept for the expired-token probe.
const STASH: usize = 64;

/// An example server under traffic.
#[derive(Debug)]
pub(crate) struct Target {
    /// `http://127.0.0.1:PORT`, also its origin.
    pub(crate) base: String,
    pub(crate) tally: Tally,
    pub(crate) accounts: Accounts,
    stash: Mutex<VecDeque<(Instant, String)>>,
}

impl Target {
    pub(crate) fn new(port: u16) -> Self {
        Self {
            base: format!("http://127.0.0.1:{port}"),
            tally: Tally::default(),
            accounts: Accounts::default(),
            stash: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Keep an access token received at `at`, to replay once it has expired.
    pub(crate) fn keep_token(&self, at: Instant, token: &str) {
        let mut stash = self
            .stash
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if stash.len() < STASH {
            stash.push_back((at, token.to_owned()));
        }
    }

    /// An access token certainly expired for the verifier: received more than its lifetime
    /// plus the verifier's leeway (and a second) ago. Replaced by a newer one once used.
    pub(crate) fn expired_token(&self) -> Option<String> {
        let mut stash = self
            .stash
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (at, _) = stash.front()?;
        if at.elapsed() <= ACCESS_TTL + VERIFIER_LEEWAY + Duration::from_secs(1) {
            return None;
        }
        stash.pop_front().map(|(_, token)| token)
    }
}

/// The clients of one worker: its own (127.0.0.1) and the attacker's.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    pub(crate) user: reqwest::Client,
    pub(crate) attacker: reqwest::Client,
}

impl Clients {
    pub(crate) fn new() -> Self {
        Self {
            user: e2e::client(),
            attacker: e2e::client_from(ATTACKER),
        }
    }
}
