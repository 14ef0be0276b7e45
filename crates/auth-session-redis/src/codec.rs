//! A [`SessionRecord`] as the fields of a Redis HASH, and [`SessionChanges`] as script
//! arguments. The scripts in `scripts/` read the same field names.
//!
//! Metadata fields have short fixed names; each value is its own field `v:<name>` holding JSON
//! text, so a value named like a metadata field (`ver`, say) cannot clash with it.

use crate::error;
use auth_core::{Error, Identity, SessionChanges, SessionRecord, Timestamp};
use std::collections::BTreeMap;
use std::time::Duration;

pub(crate) const CREATED: &str = "created";
pub(crate) const SEEN: &str = "seen";
pub(crate) const IDLE: &str = "idle";
pub(crate) const ABSOLUTE: &str = "abs";
pub(crate) const VERSION: &str = "ver";
pub(crate) const IDENTITY: &str = "ident";
pub(crate) const SUBJECT: &str = "sub";
/// The device the session was logged in from (JSON), absent when unknown.
pub(crate) const DEVICE: &str = "dev";
/// Prefix of every value field.
pub(crate) const VALUE: &str = "v:";

/// Integer milliseconds, as scripts and scores expect them.
pub(crate) fn millis(t: Timestamp) -> String {
    t.as_unix_millis().to_string()
}

/// The record as a flat list of field/value pairs for `HSET`.
pub(crate) fn encode_record(record: &SessionRecord) -> Result<Vec<String>, Error> {
    let mut out = Vec::with_capacity(14 + 2 * record.values.len());
    out.extend([
        CREATED.to_owned(),
        millis(record.created_at),
        SEEN.to_owned(),
        millis(record.last_seen_at),
        IDLE.to_owned(),
        millis(record.idle_expires_at),
        ABSOLUTE.to_owned(),
        millis(record.absolute_expires_at),
        VERSION.to_owned(),
        record.version.to_string(),
    ]);
    if let Some(identity) = &record.identity {
        out.push(IDENTITY.to_owned());
        out.push(serde_json::to_string(identity)?);
        out.push(SUBJECT.to_owned());
        out.push(identity.subject().to_owned());
    }
    if let Some(device) = &record.device {
        out.push(DEVICE.to_owned());
        out.push(serde_json::to_string(device)?);
    }
    for (name, value) in &record.values {
        out.push(format!("{VALUE}{name}"));
        out.push(serde_json::to_string(value)?);
    }
    Ok(out)
}

/// A record from the flat field/value list `HGETALL` returns; `None` for an empty hash.
pub(crate) fn decode_record(fields: Vec<String>) -> Result<Option<SessionRecord>, Error> {
    if fields.is_empty() {
        return Ok(None);
    }
    if !fields.len().is_multiple_of(2) {
        return Err(error::corrupt(
            "decode session",
            "odd number of hash fields",
        ));
    }
    let mut times: [Option<i64>; 4] = [None; 4];
    let mut version = None;
    let mut identity: Option<Identity> = None;
    let mut device = None;
    let mut values = BTreeMap::new();
    let mut it = fields.into_iter();
    while let (Some(name), Some(value)) = (it.next(), it.next()) {
        if let Some(value_name) = name.strip_prefix(VALUE) {
            values.insert(value_name.to_owned(), serde_json::from_str(&value)?);
            continue;
        }
        let slot = match name.as_str() {
            CREATED => 0,
            SEEN => 1,
            IDLE => 2,
            ABSOLUTE => 3,
            VERSION => {
                version = Some(parse_int::<u64>(&value)?);
                continue;
            }
            IDENTITY => {
                identity = Some(serde_json::from_str(&value)?);
                continue;
            }
            DEVICE => {
                device = Some(serde_json::from_str(&value)?);
                continue;
            }
            // The subject is a copy of the identity's, kept for the scripts.
            SUBJECT => continue,
            _ => return Err(error::corrupt("decode session", "unknown hash field")),
        };
        times[slot] = Some(parse_int::<i64>(&value)?);
    }
    let [Some(created), Some(seen), Some(idle), Some(abs)] = times else {
        return Err(error::corrupt("decode session", "missing time field"));
    };
    let Some(version) = version else {
        return Err(error::corrupt("decode session", "missing version"));
    };
    let created_at = Timestamp::from_unix_millis(created);
    let mut record = SessionRecord::new(created_at, Duration::ZERO, Duration::ZERO);
    record.identity = identity;
    record.device = device;
    record.values = values;
    record.last_seen_at = Timestamp::from_unix_millis(seen);
    record.idle_expires_at = Timestamp::from_unix_millis(idle);
    record.absolute_expires_at = Timestamp::from_unix_millis(abs);
    record.version = version;
    Ok(Some(record))
}

fn parse_int<T: std::str::FromStr>(s: &str) -> Result<T, Error> {
    s.parse()
        .map_err(|_| error::corrupt("decode session", "malformed integer field"))
}

