//! What a soak run does: how long, on which stores, how many clients, and the short
//! lifetimes the example servers are started with so that everything expires within the run.

use std::time::Duration;

/// A cookie session unused this long ends (`SESSION_IDLE_TIMEOUT_SECS`).
pub(crate) const SESSION_IDLE: Duration = Duration::from_secs(8);
/// The session layer's touch interval for that idle timeout (a quarter of it, as
/// `examples::lifetimes` sets it): the idle expiry may lag the last request by this much.
pub(crate) const SESSION_TOUCH: Duration = Duration::from_secs(2);
/// A cookie session ends this long after login (`SESSION_ABSOLUTE_TIMEOUT_SECS`).
pub(crate) const SESSION_ABSOLUTE: Duration = Duration::from_secs(20);
/// An access token's lifetime (`ACCESS_TOKEN_TTL_SECS`).
pub(crate) const ACCESS_TTL: Duration = Duration::from_secs(5);
/// A refresh family's lifetime (`REFRESH_FAMILY_LIFETIME_SECS`).
pub(crate) const REFRESH_FAMILY: Duration = Duration::from_secs(20);
/// The longest failed-login lock (`LOGIN_THROTTLE_MAX_DELAY_SECS`).
pub(crate) const THROTTLE_MAX_DELAY: Duration = Duration::from_secs(2);
/// Failed-login counts are forgotten this long after their lock (`LOGIN_THROTTLE_FORGET_AFTER_SECS`).
pub(crate) const THROTTLE_FORGET: Duration = Duration::from_secs(5);
/// The verifier's default clock leeway: an access token is refused this long after `exp`.
pub(crate) const VERIFIER_LEEWAY: Duration = Duration::from_secs(30);
/// The largest leeway a verifier may be given; refresh tokens insist that revocations are
/// remembered at least an access token's lifetime plus this.
const MAX_VERIFIER_LEEWAY: Duration = Duration::from_secs(300);
/// How much longer than a lifetime the soak waits for what it bounds to be gone (Redis
/// expires keys to the millisecond; this covers the servers' pruning and the polling).
pub(crate) const EXPIRY_SLACK: Duration = Duration::from_secs(10);

/// How long the examples remember a revocation (`examples::lifetimes`): the longest of the
/// session absolute timeout, the family lifetime and the access-token lifetime plus the
/// largest verifier leeway; with the lifetimes above, the last.
pub(crate) fn revocation_horizon() -> Duration {
    SESSION_ABSOLUTE
        .max(REFRESH_FAMILY)
        .max(ACCESS_TTL + MAX_VERIFIER_LEEWAY)
}

/// Everything a server keeps expires at most this long after the last request that wrote it.
pub(crate) fn longest_lifetime() -> Duration {
    revocation_horizon().max(THROTTLE_MAX_DELAY + THROTTLE_FORGET)
}

/// The environment that gives an example server these lifetimes (and a revocation threshold
/// out of reach).
pub(crate) fn lifetime_env() -> Vec<(&'static str, String)> {
    let secs = |d: Duration| d.as_secs().to_string();
    vec![
        ("SESSION_IDLE_TIMEOUT_SECS", secs(SESSION_IDLE)),
        ("SESSION_ABSOLUTE_TIMEOUT_SECS", secs(SESSION_ABSOLUTE)),
        ("ACCESS_TOKEN_TTL_SECS", secs(ACCESS_TTL)),
        ("REFRESH_FAMILY_LIFETIME_SECS", secs(REFRESH_FAMILY)),
        ("LOGIN_THROTTLE_MAX_DELAY_SECS", secs(THROTTLE_MAX_DELAY)),
        ("LOGIN_THROTTLE_FORGET_AFTER_SECS", secs(THROTTLE_FORGET)),
        // The two accounts log out hundreds of times a minute: past the per-subject threshold
        // the list would collapse their sessions into a watermark that also ends the other
        // clients' live tokens, which this soak counts as unexpected. Collapses have their
        // own tests (the conformance suites, tests/tests/revocation_bounds.rs).
        ("REVOCATIONS_PER_SUBJECT", "1000000000".to_owned()),
    ]
}

/// Where an example server keeps its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Store {
    Memory,
    Redis,
}

impl Store {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Redis => "redis",
        }
    }
}

/// The command line.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// How long the traffic runs.
    pub(crate) duration: Duration,
    /// The stores to run on (each gets a session and a jwt-api server).
    pub(crate) stores: Vec<Store>,
    /// Concurrent clients per server.
    pub(crate) workers: usize,
    /// An existing Redis to use instead of a private `redis-server`.
    pub(crate) redis_url: Option<String>,
    /// Where the example binaries are (default: next to this program).
    pub(crate) bin_dir: Option<String>,
}

pub(crate) const USAGE: &str = "soak [--minutes N | --seconds N] [--store memory|redis|both] \
[--workers N] [--redis-url URL] [--bin-dir DIR]

Mixed traffic against the session and jwt-api example servers (child processes), on memory
and on Redis; default 10 minutes, both stores, 3 clients per server, a private redis-server.
Exits non-zero if any check fails.";

impl Settings {
    /// Parse the arguments (without the program name).
    pub(crate) fn parse(args: &[String]) -> Result<Self, String> {
        let mut settings = Self {
            duration: Duration::from_secs(600),
            stores: vec![Store::Memory, Store::Redis],
            workers: 3,
            redis_url: None,
            bin_dir: None,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |what: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{arg} needs {what}"))
            };
            let number = |v: String| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("{arg}: {v:?} is not a number above zero"))
            };
            match arg.as_str() {
                "--minutes" => {
                    settings.duration = Duration::from_secs(60 * number(value("a number")?)?);
                }
                "--seconds" => settings.duration = Duration::from_secs(number(value("a number")?)?),
                "--workers" => {
                    settings.workers =
                        usize::try_from(number(value("a number")?)?).map_err(|e| e.to_string())?;
                }
                "--store" => {
                    settings.stores = match value("memory, redis or both")?.as_str() {
                        "memory" => vec![Store::Memory],
                        "redis" => vec![Store::Redis],
                        "both" => vec![Store::Memory, Store::Redis],
                        other => return Err(format!("--store {other:?}: memory, redis or both")),
                    };
                }
                "--redis-url" => settings.redis_url = Some(value("a URL")?),
                "--bin-dir" => settings.bin_dir = Some(value("a directory")?),
                other => return Err(format!("unexpected argument {other:?}\n\n{USAGE}")),
            }
        }
        Ok(settings)
    }

    /// When the resident memory is first measured: once the revocation lists (the
    /// longest-lived state) have started to forget, at most halfway through the run.
    pub(crate) fn warm_up(&self) -> Duration {
        (revocation_horizon() + Duration::from_secs(20)).min(self.duration / 2)
    }
}
