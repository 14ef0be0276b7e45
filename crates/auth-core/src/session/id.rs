//! Session identifiers: the secret [`SessionId`] the client holds, and the [`SessionKey`]
//! (its SHA-256 digest) that stores, indexes and revocations use.

use crate::error::{Error, ErrorKind};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// Length of a session id in bytes (256 bits of OS CSPRNG output).
pub const SESSION_ID_BYTES: usize = 32;
/// Length of a session id as it appears in a cookie: unpadded base64url of 32 bytes.
pub const SESSION_ID_ENCODED_LEN: usize = 43;

/// The secret a client presents to resume a session: 256 bits from the OS CSPRNG.
///
/// The bytes are private; the only ways out are [`SessionId::expose_cookie_value`] (for the
/// cookie) and [`SessionId::key`] (the digest stores use). `Debug` is redacted and equality is
/// constant-time, so the id does not leak through logs or timing.
#[derive(Clone)]
pub struct SessionId([u8; SESSION_ID_BYTES]);

impl SessionId {
    /// A fresh id from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] if the OS has no randomness to give (practically never; we
    /// refuse to make up an id rather than fall back to something weaker).
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = [0u8; SESSION_ID_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| {
            Error::unavailable(format!("the OS random number generator failed: {e}"))
        })?;
        Ok(Self(bytes))
    }

    /// Parse the value of a session cookie. Strict: exactly 43 characters of unpadded
    /// base64url in canonical form; anything else is refused without allocation.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for any other length or alphabet.
    pub fn parse(value: &str) -> Result<Self, Error> {
        decode_cookie_value(value.as_bytes())
            .map(Self)
            .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "malformed session id"))
    }

    /// The value to put in the session cookie. Named so that every place that reveals the
    /// secret is easy to find in review.
    pub fn expose_cookie_value(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// The store key for this id: its SHA-256 digest.
    pub fn key(&self) -> SessionKey {
        SessionKey(Sha256::digest(self.0).into())
    }
}

