//! [`ThrottleKey`]: what a throttle counts, digested so no store holds a username or an
//! address in clear.

use sha2::{Digest, Sha256};
use std::fmt;
use std::net::IpAddr;

/// Whether a key counts an account or a client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ThrottleKeyKind {
    /// Failed logins for one username, from anywhere.
    Account,
    /// Failed logins from one client address (an IPv6 client's whole /64), for any username.
    Address,
}

impl ThrottleKeyKind {
    /// A short, stable name for store keys and logs: `account` or `address`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Address => "address",
        }
    }
}

/// What a throttle counts: a SHA-256 digest of a normalised username or client address, with
/// the kind mixed in (an account and an address never share a key).
///
/// Usernames are trimmed and lower-cased first, so `Alice` and ` alice` share one counter: an
/// attacker cannot get fresh attempts by changing case, even if the application's own lookup
/// is case-sensitive. An IPv6 address counts as its /64 (one subscriber usually holds a whole
/// /64); an IPv4-mapped IPv6 address counts as the IPv4 address.
///
/// ```
/// use auth_core::throttle::{ThrottleKey, ThrottleKeyKind};
/// let a = ThrottleKey::account("Alice");
/// assert_eq!(a, ThrottleKey::account(" alice "));
/// assert_eq!(a.kind(), ThrottleKeyKind::Account);
/// assert!(!a.to_hex().contains("alice"));
/// let v6 = |s: &str| ThrottleKey::address(s.parse().unwrap());
/// assert_eq!(v6("2001:db8:1:2::1"), v6("2001:db8:1:2:ffff::9"));
/// assert_ne!(v6("2001:db8:1:2::1"), v6("2001:db8:1:3::1"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThrottleKey {
    kind: ThrottleKeyKind,
    digest: [u8; 32],
}

impl ThrottleKey {
    /// The key counting failed logins for `username`.
    pub fn account(username: &str) -> Self {
        let normalised = username.trim().to_lowercase();
        Self::digest(ThrottleKeyKind::Account, normalised.as_bytes())
    }

    /// The key counting failed logins from `address` (an IPv6 address's /64).
    pub fn address(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V4(v4) => Self::digest(ThrottleKeyKind::Address, &v4.octets()),
            IpAddr::V6(v6) => Self::digest(ThrottleKeyKind::Address, &v6.octets()[..8]),
        }
    }

    fn digest(kind: ThrottleKeyKind, bytes: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"auth-throttle\0");
        h.update(kind.as_str().as_bytes());
        h.update(b"\0");
        h.update(bytes);
        Self {
            kind,
            digest: h.finalize().into(),
        }
    }

    /// The kind of thing counted.
    pub const fn kind(&self) -> ThrottleKeyKind {
        self.kind
    }

    /// The digest as 64 lower-case hex characters (for store key names).
    pub fn to_hex(&self) -> String {
        use fmt::Write as _;
        let mut s = String::with_capacity(64);
        for b in self.digest {
            let _ = write!(s, "{b:02x}");
        }
        s
    }
}

impl fmt::Debug for ThrottleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ThrottleKey({}:{}…)",
            self.kind.as_str(),
            &self.to_hex()[..8]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_never_collide_and_debug_shows_no_input() {
        let a = ThrottleKey::account("127.0.0.1");
        let c = ThrottleKey::address("127.0.0.1".parse().unwrap());
        assert_ne!(a.to_hex(), c.to_hex());
        assert_eq!(
            ThrottleKey::address("::ffff:10.0.0.1".parse().unwrap()),
            ThrottleKey::address("10.0.0.1".parse().unwrap())
        );
        let shown = format!("{:?}", ThrottleKey::account("alice@example.com"));
        assert!(!shown.contains("alice"), "{shown}");
    }
}
