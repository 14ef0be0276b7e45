//! The session record a store keeps, and the field-level changes a request makes to it.

use crate::identity::Identity;
use crate::session::{Device, SessionKey};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// One server-side session, as stored.
///
/// Fields are public so that store implementations can build and take records apart; the
/// session layer is the only thing that should change them, through [`SessionChanges`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SessionRecord {
    /// Who is logged in, if anyone (an anonymous session has none).
    pub identity: Option<Identity>,
    /// Named values, each stored and changed independently of the others.
    pub values: BTreeMap<String, serde_json::Value>,
    /// When the session was created.
    pub created_at: Timestamp,
    /// When the session was last seen (updated at most once per touch interval).
    pub last_seen_at: Timestamp,
    /// When the session expires if it is not seen again (idle timeout).
    pub idle_expires_at: Timestamp,
    /// When the session expires regardless of activity (absolute timeout).
    pub absolute_expires_at: Timestamp,
    /// Bumped by every save; lets a caller ask for a compare-and-set.
    pub version: u64,
    /// Where the session was logged in from (user agent, client address), recorded at login
    /// and kept by every later save; `None` for anonymous sessions and for records written
    /// before devices were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Device>,
}

impl SessionRecord {
    /// A new, empty, anonymous record created at `now` with the given timeouts.
    pub fn new(now: Timestamp, idle_timeout: Duration, absolute_timeout: Duration) -> Self {
        let absolute_expires_at = now.saturating_add(absolute_timeout);
        Self {
            identity: None,
            values: BTreeMap::new(),
            created_at: now,
            last_seen_at: now,
            idle_expires_at: now.saturating_add(idle_timeout).min(absolute_expires_at),
            absolute_expires_at,
            version: 0,
            device: None,
        }
    }

    /// The subject logged in to this session, if any.
    pub fn subject(&self) -> Option<&str> {
        self.identity.as_ref().map(Identity::subject)
    }

    /// When the session ends: the earlier of the idle and the absolute expiry.
    pub fn expires_at(&self) -> Timestamp {
        self.idle_expires_at.min(self.absolute_expires_at)
    }

    /// Whether the session has ended at `now` (expiry is exclusive: at `expires_at` it is gone).
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at()
    }
}

/// A refresh of the idle expiry ("the session was used at `last_seen_at`").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Touch {
    /// The new last-seen time.
    pub last_seen_at: Timestamp,
    /// The new idle expiry (never later than the absolute expiry; stores clamp it).
    pub idle_expires_at: Timestamp,
}

impl Touch {
    /// The session was seen at `last_seen_at` and now idles out at `idle_expires_at`.
    pub fn new(last_seen_at: Timestamp, idle_expires_at: Timestamp) -> Self {
        Self {
            last_seen_at,
            idle_expires_at,
        }
    }
}

/// What one request changed in a session: only these fields are written, so concurrent
/// requests that change different values both land.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionChanges {
    /// Values set (inserted or replaced).
    pub set: BTreeMap<String, serde_json::Value>,
    /// Values removed.
    pub removed: BTreeSet<String>,
    /// A new identity (`Some(None)` logs out while keeping the session). The session layer
    /// only changes the identity together with a new id ([`SessionStore::rotate`]).
    ///
    /// [`SessionStore::rotate`]: crate::SessionStore::rotate
    pub identity: Option<Option<Identity>>,
    /// A refresh of the idle expiry.
    pub touch: Option<Touch>,
    /// Where a login came from: set by the session layer at login, together with the
    /// identity. `None` leaves the recorded device as it is (no save ever erases it).
    pub device: Option<Device>,
    /// Apply only if the stored version is still this one (compare-and-set).
    pub expected_version: Option<u64>,
}

impl SessionChanges {
    /// Whether nothing would be written.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.removed.is_empty()
            && self.identity.is_none()
            && self.touch.is_none()
            && self.device.is_none()
    }

    /// Record that `name` was set to `value` (undoing an earlier removal in this request).
    pub fn insert(&mut self, name: String, value: serde_json::Value) {
        self.removed.remove(&name);
        self.set.insert(name, value);
    }

    /// Record that `name` was removed (undoing an earlier set in this request).
    pub fn remove(&mut self, name: String) {
        self.set.remove(&name);
        self.removed.insert(name);
    }

    /// Apply these changes to `record` and bump its version: the reference semantics every
    /// store must match (the Redis store does the same inside a Lua script).
    pub fn apply_to(&self, record: &mut SessionRecord) {
        for name in &self.removed {
            record.values.remove(name);
        }
        for (name, value) in &self.set {
            record.values.insert(name.clone(), value.clone());
        }
        if let Some(identity) = &self.identity {
            record.identity.clone_from(identity);
        }
        if let Some(device) = &self.device {
            record.device = Some(device.clone());
        }
        if let Some(touch) = self.touch {
            record.last_seen_at = record.last_seen_at.max(touch.last_seen_at);
            record.idle_expires_at = touch.idle_expires_at.min(record.absolute_expires_at);
        }
        record.version = record.version.wrapping_add(1);
    }
}

