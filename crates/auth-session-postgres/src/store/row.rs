//! A session row as a [`SessionRecord`], and a record or changes as statement parameters.
//!
//! The identity is kept as JSON text exactly as serialized; the values are one jsonb object
//! (so a save can merge and remove single values); times are integer milliseconds.

use super::sql::RECORD;
use crate::error;
use auth_core::{Device, Error, SessionChanges, SessionKey, SessionRecord, Timestamp};
use sqlx::Row as _;
use sqlx::postgres::PgRow;
use std::collections::BTreeMap;
use std::time::Duration;

/// How many columns [`RECORD`] selects.
const RECORD_COLUMNS: usize = 8;

/// The record in the [`RECORD`] columns of `row`, starting at column `at`.
pub(super) fn record(row: &PgRow, at: usize) -> Result<SessionRecord, Error> {
    Ok(record_sized(row, at)?.0)
}

/// [`record`], and an estimate of what it takes in memory (for the local cache's bound): its
/// texts as read plus a fixed overhead.
pub(super) fn record_sized(row: &PgRow, at: usize) -> Result<(SessionRecord, usize), Error> {
    const PER_RECORD: usize = 256;
    debug_assert_eq!(RECORD.split(", ").count(), RECORD_COLUMNS);
    let bad = |_| error::corrupt("decode session", "unexpected column type");
    let identity: Option<String> = row.try_get(at).map_err(bad)?;
    let values: String = row.try_get(at + 1).map_err(bad)?;
    let times: [i64; 4] = [
        row.try_get(at + 2).map_err(bad)?,
        row.try_get(at + 3).map_err(bad)?,
        row.try_get(at + 4).map_err(bad)?,
        row.try_get(at + 5).map_err(bad)?,
    ];
    let version: i64 = row.try_get(at + 6).map_err(bad)?;
    let device: Option<String> = row.try_get(at + 7).map_err(bad)?;
    let mut record = SessionRecord::new(
        Timestamp::from_unix_millis(times[0]),
        Duration::ZERO,
        Duration::ZERO,
    );
    record.identity = identity.as_deref().map(serde_json::from_str).transpose()?;
    record.values = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&values)?;
    record.last_seen_at = Timestamp::from_unix_millis(times[1]);
    record.idle_expires_at = Timestamp::from_unix_millis(times[2]);
    record.absolute_expires_at = Timestamp::from_unix_millis(times[3]);
    record.version = from_db_version(version);
    record.device = device.as_deref().map(serde_json::from_str).transpose()?;
    let size = PER_RECORD
        + identity.as_ref().map_or(0, String::len)
        + values.len()
        + device.as_ref().map_or(0, String::len);
    Ok((record, size))
}

/// The session key in column `at` of `row`.
pub(super) fn key(row: &PgRow, at: usize) -> Result<SessionKey, Error> {
    let bytes: Vec<u8> = row
        .try_get(at)
        .map_err(|_| error::corrupt("decode session", "unexpected key column"))?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| error::corrupt("decode session", "key is not 32 bytes"))?;
    Ok(SessionKey::from_bytes(bytes))
}

/// A record's identity as stored: the JSON text and the subject, or both NULL.
pub(super) fn identity(record: &SessionRecord) -> Result<(Option<String>, Option<&str>), Error> {
    Ok(match &record.identity {
        Some(identity) => (
            Some(serde_json::to_string(identity)?),
            Some(identity.subject()),
        ),
        None => (None, None),
    })
}

/// A device as stored: JSON text, or NULL when unknown (in a record) or unchanged (in a save).
pub(super) fn device(device: Option<&Device>) -> Result<Option<String>, Error> {
    device
        .map(serde_json::to_string)
        .transpose()
        .map_err(Error::from)
}

/// A map of values as one JSON object.
pub(super) fn values(values: &BTreeMap<String, serde_json::Value>) -> Result<String, Error> {
    Ok(serde_json::to_string(values)?)
}

/// What a save's parameters say about the identity: whether it changes, to what, and the
/// subject it leaves the session with.
pub(super) type IdentityChange<'a> = (bool, Option<String>, Option<&'a str>);

pub(super) fn identity_change(changes: &SessionChanges) -> Result<IdentityChange<'_>, Error> {
    Ok(match &changes.identity {
        None => (false, None, None),
        Some(None) => (true, None, None),
        Some(Some(identity)) => (
            true,
            Some(serde_json::to_string(identity)?),
            Some(identity.subject()),
        ),
    })
}

pub(super) fn millis(t: Timestamp) -> i64 {
    t.as_unix_millis()
}

/// Versions are `u64` in Rust and `bigint` in the table: the same 64 bits.
pub(super) fn to_db_version(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

pub(super) fn from_db_version(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_keep_all_64_bits() {
        for v in [0, 1, u64::MAX / 2, u64::MAX / 2 + 1, u64::MAX] {
            assert_eq!(from_db_version(to_db_version(v)), v);
        }
    }
}