/// The changes block the `save` and `rotate` scripts read from `ARGV[at..]` (it must come
/// last): identity op (`""`, `"-"` log out, `"+"` set), identity JSON, subject, touch
/// last-seen (`""` for no touch), touch idle expiry, device JSON (`""` to keep the recorded
/// one), number of removed fields, the removed field names, then field/value pairs to set.
pub(crate) fn encode_changes(changes: &SessionChanges) -> Result<Vec<String>, Error> {
    let mut out = Vec::with_capacity(7 + changes.removed.len() + 2 * changes.set.len());
    match &changes.identity {
        None => out.extend([String::new(), String::new(), String::new()]),
        Some(None) => out.extend(["-".to_owned(), String::new(), String::new()]),
        Some(Some(identity)) => out.extend([
            "+".to_owned(),
            serde_json::to_string(identity)?,
            identity.subject().to_owned(),
        ]),
    }
    match changes.touch {
        None => out.extend([String::new(), String::new()]),
        Some(touch) => out.extend([millis(touch.last_seen_at), millis(touch.idle_expires_at)]),
    }
    out.push(match &changes.device {
        // A device always encodes to a JSON object, never to "".
        Some(device) => serde_json::to_string(device)?,
        None => String::new(),
    });
    out.push(changes.removed.len().to_string());
    out.extend(changes.removed.iter().map(|name| format!("{VALUE}{name}")));
    for (name, value) in &changes.set {
        out.push(format!("{VALUE}{name}"));
        out.push(serde_json::to_string(value)?);
    }
    Ok(out)
}

/// The subject a save or rotation leaves the session with, given the subject it had.
pub(crate) fn subject_after<'a>(
    changes: &'a SessionChanges,
    before: Option<&'a str>,
) -> Option<&'a str> {
    match &changes.identity {
        None => before,
        Some(identity) => identity.as_ref().map(Identity::subject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    #[test]
    fn record_round_trips_and_values_cannot_clash_with_metadata() {
        let now = Timestamp::from_unix_millis(1_700_000_000_123);
        let mut r = SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600));
        r.identity = Some(Identity::new("alice").with_role("admin"));
        r.values.insert("ver".into(), json!("not the version"));
        r.values.insert("v:odd".into(), json!({"a": [1, null]}));
        r.values.insert("dev".into(), json!("not the device"));
        r.version = 7;
        let fields = encode_record(&r).unwrap();
        assert!(fields.contains(&"v:ver".to_owned()));
        assert!(!fields.contains(&DEVICE.to_owned()), "no device, no field");
        assert_eq!(decode_record(fields).unwrap(), Some(r.clone()));
        r.device = Some(auth_core::Device::new().with_user_agent("curl/8.5.0"));
        let fields = encode_record(&r).unwrap();
        assert!(fields.contains(&DEVICE.to_owned()));
        assert_eq!(decode_record(fields).unwrap(), Some(r));
        assert_eq!(decode_record(Vec::new()).unwrap(), None);
        assert!(decode_record(vec!["ver".into()]).is_err());
    }

    /// Found by the `redis_session_hash` fuzz target: without correctly rounded float parsing
    /// (serde_json's `float_roundtrip`), a number read back from Redis could be one ulp off
    /// what was written, and drift further on every save.
    #[test]
    fn float_values_survive_a_write_and_a_read_exactly() {
        let now = Timestamp::from_unix_millis(1_700_000_000_000);
        let mut r = SessionRecord::new(now, Duration::from_secs(60), Duration::from_secs(600));
        r.identity = Some(Identity::new("alice").with_claim("n", 4.5e300));
        for (i, x) in [
            4.5e300,
            0.1 + 0.2,
            2.999_999_999_999_999_6e-300,
            -0.0,
            f64::MAX,
        ]
        .into_iter()
        .enumerate()
        {
            r.values.insert(format!("f{i}"), json!(x));
        }
        let once = decode_record(encode_record(&r).unwrap()).unwrap().unwrap();
        assert_eq!(once, r);
        let twice = decode_record(encode_record(&once).unwrap()).unwrap();
        assert_eq!(twice, Some(r));
    }

    #[test]
    fn changes_block_layout() {
        let mut c = SessionChanges::default();
        c.insert("a".into(), json!(1));
        c.remove("b".into());
        c.identity = Some(None);
        let block = encode_changes(&c).unwrap();
        assert_eq!(block, ["-", "", "", "", "", "", "1", "v:b", "v:a", "1"]);
        c.device = Some(auth_core::Device::new().with_address([10, 0, 0, 1].into()));
        let block = encode_changes(&c).unwrap();
        assert_eq!(block[5], r#"{"ip":"10.0.0.1"}"#);
        assert_eq!(subject_after(&c, Some("x")), None);
        assert_eq!(
            subject_after(&SessionChanges::default(), Some("x")),
            Some("x")
        );
    }
}
