//! Metrics through the [`metrics`](https://docs.rs/metrics) facade: every crate of the
//! workspace records into whatever recorder the application installs (Prometheus, StatsD,
//! OpenTelemetry, ...), and into nothing, at the cost of a thread-local read, when it installs
//! none. No exporter is forced on anyone.
//!
//! Every metric's name is a constant here; [`describe`] gives each its help text and unit
//! (call it once, after installing your recorder). Label values are a small fixed set: never
//! a subject, a token, a session id or anything else a client chooses.
//!
//! | name | type | labels | what |
//! |---|---|---|---|
//! | [`DECISIONS_TOTAL`] | counter | `layer`, `outcome` | auth decisions: `outcome` is `accepted`, `anonymous` or the refusal's kind |
//! | [`STORE_OPERATION_SECONDS`] | histogram | `store`, `operation` | how long each call to a remote store took |
//! | [`STORE_ERRORS_TOTAL`] | counter | `store`, `operation` | store calls that failed or timed out |
//! | [`SESSION_CACHE_REQUESTS_TOTAL`] | counter | `result` | the Redis and PostgreSQL stores' local session cache: `hit` or `miss` |
//! | [`TOKEN_CACHE_REQUESTS_TOTAL`] | counter | `result` | the JWT verified-token cache: `hit` or `miss` |
//! | [`REVOCATIONS`] | gauge | `store` | revocations held in memory |
//! | [`REVOCATION_FEED_IN_SYNC`] | gauge | `store` | 1 while the revocation list is in step with the shared store, else 0 |
//! | [`REVOCATION_FEED_RESYNCS_TOTAL`] | counter | `store` | times the list (re)loaded its snapshot and came back in step |
//! | [`REFRESH_ROTATIONS_TOTAL`] | counter | | refresh tokens rotated |
//! | [`REFRESH_GRACE_REPEATS_TOTAL`] | counter | | rotated refresh tokens presented again inside the grace window |
//! | [`REFRESH_REUSE_DETECTED_TOTAL`] | counter | | refresh-token reuse detected (the family was revoked) |
//! | [`LOGINS_THROTTLED_TOTAL`] | counter | `key` | logins refused by the throttle, by the limit that refused: `account` or `address` |
//!
//! The values of each label:
//! - `layer` (who decided): `session`, `jwt`, `hybrid` (the layers themselves), `guard`
//!   (`RequireAuth`), `extractor` (an axum extractor in a handler's arguments), `handler` (a
//!   refusal a handler returned), `grpc` (`IdentityExt` in a tonic handler), `token_endpoint`.
//! - `outcome`: `accepted` (credentials verified), `anonymous` (no credentials, or a session
//!   cookie that names no live session, and the request went on), or a refusal:
//!   `unauthenticated`, `invalid_token`, `invalid_request`, `insufficient_scope`,
//!   `fresh_login_required`, `forbidden`, `too_many_requests`, `unavailable`, `internal`.
//! - `store`: `memory`, `redis`, `postgres`.
//! - `operation`: the call, as in the store's error messages (`load session`, `save session`,
//!   `refresh rotate`, ...).
//!
//! Store latencies are measured around real I/O only: the memory store, the local session
//! cache and the verified-token cache answer without any, and are not timed.

#[doc(hidden)]
pub mod record;

/// Counter: auth decisions, by `layer` and `outcome` (see the module docs). A request can
/// count more than once: the session layer counts `anonymous` when a handler finds no
/// session, and the `Identity` extractor's refusal of that request counts `unauthenticated`.
pub const DECISIONS_TOTAL: &str = "auth_tower_decisions_total";
/// Histogram, in seconds: one remote store call (Redis, PostgreSQL), by `store` and
/// `operation`, whether it succeeded or not.
pub const STORE_OPERATION_SECONDS: &str = "auth_tower_store_operation_seconds";
/// Counter: remote store calls that failed or timed out, by `store` and `operation`.
pub const STORE_ERRORS_TOTAL: &str = "auth_tower_store_errors_total";
/// Counter: session loads through the Redis or PostgreSQL store's local session cache, by
/// `result` (`hit`: answered from memory; `miss`: read from the store, including while the
/// cache is not serving).
pub const SESSION_CACHE_REQUESTS_TOTAL: &str = "auth_tower_session_cache_requests_total";
/// Counter: verifications through the JWT verified-token cache, by `result` (`hit` or `miss`).
pub const TOKEN_CACHE_REQUESTS_TOTAL: &str = "auth_tower_token_cache_requests_total";
/// Gauge: how many revocations the instance's list holds in memory, by `store`.
pub const REVOCATIONS: &str = "auth_tower_revocations";
/// Gauge: 1 while a feed-backed revocation list (Redis, PostgreSQL) is in step with the
/// shared store, 0 while it may be missing revocations (past its bound, checks fail closed).
pub const REVOCATION_FEED_IN_SYNC: &str = "auth_tower_revocation_feed_in_sync";
/// Counter: times a feed-backed revocation list loaded its snapshot and came back in step
/// (the first load at start-up included), by `store`.
pub const REVOCATION_FEED_RESYNCS_TOTAL: &str = "auth_tower_revocation_feed_resyncs_total";
/// Counter: refresh tokens rotated (a new refresh token handed out for a used one).
pub const REFRESH_ROTATIONS_TOTAL: &str = "auth_tower_refresh_rotations_total";
/// Counter: rotated refresh tokens presented again inside the grace window (answered with the
/// same successor: a client retrying, or a thief racing it).
pub const REFRESH_GRACE_REPEATS_TOTAL: &str = "auth_tower_refresh_grace_repeats_total";
/// Counter: refresh-token reuse detected; each one revoked a whole family and its session.
pub const REFRESH_REUSE_DETECTED_TOTAL: &str = "auth_tower_refresh_reuse_detected_total";
/// Counter: login attempts refused by the login throttle, by `key` (`account` or `address`:
/// the limit that refused; an attempt both refuse counts once under each).
pub const LOGINS_THROTTLED_TOTAL: &str = "auth_tower_logins_throttled_total";

