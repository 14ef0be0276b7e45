//! [`ThrottleKey`]: what a throttle counts, digested so no store holds a username or an
//! address in clear.

use caseless::Caseless;
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::IpAddr;
use unicode_normalization::UnicodeNormalization;

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

/// What a throttle counts: a SHA-256 digest of a normalised username, an application's
/// account id or a client address, with the kind mixed in (an account and an address never
/// share a key, nor a username and an account id).
///
/// # Usernames
/// [`account`](Self::account) keys a username by its Unicode compatibility caseless form
/// (NFKC and full case folding, as Unicode's compatibility caseless matching defines it), with
/// default-ignorable code points (zero-width spaces and joiners, the soft hyphen, bidi
/// controls, variation selectors) removed and surrounding white space trimmed. So `Alice`,
/// ` alice `, `ＡＬＩＣＥ` (full width), `ALICE` and `ali\u{200B}ce` share one counter, as do
/// `straße` and `STRASSE`: an attacker cannot get fresh attempts by spelling a name
/// differently, even where the application's own lookup is stricter.
///
/// Not folded: accents and other marks (`álice` is not `alice`: in many languages they are
/// distinct letters, and distinct usernames in an app that keeps them apart; `á` and
/// `a\u{301}` are the same, though), look-alike letters of other scripts (Cyrillic `а`), and
/// address rules of particular providers (dots or `+tags` in e-mail addresses). An
/// application whose lookup is more lenient than this (an accent-insensitive collation,
/// e-mail canonicalisation) should key the throttle by what its lookup resolved:
/// [`account_id`](Self::account_id).
///
/// # Addresses
/// An IPv6 address counts as its /64 (one subscriber usually holds a whole /64); an
/// IPv4-mapped IPv6 address counts as the IPv4 address. A subscriber given a /56 or a /48
/// holds 256 or 65,536 such keys, each with its own free attempts: counting the /56 and /48
/// as well was considered and left out for now (it would book three address keys per login,
/// and each account stays limited by its own key whatever the address); an application that
/// expects that attack can key addresses more coarsely itself before calling the throttle.
///
/// ```
/// use auth_core::throttle::{ThrottleKey, ThrottleKeyKind};
/// let a = ThrottleKey::account("Alice");
/// assert_eq!(a, ThrottleKey::account(" alice "));
/// assert_eq!(a, ThrottleKey::account("ＡＬＩＣＥ"));
/// assert_ne!(a, ThrottleKey::account("álice"));
/// assert_ne!(a, ThrottleKey::account_id("alice"), "ids and names never share a key");
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
    /// The key counting failed logins for `username`, in its compatibility caseless form
    /// (see [above](Self#usernames)).
    pub fn account(username: &str) -> Self {
        let canonical = canonical_username(username);
        Self::digest(ThrottleKeyKind::Account, &[b"name\0", canonical.as_bytes()])
    }

    /// The key counting failed logins for the account the application resolved, by its own
    /// stable id (compared exactly): for an application whose username lookup is more lenient
    /// than [`account`](Self::account)'s folding, or that accepts several names (a username,
    /// an e-mail address) for one account. Unknown usernames have no id: key them with
    /// [`account`](Self::account).
    ///
    /// ```
    /// use auth_core::throttle::ThrottleKey;
    /// // The lookup found user 42 for "alice@example.com" and for "Alice".
    /// assert_eq!(ThrottleKey::account_id("42"), ThrottleKey::account_id("42"));
    /// assert_ne!(ThrottleKey::account_id("42"), ThrottleKey::account("42"));
    /// ```
    pub fn account_id(id: &str) -> Self {
        Self::digest(ThrottleKeyKind::Account, &[b"id\0", id.as_bytes()])
    }

    /// The one key for every client whose address should have been known and was not (the
    /// trusted proxy's header missing, or no address where it was read): they count
    /// together, so such requests cannot escape the address limit, and they can lock only one
    /// another, never a real client's address nor the proxy's.
    ///
    /// ```
    /// use auth_core::throttle::ThrottleKey;
    /// assert_ne!(ThrottleKey::unknown_address(), ThrottleKey::address([0, 0, 0, 0].into()));
    /// ```
    pub fn unknown_address() -> Self {
        Self::digest(ThrottleKeyKind::Address, &[b"unknown\0"])
    }

    /// The key counting failed logins from `address` (an IPv6 address's /64).
    pub fn address(address: IpAddr) -> Self {
        match address.to_canonical() {
            IpAddr::V4(v4) => Self::digest(ThrottleKeyKind::Address, &[b"ip\0", &v4.octets()]),
            IpAddr::V6(v6) => Self::digest(ThrottleKeyKind::Address, &[b"ip\0", &v6.octets()[..8]]),
        }
    }

    fn digest(kind: ThrottleKeyKind, parts: &[&[u8]]) -> Self {
        let mut h = Sha256::new();
        h.update(b"auth-throttle\0");
        h.update(kind.as_str().as_bytes());
        h.update(b"\0");
        for part in parts {
            h.update(part);
        }
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

/// Unicode's compatibility caseless form (`NFKD(fold(NFKD(fold(NFD(s)))))`, composed again
/// with NFKC so the digest input is short), without default-ignorable code points, trimmed.
fn canonical_username(username: &str) -> String {
    let folded: String = username
        .nfd()
        .default_case_fold()
        .nfkd()
        .default_case_fold()
        .filter(|c| !is_default_ignorable(*c))
        .nfkc()
        .collect();
    folded.trim().to_owned()
}

/// Unicode's `Default_Ignorable_Code_Point` (DerivedCoreProperties.txt, Unicode 15): invisible
/// characters a lookup or a display may drop, so a name with them may reach the same account.
fn is_default_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
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

    #[test]
    fn an_account_key_ignores_width_case_and_invisible_characters() {
        let alice = ThrottleKey::account("alice");
        for spelling in [
            "Alice",
            " alice ",
            "ALICE",
            "ＡＬＩＣＥ",
            "\u{3000}ａｌｉｃｅ\u{3000}",
            "ali\u{200B}ce",
            "\u{FEFF}alice",
            "al\u{00AD}ice",
            "ａlice\u{FE0F}",
        ] {
            assert_eq!(ThrottleKey::account(spelling), alice, "{spelling:?}");
        }
        assert_eq!(
            ThrottleKey::account("straße"),
            ThrottleKey::account("STRASSE"),
            "full case folding"
        );
        assert_eq!(
            ThrottleKey::account("ΟΔΥΣΣΕΥΣ"),
            ThrottleKey::account("οδυσσευς"),
            "final sigma folds like sigma"
        );
        assert_eq!(
            ThrottleKey::account("ﬁona"),
            ThrottleKey::account("fiona"),
            "compatibility forms (ligatures)"
        );
    }

    #[test]
    fn accents_are_distinct_letters_but_their_encodings_are_one() {
        let alice = ThrottleKey::account("alice");
        assert_ne!(ThrottleKey::account("álice"), alice);
        assert_eq!(
            ThrottleKey::account("\u{E1}lice"),
            ThrottleKey::account("a\u{301}lice"),
            "precomposed and combining forms are the same name"
        );
        assert_eq!(ThrottleKey::account("ÁLICE"), ThrottleKey::account("álice"));
        assert_ne!(
            ThrottleKey::account("аlice"),
            alice,
            "Cyrillic а is another letter"
        );
    }

    #[test]
    fn account_ids_are_exact_and_apart_from_names() {
        assert_ne!(
            ThrottleKey::account_id("Alice"),
            ThrottleKey::account_id("alice")
        );
        assert_ne!(
            ThrottleKey::account_id("alice"),
            ThrottleKey::account("alice")
        );
        assert_eq!(
            ThrottleKey::account_id("alice").kind(),
            ThrottleKeyKind::Account
        );
    }
}
