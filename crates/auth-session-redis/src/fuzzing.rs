//! Entry points for the fuzz targets (feature `fuzzing`): the decoders that read what Redis
//! returns, reachable with arbitrary bytes. Not a stable API.

use auth_core::{Error, SessionRecord};

/// Decode a session hash from the raw bulk strings `HGETALL` returns (field, value, field,
/// value, ...), converting them to text the way the store's reads do: bytes that are not
/// UTF-8 are an error, as they are when the redis client converts a reply.
///
/// # Errors
/// What the store's read would return for the same reply: a storage error naming the
/// malformed part.
pub fn decode_session_hash(raw: Vec<Vec<u8>>) -> Result<Option<SessionRecord>, Error> {
    let fields = raw
        .into_iter()
        .map(String::from_utf8)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| Error::storage("redis: decode session: a field is not UTF-8"))?;
    crate::codec::decode_record(fields)
}

/// The hash fields the store writes for `record` (what `HSET` receives), as bytes.
///
/// # Errors
/// If a value cannot be serialised as JSON.
pub fn encode_session_hash(record: &SessionRecord) -> Result<Vec<Vec<u8>>, Error> {
    Ok(crate::codec::encode_record(record)?
        .into_iter()
        .map(String::into_bytes)
        .collect())
}