/// The label naming who made an auth decision.
pub const LAYER_LABEL: &str = "layer";
/// The label naming a decision's outcome.
pub const OUTCOME_LABEL: &str = "outcome";
/// The label naming a store (`memory`, `redis`, `postgres`).
pub const STORE_LABEL: &str = "store";
/// The label naming a store call.
pub const OPERATION_LABEL: &str = "operation";
/// The label of a cache lookup's result (`hit`, `miss`).
pub const RESULT_LABEL: &str = "result";
/// The label naming a throttle's limit (`account`, `address`).
pub const KEY_LABEL: &str = "key";

/// Every metric's name, for checking an exporter's output or building dashboards.
pub const ALL: [&str; 12] = [
    DECISIONS_TOTAL,
    STORE_OPERATION_SECONDS,
    STORE_ERRORS_TOTAL,
    SESSION_CACHE_REQUESTS_TOTAL,
    TOKEN_CACHE_REQUESTS_TOTAL,
    REVOCATIONS,
    REVOCATION_FEED_IN_SYNC,
    REVOCATION_FEED_RESYNCS_TOTAL,
    REFRESH_ROTATIONS_TOTAL,
    REFRESH_GRACE_REPEATS_TOTAL,
    REFRESH_REUSE_DETECTED_TOTAL,
    LOGINS_THROTTLED_TOTAL,
];

/// Give every metric its help text and unit in the installed recorder. Call it once, after
/// installing the recorder (before that, there is nobody to tell); recording works without it.
///
/// ```
/// use metrics_util::debugging::DebuggingRecorder;
///
/// let recorder = DebuggingRecorder::new();
/// let snapshotter = recorder.snapshotter();
/// metrics::with_local_recorder(&recorder, || {
///     auth_core::metrics::describe();
///     metrics::counter!(auth_core::metrics::REFRESH_ROTATIONS_TOTAL).increment(1);
/// });
/// let (_, _, help, _) = snapshotter.snapshot().into_vec().remove(0);
/// assert_eq!(help.as_deref(), Some("Refresh tokens rotated (a new refresh token for a used one)."));
/// ```
pub fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        DECISIONS_TOTAL,
        "Auth decisions by who decided (layer) and the outcome: accepted, anonymous, or the refusal's kind."
    );
    describe_histogram!(
        STORE_OPERATION_SECONDS,
        Unit::Seconds,
        "How long each call to a remote session, refresh, throttle or revocation store took."
    );
    describe_counter!(
        STORE_ERRORS_TOTAL,
        "Remote store calls that failed or timed out."
    );
    describe_counter!(
        SESSION_CACHE_REQUESTS_TOTAL,
        "Session loads through the Redis store's local cache: hit (no I/O) or miss (read from Redis)."
    );
    describe_counter!(
        TOKEN_CACHE_REQUESTS_TOTAL,
        "JWT verifications through the verified-token cache: hit or miss."
    );
    describe_gauge!(
        REVOCATIONS,
        "Revocations (sessions, token ids, subject watermarks) held in memory by this instance."
    );
    describe_gauge!(
        REVOCATION_FEED_IN_SYNC,
        "1 while the revocation list is in step with the shared store, 0 while it may miss revocations."
    );
    describe_counter!(
        REVOCATION_FEED_RESYNCS_TOTAL,
        "Times the revocation list loaded its snapshot and came back in step (start-up included)."
    );
    describe_counter!(
        REFRESH_ROTATIONS_TOTAL,
        "Refresh tokens rotated (a new refresh token for a used one)."
    );
    describe_counter!(
        REFRESH_GRACE_REPEATS_TOTAL,
        "Rotated refresh tokens presented again inside the grace window (same successor handed out)."
    );
    describe_counter!(
        REFRESH_REUSE_DETECTED_TOTAL,
        "Refresh-token reuse detected: the family and its session were revoked."
    );
    describe_counter!(
        LOGINS_THROTTLED_TOTAL,
        "Login attempts refused by the login throttle, by the limit that refused (account or address)."
    );
}
