#![no_main]
//! Arbitrary bytes as the reply to `HGETALL` on a session hash (fields separated by NUL, as
//! Redis could hand back anything a corrupted or foreign writer left there), through the
//! decoder the store reads with: never a panic, and whatever decodes is a record the store
//! can write back and read again unchanged.

use auth_session_redis::fuzzing::{decode_session_hash, encode_session_hash};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fields: Vec<Vec<u8>> = if data.is_empty() {
        Vec::new()
    } else {
        data.split(|b| *b == 0).map(<[u8]>::to_vec).collect()
    };
    let Ok(Some(record)) = decode_session_hash(fields) else {
        return;
    };
    let written = encode_session_hash(&record).expect("a decoded record encodes");
    let again = decode_session_hash(written).expect("what the store writes decodes");
    assert_eq!(
        again,
        Some(record),
        "a record changed on a write and read back"
    );
});
