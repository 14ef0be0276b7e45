//! The refresh-token service's builder: its defaults, its limits and the checks `build` makes.

use super::token::Minter;
use super::{Inner, RefreshTokens, access_horizon};
use crate::error::Error;
#[cfg(doc)]
use crate::error::ErrorKind;
use crate::issue::Issuer;
use auth_core::refresh::RefreshStore;
use auth_core::{Clock, Revocations, SystemClock};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Default idle lifetime of a refresh token.
pub(crate) const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// Default absolute lifetime of a family (a login).
pub(crate) const DEFAULT_FAMILY_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// Default window in which a rotated token may be presented again for the same successor.
pub(crate) const DEFAULT_GRACE: Duration = Duration::from_secs(10);
/// Default number of times a rotated token may be presented again inside the grace window.
pub(crate) const DEFAULT_GRACE_REPEATS: u32 = 1;

/// Builds [`RefreshTokens`]; see [`RefreshTokens::builder`].
#[must_use]
pub struct RefreshTokensBuilder {
    issuer: Issuer,
    store: Arc<dyn RefreshStore>,
    revocations: Arc<dyn Revocations>,
    minter: Result<Minter, Error>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    lifetime: Duration,
    grace: Duration,
    grace_repeats: u32,
}

/// The most repeats of one refresh token inside the grace window that can be configured.
const MAX_GRACE_REPEATS: u32 = 16;

impl RefreshTokens {
    /// Refresh tokens whose access tokens come from `issuer`, with families in `store`,
    /// revoking through `revocations`, MACed with `secret` (at least 32 bytes; keep it as
    /// secret as a signing key, and the same on every instance).
    pub fn builder(
        issuer: Issuer,
        store: impl RefreshStore,
        revocations: impl Revocations,
        secret: &[u8],
    ) -> RefreshTokensBuilder {
        RefreshTokensBuilder {
            issuer,
            store: Arc::new(store),
            revocations: Arc::new(revocations),
            minter: Minter::new(secret),
            clock: Arc::new(SystemClock),
            ttl: DEFAULT_REFRESH_TTL,
            lifetime: DEFAULT_FAMILY_LIFETIME,
            grace: DEFAULT_GRACE,
            grace_repeats: DEFAULT_GRACE_REPEATS,
        }
    }

    /// A fresh 32-byte secret for [`builder`](Self::builder) from the operating system's
    /// random number generator: for one instance, a demo or a test. Instances that share
    /// refresh tokens need the same secret: load it from your secret store instead.
    ///
    /// ```
    /// use auth_jwt::RefreshTokens;
    /// let secret = RefreshTokens::random_secret()?;
    /// assert_ne!(secret, RefreshTokens::random_secret()?);
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`ErrorKind::Internal`](crate::ErrorKind::Internal) if the OS has no randomness.
    pub fn random_secret() -> Result<[u8; 32], Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)
            .map_err(|e| Error::internal(format!("the OS random number generator failed: {e}")))?;
        Ok(secret)
    }
}

impl RefreshTokensBuilder {
    /// Idle lifetime: a refresh token unused this long expires (default 14 days).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Absolute lifetime of a family, from login (default 30 days).
    pub fn with_family_lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The reuse grace window (default 10 s; at most 1 minute; zero turns it off).
    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// How many times a rotated token may be presented again inside the grace window and get
    /// the same successor (default 1: two concurrent refreshes from one client). One more
    /// presentation is reuse: the family is revoked. Each repeat is logged at warn with the
    /// family (never the token) and counted in the family's state, shared by every instance;
    /// zero makes any repeat reuse; at most 16.
    ///
    /// ```
    /// # use auth_jwt::{Algorithm, Issuer, Key, KeySet, MemoryRefreshStore, RefreshTokens, SharedKeySet};
    /// # use auth_core::MemoryStore;
    /// # use std::sync::Arc;
    /// # let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
    /// # let issuer = Issuer::builder()
    /// #     .with_issuer("https://auth.example")
    /// #     .with_audience("api")
    /// #     .with_keys(keys)
    /// #     .build()?;
    /// // A client known to fire up to three refreshes at once.
    /// let tokens = RefreshTokens::builder(issuer, Arc::new(MemoryRefreshStore::new()),
    ///     Arc::new(MemoryStore::new()), &[42u8; 32])
    ///     .with_grace_repeats(2)
    ///     .build()?;
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    pub fn with_grace_repeats(mut self, repeats: u32) -> Self {
        self.grace_repeats = repeats;
        self
    }

    /// The clock (default: the system clock).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Check the configuration and build the refresh-token service.
    ///
    /// # Errors
    /// [`ErrorKind::WeakKey`] for a secret under 32 bytes; [`ErrorKind::Config`] for a grace
    /// window over a minute, more than 16 grace repeats, a zero lifetime, or a revocation list whose
    /// [horizon](Revocations::horizon) is shorter than the family lifetime or the access-token
    /// lifetime (it would forget a revoked family while its tokens still work).
    pub fn build(self) -> Result<RefreshTokens, Error> {
        let minter = self.minter?;
        if self.grace > Duration::from_secs(60) {
            return Err(Error::config(
                "a reuse grace window over 1 minute is refused",
            ));
        }
        if self.ttl.is_zero() || self.lifetime.is_zero() {
            return Err(Error::config("refresh lifetimes must not be zero"));
        }
        if self.grace_repeats > MAX_GRACE_REPEATS {
            return Err(Error::config(format!(
                "more than {MAX_GRACE_REPEATS} grace repeats per rotation is refused: each one hands the same successor to whoever presents the old token"
            )));
        }
        // Reuse detection and logout revoke the family's session; the list must remember that
        // until the family and every access token minted from it have expired.
        self.revocations
            .require_horizon("refresh-token families", self.lifetime)?;
        self.revocations.require_horizon(
            "access tokens (their lifetime plus the largest verifier leeway)",
            access_horizon(&self.issuer),
        )?;
        Ok(RefreshTokens {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                store: self.store,
                revocations: self.revocations,
                minter,
                clock: self.clock,
                ttl: self.ttl,
                lifetime: self.lifetime,
                grace: self.grace,
                grace_repeats: self.grace_repeats,
            }),
        })
    }
}

impl fmt::Debug for RefreshTokensBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshTokensBuilder")
            .field("ttl", &self.ttl)
            .field("lifetime", &self.lifetime)
            .field("grace", &self.grace)
            .field("grace_repeats", &self.grace_repeats)
            .finish_non_exhaustive()
    }
}
