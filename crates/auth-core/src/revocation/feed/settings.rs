//! [`FeedSettings`]: what a store's configuration says about its revocation list, and the
//! builder methods every store's configuration offers for it
//! ([`revocation_config_methods!`](crate::revocation_config_methods)).

use crate::revocation::{DEFAULT_REVOCATION_HORIZON, DEFAULT_SESSIONS_PER_SUBJECT};
use std::time::Duration;

/// How long the feed may be out of sync before checks fail closed, by default.
const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(5);

/// A store-backed revocation list's settings: its horizon (default 30 days), its staleness
/// bound (default 5 s) and its per-subject threshold (default 1,000). Plain data; checked by
/// [`RevocationFeed::check`](super::RevocationFeed::check) when a list is built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedSettings {
    /// How long session and subject revocations are remembered.
    pub horizon: Duration,
    /// How long the feed may be out of sync before checks fail closed.
    pub stale_after: Duration,
    /// How many revocations naming one subject are kept before they are collapsed.
    pub per_subject: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        Self {
            horizon: DEFAULT_REVOCATION_HORIZON,
            stale_after: DEFAULT_STALE_AFTER,
            per_subject: DEFAULT_SESSIONS_PER_SUBJECT,
        }
    }
}

/// The revocation builder methods and getters of a store's configuration, written once for
/// every store: expand it inside `impl Config { ... }` of a type with a field
/// `revocations: FeedSettings`. `list` names the store's list type, `config` the
/// configuration's type and `new` an expression that builds one, for the examples.
#[doc(hidden)]
#[macro_export]
macro_rules! revocation_config_methods {
    (krate = $krate:literal, config = $config:literal, list = $list:literal, new = $new:literal $(,)?) => {
        #[doc = concat!("How long [`", $list, "`](crate::", $list, ") remembers session and subject")]
        /// revocations (default 30 days, the default refresh-family lifetime): at least the
        /// lifetime of the longest-lived credential it guards, which the session layer, the
        /// verifier and refresh tokens check when they are built. Use the same value on every
        /// instance.
        ///
        /// ```
        #[doc = concat!("use ", $krate, "::", $config, ";")]
        /// use std::time::Duration;
        #[doc = concat!("let config = ", $new)]
        ///     .with_revocation_horizon(Duration::from_secs(90 * 24 * 3600)); // 90-day refresh families
        /// assert_eq!(config.revocation_horizon(), Duration::from_secs(90 * 24 * 3600));
        /// ```
        pub fn with_revocation_horizon(mut self, horizon: ::std::time::Duration) -> Self {
            self.revocations.horizon = horizon;
            self
        }

        /// How many revocations naming one subject (its sessions' revocations, made with
        /// [`Revocation::session_of`](auth_core::Revocation::session_of), and its watermarks)
        #[doc = concat!("[`", $list, "`](crate::", $list, ") keeps before it collapses them, atomically in the")]
        /// store, into one watermark "everything this subject was issued before now" (default
        /// 1,000). The watermark also ends the subject's other sessions and tokens issued
        /// before it; in exchange a login/logout loop adds at most this many entries per
        /// subject to the list that every instance loads.
        ///
        /// ```
        #[doc = concat!("use ", $krate, "::", $config, ";")]
        #[doc = concat!("let config = ", $new, ".with_revocations_per_subject(16);")]
        /// assert_eq!(config.revocations_per_subject(), 16);
        /// ```
        pub fn with_revocations_per_subject(mut self, entries: usize) -> Self {
            self.revocations.per_subject = entries;
            self
        }

        /// How long the revocation feed may be out of sync with the store (its subscription
        /// lost, or not answering the check it makes once a second) before
        #[doc = concat!("[`", $list, "`](crate::", $list, ") stops vouching for its in-memory list:")]
        /// every check then fails closed with
        /// [`ErrorKind::Unavailable`](auth_core::ErrorKind::Unavailable) (503, gRPC
        /// `UNAVAILABLE`) until a resync succeeds. Default 5 s; at least a second.
        ///
        /// ```
        #[doc = concat!("use ", $krate, "::", $config, ";")]
        /// use std::time::Duration;
        #[doc = concat!("let config = ", $new, ".with_revocation_stale_after(Duration::from_secs(2));")]
        /// assert_eq!(config.revocation_stale_after(), Duration::from_secs(2));
        /// ```
        pub fn with_revocation_stale_after(mut self, bound: ::std::time::Duration) -> Self {
            self.revocations.stale_after = bound;
            self
        }

        /// How long session and subject revocations are remembered.
        pub fn revocation_horizon(&self) -> ::std::time::Duration {
            self.revocations.horizon
        }

        /// How many revocations naming one subject are kept before they are collapsed.
        pub fn revocations_per_subject(&self) -> usize {
            self.revocations.per_subject
        }

        /// How long the revocation feed may be out of sync before checks fail closed.
        pub fn revocation_stale_after(&self) -> ::std::time::Duration {
            self.revocations.stale_after
        }
    };
}