/// The result of [`SessionStore::save`](crate::SessionStore::save).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveOutcome {
    /// Applied; the record is now at `version`.
    Saved {
        /// The new version.
        version: u64,
    },
    /// The session no longer exists (deleted, rotated away or expired); nothing was written,
    /// and the session was not brought back.
    Missing,
    /// `expected_version` did not match; nothing was written.
    Conflict {
        /// The version the store holds.
        current_version: u64,
    },
}

/// A session as listed for a subject ("your devices").
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SessionEntry {
    /// The session's public key (safe to show, cannot be used as a cookie).
    pub key: SessionKey,
    /// The record.
    pub record: SessionRecord,
}

impl SessionEntry {
    /// The session under `key`, as `record` holds it.
    pub fn new(key: SessionKey, record: SessionRecord) -> Self {
        Self { key, record }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_apply_field_by_field() {
        let now = Timestamp::from_unix_millis(1_000);
        let mut r = SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600));
        r.values.insert("keep".into(), json!(1));
        r.values.insert("drop".into(), json!(2));
        let mut c = SessionChanges::default();
        assert!(c.is_empty());
        c.insert("new".into(), json!("x"));
        c.remove("drop".into());
        c.touch = Some(Touch {
            last_seen_at: now.saturating_add(Duration::from_secs(10)),
            idle_expires_at: now.saturating_add(Duration::from_secs(10_000)),
        });
        c.apply_to(&mut r);
        assert_eq!(r.values.get("keep"), Some(&json!(1)));
        assert_eq!(r.values.get("new"), Some(&json!("x")));
        assert!(!r.values.contains_key("drop"));
        assert_eq!(
            r.idle_expires_at, r.absolute_expires_at,
            "idle expiry is clamped"
        );
        assert_eq!(r.version, 1);
    }

    #[test]
    fn a_device_is_set_by_changes_that_carry_one_and_kept_by_all_others() {
        let now = Timestamp::from_unix_millis(1_000);
        let mut r = SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600));
        let laptop = Device::new().with_user_agent("curl/8.5.0");
        let c = SessionChanges {
            identity: Some(Some(Identity::new("alice"))),
            device: Some(laptop.clone()),
            ..SessionChanges::default()
        };
        assert!(
            !SessionChanges {
                device: Some(Device::new()),
                ..SessionChanges::default()
            }
            .is_empty()
        );
        c.apply_to(&mut r);
        assert_eq!(r.device.as_ref(), Some(&laptop));
        let mut other = SessionChanges::default();
        other.insert("x".into(), json!(1));
        other.identity = Some(None);
        other.apply_to(&mut r);
        assert_eq!(
            r.device.as_ref(),
            Some(&laptop),
            "a save without a device keeps it"
        );
    }

    #[test]
    fn records_without_a_device_still_decode() {
        let now = Timestamp::from_unix_millis(1_000);
        let r = SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600));
        let mut old = serde_json::to_value(&r).unwrap();
        assert!(old.get("device").is_none(), "no device, no field");
        old.as_object_mut().unwrap().remove("device");
        assert_eq!(serde_json::from_value::<SessionRecord>(old).unwrap(), r);
    }

    #[test]
    fn later_operation_on_a_name_wins() {
        let mut c = SessionChanges::default();
        c.insert("a".into(), json!(1));
        c.remove("a".into());
        assert!(c.set.is_empty() && c.removed.contains("a"));
        c.insert("a".into(), json!(2));
        assert!(c.removed.is_empty() && c.set["a"] == json!(2));
    }

    #[test]
    fn expiry_is_exclusive_and_the_earlier_of_the_two() {
        let now = Timestamp::from_unix_millis(0);
        let r = SessionRecord::new(now, Duration::from_secs(10), Duration::from_secs(5));
        assert_eq!(r.expires_at(), Timestamp::from_unix_millis(5_000));
        assert!(!r.is_expired(Timestamp::from_unix_millis(4_999)));
        assert!(r.is_expired(Timestamp::from_unix_millis(5_000)));
    }
}
