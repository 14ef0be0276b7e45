//! Key names: every Redis key and channel this crate touches is spelled here, and nowhere else.
//!
//! | key | type | hash tag | holds |
//! |---|---|---|---|
//! | `{prefix}s:{<session key hex>}` | HASH | the session key | one session |
//! | `{prefix}sr:{<session key hex>}` | STRING | the session key | Cluster only: a session a rotation has taken and may put back (short-lived; a delete removes it) |
//! | `{prefix}u:{<sha256(subject) hex>}` | ZSET | the subject digest | a subject's session keys, scored by absolute expiry |
//! | `{prefix}rev` | ZSET | none (one key) | revocations (JSON target), scored by expiry |
//! | `{prefix}rev:u:{{prefix}rev}<sha256(subject) hex>` | ZSET | the revocation ZSET's name | a subject's entries in `{prefix}rev`, scored by expiry (to count and collapse them) |
//! | `{prefix}rev:feed` | pub/sub channel | | revocations as they happen (JSON) |
//! | `{prefix}th:account:{<digest hex>}`, `{prefix}th:address:{<digest hex>}` | HASH | the digest | one login-throttle count (failures, locked until) |
//!
//! The braces are Redis Cluster hash tags: a session and everything stored in it live in one
//! slot, a subject's index lives in another. Subjects are digested so that neither a user id
//! that contains braces nor one that is personal data ends up in a key name.

use auth_core::throttle::ThrottleKey;
use auth_core::{Error, SessionKey};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::sync::Arc;

/// The key prefix used when none is configured.
pub(crate) const DEFAULT_PREFIX: &str = "auth:";

/// Builds key names under one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    prefix: Arc<str>,
}

impl Keys {
    /// Keys under `prefix`, which must not contain `{` or `}` (they would change which part
    /// of a key Redis Cluster hashes).
    pub(crate) fn new(prefix: &str) -> Result<Self, Error> {
        if prefix.contains(['{', '}']) {
            return Err(Error::config(
                "the Redis key prefix must not contain '{' or '}' (they are Cluster hash tags)",
            ));
        }
        Ok(Self {
            prefix: prefix.into(),
        })
    }

    /// The prefix.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The HASH holding one session.
    pub(crate) fn session(&self, key: &SessionKey) -> String {
        format!("{}s:{{{}}}", self.prefix, key.to_hex())
    }

    /// What every session HASH name starts with: the prefix the local cache asks Redis to
    /// track (`CLIENT TRACKING ... BCAST PREFIX`).
    pub(crate) fn session_prefix(&self) -> String {
        format!("{}s:{{", self.prefix)
    }

    /// The session key a session HASH name stands for (`None` for any other name).
    pub(crate) fn session_key_of(&self, name: &[u8]) -> Option<SessionKey> {
        let hex = name
            .strip_prefix(self.prefix.as_bytes())?
            .strip_prefix(b"s:{")?
            .strip_suffix(b"}")?;
        SessionKey::from_hex(std::str::from_utf8(hex).ok()?).ok()
    }

    /// The marker a cluster rotation leaves while it may still put the session back; in the
    /// session's slot, so a delete can remove it in the same script.
    pub(crate) fn rotation_marker(&self, key: &SessionKey) -> String {
        format!("{}sr:{{{}}}", self.prefix, key.to_hex())
    }

    /// The HASH of the session an index member stands for.
    pub(crate) fn session_for_member(&self, member: &str) -> String {
        format!("{}s:{{{member}}}", self.prefix)
    }

    /// The ZSET indexing a subject's sessions.
    pub(crate) fn subject(&self, subject: &str) -> String {
        let digest = Sha256::digest(subject.as_bytes());
        let mut key = String::with_capacity(self.prefix.len() + 68);
        key.push_str(&self.prefix);
        key.push_str("u:{");
        for b in digest {
            let _ = write!(key, "{b:02x}");
        }
        key.push('}');
        key
    }

    /// The HASH holding one refresh-token family.
    pub(crate) fn refresh_family(&self, family_hex: &str) -> String {
        format!("{}rf:{{{family_hex}}}", self.prefix)
    }

    /// The HASH counting failed logins for one throttle key (a digest: never a username or
    /// an address in clear).
    pub(crate) fn throttle(&self, key: &ThrottleKey) -> String {
        format!(
            "{}th:{}:{{{}}}",
            self.prefix,
            key.kind().as_str(),
            key.to_hex()
        )
    }

    /// The ZSET of revocations.
    pub(crate) fn revocations(&self) -> String {
        format!("{}rev", self.prefix)
    }

    /// The ZSET indexing a subject's entries in [`revocations`](Self::revocations) (their
    /// members, scored by expiry), so that the revoke script can count and collapse them. Its
    /// hash tag is the revocation ZSET's whole name, so both live in one Cluster slot.
    pub(crate) fn revocations_of(&self, subject: &str) -> String {
        let digest = Sha256::digest(subject.as_bytes());
        let mut key = format!("{}rev:u:{{{}rev}}", self.prefix, self.prefix);
        for b in digest {
            let _ = write!(key, "{b:02x}");
        }
        key
    }

    /// The pub/sub channel revocations are published on.
    pub(crate) fn revocation_channel(&self) -> String {
        format!("{}rev:feed", self.prefix)
    }
}

/// The member that stands for a session in a subject index.
pub(crate) fn member(key: &SessionKey) -> String {
    key.to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hash_tags() {
        let keys = Keys::new("app:").unwrap();
        let k = SessionKey::from_bytes([0xab; 32]);
        assert_eq!(keys.session(&k), format!("app:s:{{{}}}", "ab".repeat(32)));
        assert_eq!(
            keys.rotation_marker(&k),
            format!("app:sr:{{{}}}", "ab".repeat(32)),
            "same hash tag as the session"
        );
        let ix = keys.subject("user {42}");
        assert!(ix.starts_with("app:u:{") && ix.ends_with('}') && ix.len() == 7 + 64 + 1);
        assert!(!ix.contains("42"), "subjects are digested");
        assert_eq!(keys.revocations(), "app:rev");
        let rx = keys.revocations_of("user {42}");
        assert!(
            rx.starts_with("app:rev:u:{app:rev}") && rx.len() == 19 + 64,
            "{rx}"
        );
        assert!(!rx.contains("42"), "subjects are digested");
        assert_eq!(keys.session_key_of(keys.session(&k).as_bytes()), Some(k));
        assert!(keys.session(&k).starts_with(&keys.session_prefix()));
        assert_eq!(
            keys.session_key_of(keys.rotation_marker(&k).as_bytes()),
            None
        );
        assert_eq!(keys.session_key_of(b"app:s:{zz}"), None);
        assert!(Keys::new("bad{").is_err());
        assert!(Keys::new("bad}").is_err());
    }
}