/// The value of each base64url character, `0xff` for every other byte.
const B64URL: [u8; 256] = {
    let mut table = [0xff; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decode the 43 characters of a cookie value into the id's 32 bytes: unpadded base64url,
/// canonical (the last character carries 4 bits; its 2 spare bits must be zero, so each id
/// has exactly one spelling). A straight table decode of the one length we accept: a session
/// cookie is read on every request that carries one.
fn decode_cookie_value(value: &[u8]) -> Option<[u8; SESSION_ID_BYTES]> {
    let value: &[u8; SESSION_ID_ENCODED_LEN] = value.try_into().ok()?;
    let mut sextets = [0u8; SESSION_ID_ENCODED_LEN];
    let mut invalid = 0u8;
    for (s, &c) in sextets.iter_mut().zip(value) {
        *s = B64URL[usize::from(c)];
        invalid |= *s;
    }
    // Valid sextets are below 64, so any 0xff shows in the top bit.
    if invalid & 0x80 != 0 || sextets[42] & 0b11 != 0 {
        return None;
    }
    let mut out = [0u8; SESSION_ID_BYTES];
    // 10 groups of 4 characters -> 3 bytes, then 3 characters -> 2 bytes.
    for (group, bytes) in sextets.chunks_exact(4).zip(out.chunks_exact_mut(3)) {
        let n = u32::from(group[0]) << 18
            | u32::from(group[1]) << 12
            | u32::from(group[2]) << 6
            | u32::from(group[3]);
        bytes.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let n =
        u32::from(sextets[40]) << 18 | u32::from(sextets[41]) << 12 | u32::from(sextets[42]) << 6;
    out[30..].copy_from_slice(&n.to_be_bytes()[1..3]);
    Some(out)
}

impl PartialEq for SessionId {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SessionId {}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

/// The public handle of a session: the SHA-256 digest of its [`SessionId`].
///
/// Stores key records by it, the per-subject index lists it, JWTs carry it as `sid`, and a
/// "your devices" page can show it to revoke a session. It cannot be turned back into a
/// usable session id, so a dump of the store, a log line or a token reveals no session.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionKey([u8; 32]);

impl SessionKey {
    /// From the raw 32 digest bytes (for stores that keep keys as bytes).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, 64 characters: the form used in store keys.
    pub fn to_hex(&self) -> String {
        use fmt::Write as _;
        let mut s = String::with_capacity(64);
        for b in self.0 {
            let _ = write!(s, "{b:02x}");
        }
        s
    }

    /// Parse the 64-character hex form (either case).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`] for any other input.
    pub fn from_hex(s: &str) -> Result<Self, Error> {
        let invalid = || Error::new(ErrorKind::InvalidInput, "malformed session key");
        let raw = s.as_bytes();
        if raw.len() != 64 {
            return Err(invalid());
        }
        let mut out = [0u8; 32];
        for (i, pair) in raw.chunks_exact(2).enumerate() {
            let hi = hex_val(pair[0]).ok_or_else(invalid)?;
            let lo = hex_val(pair[1]).ok_or_else(invalid)?;
            out[i] = (hi << 4) | lo;
        }
        Ok(Self(out))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A prefix is enough to correlate log lines; the full digest stays out of logs.
        let hex = self.to_hex();
        write!(f, "SessionKey({}…)", &hex[..8])
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for SessionKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for SessionKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_hex(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn generate_round_trips_through_the_cookie_value() {
        let id = SessionId::generate().unwrap();
        let v = id.expose_cookie_value();
        assert_eq!(v.len(), SESSION_ID_ENCODED_LEN);
        let back = SessionId::parse(&v).unwrap();
        assert_eq!(back, id);
        assert_eq!(back.key(), id.key());
        assert_ne!(SessionId::generate().unwrap(), id);
    }

    #[test]
    fn debug_is_redacted() {
        let id = SessionId::generate().unwrap();
        let dbg = format!("{id:?}");
        assert!(!dbg.contains(&id.expose_cookie_value()));
        let key_dbg = format!("{:?}", id.key());
        assert!(!key_dbg.contains(&id.key().to_hex()));
    }

    #[test]
    fn rejects_non_canonical_and_wrong_alphabets() {
        let id = SessionId::generate().unwrap().expose_cookie_value();
        for bad in [
            String::new(),
            format!("{id}="),
            format!("{id}A"),
            id[..42].to_string(),
            id.replace(['-', '_'], "+"),
            format!(" {}", &id[1..]),
            "A".repeat(42) + "B", // non-zero trailing bits: not canonical
        ] {
            if bad == id {
                continue;
            }
            assert!(SessionId::parse(&bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn key_hex_round_trip() {
        let k = SessionId::generate().unwrap().key();
        assert_eq!(SessionKey::from_hex(&k.to_hex()).unwrap(), k);
        assert_eq!(SessionKey::from_hex(&k.to_hex().to_uppercase()).unwrap(), k);
        assert!(SessionKey::from_hex("zz").is_err());
        assert!(SessionKey::from_hex(&"g".repeat(64)).is_err());
        let json = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<SessionKey>(&json).unwrap(), k);
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_accepts_only_canonical(s in "\\PC{0,100}") {
            if let Ok(id) = SessionId::parse(&s) {
                prop_assert_eq!(id.expose_cookie_value(), s);
            }
        }

        #[test]
        fn parse_bytes_of_the_right_length(bytes in proptest::collection::vec(any::<u8>(), 43)) {
            let s = String::from_utf8_lossy(&bytes);
            if let Ok(id) = SessionId::parse(&s) {
                prop_assert_eq!(id.expose_cookie_value(), s.into_owned());
            }
        }

        #[test]
        fn the_table_decoder_agrees_with_the_base64_engine(s in "[A-Za-z0-9_=+/ -]{43}") {
            let engine = URL_SAFE_NO_PAD.decode(&s).ok();
            let ours = SessionId::parse(&s).ok().map(|id| id.0.to_vec());
            prop_assert_eq!(ours, engine);
        }

        #[test]
        fn every_32_byte_value_round_trips(bytes in any::<[u8; 32]>()) {
            let v = URL_SAFE_NO_PAD.encode(bytes);
            let id = SessionId::parse(&v).unwrap();
            prop_assert_eq!(id.expose_cookie_value(), v);
        }
    }
}
