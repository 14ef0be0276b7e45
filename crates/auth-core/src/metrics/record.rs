//! Recording, for the workspace's own crates (the stores, the verifier, the layers): one
//! function per event, so every crate uses the same names and labels.
//!
//! The hot-path events (cache lookups, decisions) use keys built at compile time: with no
//! recorder installed, recording one costs a thread-local read and a call into the no-op
//! recorder; with one, a hash-map lookup of a pre-hashed key. Nothing is allocated or
//! formatted. Events next to real I/O (store calls, revocation feed changes) may build their
//! keys at run time.

use super::{
    KEY_LABEL, LOGINS_THROTTLED_TOTAL, OPERATION_LABEL, REFRESH_GRACE_REPEATS_TOTAL,
    REFRESH_REUSE_DETECTED_TOTAL, REFRESH_ROTATIONS_TOTAL, RESULT_LABEL, REVOCATION_FEED_IN_SYNC,
    REVOCATION_FEED_RESYNCS_TOTAL, REVOCATIONS, SESSION_CACHE_REQUESTS_TOTAL, STORE_ERRORS_TOTAL,
    STORE_LABEL, STORE_OPERATION_SECONDS, TOKEN_CACHE_REQUESTS_TOTAL,
};
use crate::throttle::ThrottleKeyKind;
use ::metrics::{Key, Label, Level, Metadata};
use std::time::Duration;

/// The metadata every event is recorded with.
pub static METADATA: Metadata<'static> = Metadata::new("auth_tower", Level::INFO, None);

/// A `&'static Key` built at compile time from a constant name and constant labels.
macro_rules! static_key {
    ($name:expr $(, $key:expr => $value:expr)* $(,)?) => {{
        static LABELS: &[Label] = &[$(Label::from_static_parts($key, $value)),*];
        static KEY: Key = Key::from_static_parts($name, LABELS);
        &KEY
    }};
}

/// Add one to the counter `key`.
#[inline]
pub fn increment(key: &Key) {
    ::metrics::with_recorder(|recorder| recorder.register_counter(key, &METADATA).increment(1));
}

fn gauge(key: &Key, value: f64) {
    ::metrics::with_recorder(|recorder| recorder.register_gauge(key, &METADATA).set(value));
}

/// A store call by `store` (`redis`, `postgres`) named `operation` took `elapsed`, and failed
/// unless `ok`.
pub fn store_call(store: &'static str, operation: &'static str, elapsed: Duration, ok: bool) {
    let labels = || {
        [
            Label::from_static_parts(STORE_LABEL, store),
            Label::from_static_parts(OPERATION_LABEL, operation),
        ]
    };
    ::metrics::with_recorder(|recorder| {
        let key = Key::from_parts(STORE_OPERATION_SECONDS, labels().to_vec());
        recorder
            .register_histogram(&key, &METADATA)
            .record(elapsed.as_secs_f64());
        if !ok {
            let key = Key::from_parts(STORE_ERRORS_TOTAL, labels().to_vec());
            recorder.register_counter(&key, &METADATA).increment(1);
        }
    });
}

/// A session load through the local session cache: answered from memory (`hit`) or not.
#[inline]
pub fn session_cache(hit: bool) {
    increment(if hit {
        static_key!(SESSION_CACHE_REQUESTS_TOTAL, RESULT_LABEL => "hit")
    } else {
        static_key!(SESSION_CACHE_REQUESTS_TOTAL, RESULT_LABEL => "miss")
    });
}

/// A verification through the verified-token cache: answered from it (`hit`) or not.
#[inline]
pub fn token_cache(hit: bool) {
    increment(if hit {
        static_key!(TOKEN_CACHE_REQUESTS_TOTAL, RESULT_LABEL => "hit")
    } else {
        static_key!(TOKEN_CACHE_REQUESTS_TOTAL, RESULT_LABEL => "miss")
    });
}

/// The revocation list of `store` now holds `len` revocations.
pub fn revocations(store: &'static str, len: usize) {
    #[allow(clippy::cast_precision_loss)] // exact up to 2^53 revocations
    let len = len as f64;
    let key = Key::from_parts(
        REVOCATIONS,
        [Label::from_static_parts(STORE_LABEL, store)].to_vec(),
    );
    gauge(&key, len);
}

/// The revocation list of `store` is now in step with the shared store, or not.
pub fn feed_in_sync(store: &'static str, in_sync: bool) {
    let key = Key::from_parts(
        REVOCATION_FEED_IN_SYNC,
        [Label::from_static_parts(STORE_LABEL, store)].to_vec(),
    );
    gauge(&key, if in_sync { 1.0 } else { 0.0 });
}

/// The revocation list of `store` loaded its snapshot and came back in step.
pub fn feed_resynced(store: &'static str) {
    increment(&Key::from_parts(
        REVOCATION_FEED_RESYNCS_TOTAL,
        [Label::from_static_parts(STORE_LABEL, store)].to_vec(),
    ));
}

/// A refresh token was rotated.
pub fn refresh_rotated() {
    increment(static_key!(REFRESH_ROTATIONS_TOTAL));
}

/// A rotated refresh token came back inside the grace window.
pub fn refresh_grace_repeat() {
    increment(static_key!(REFRESH_GRACE_REPEATS_TOTAL));
}

/// Refresh-token reuse was detected.
pub fn refresh_reuse_detected() {
    increment(static_key!(REFRESH_REUSE_DETECTED_TOTAL));
}

/// The throttle's `limit` refused a login attempt.
pub fn login_throttled(limit: ThrottleKeyKind) {
    increment(match limit {
        ThrottleKeyKind::Account => static_key!(LOGINS_THROTTLED_TOTAL, KEY_LABEL => "account"),
        ThrottleKeyKind::Address => static_key!(LOGINS_THROTTLED_TOTAL, KEY_LABEL => "address"),
    });
}
