//! [`VerifierBuilder`]: configuration for a [`Verifier`], checked when built.

use super::claims::Profile;
use super::trusted::TrustedIssuer;
use super::{Inner, KeyRefresh, Trusted, Verifier};
use crate::cache::TokenCache;
use crate::error::Error;
use crate::jws::DEFAULT_MAX_TOKEN_LEN;
use crate::keys::SharedKeySet;
use auth_core::{Clock, Revocations, SystemClock};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The default clock-skew allowance for `exp`, `nbf` and `iat`.
pub(crate) const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
/// The default capacity of the verified-token cache.
pub(crate) const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// The largest leeway accepted: more would make expiry meaningless.
const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Builds a [`Verifier`]; see [`Verifier::builder`].
///
/// [`with_issuer`](Self::with_issuer), [`with_audience`](Self::with_audience) and
/// [`with_keys`](Self::with_keys) (or, with the feature `remote-jwks`, `with_remote_jwks`) name our
/// own issuer, held to the strict profile (`typ: at+jwt`, `sid` one of our sessions, revocation).
/// [`with_trusted_issuer`](Self::with_trusted_issuer) adds an external one; a verifier takes
/// either or both, and any number of trusted issuers.
#[must_use]
pub struct VerifierBuilder {
    issuer: String,
    audience: String,
    keys: Option<SharedKeySet>,
    refresh: Option<Arc<dyn KeyRefresh>>,
    /// The issuer a discovered key set of ours was discovered for.
    keys_discovered_for: Option<String>,
    trusted: Vec<TrustedIssuer>,
    revocations: Option<Arc<dyn Revocations>>,
    clock: Arc<dyn Clock>,
    leeway: Duration,
    max_age: Option<Duration>,
    max_len: usize,
    cache_capacity: usize,
}

impl VerifierBuilder {
    pub(super) fn new() -> Self {
        Self {
            issuer: String::new(),
            audience: String::new(),
            keys: None,
            refresh: None,
            keys_discovered_for: None,
            trusted: Vec::new(),
            revocations: None,
            clock: Arc::new(SystemClock),
            leeway: DEFAULT_LEEWAY,
            max_age: None,
            max_len: DEFAULT_MAX_TOKEN_LEN,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        }
    }

    /// The issuer whose tokens are accepted: the exact `iss` value (required).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// The audience the tokens must be meant for: one of the `aud` values (required).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// The keys to verify with: one [`Key`](crate::Key), a [`KeySet`](crate::KeySet), or a
    /// shared, swappable [`SharedKeySet`] (what rotation swaps).
    pub fn with_keys(mut self, keys: impl Into<SharedKeySet>) -> Self {
        self.keys = Some(keys.into());
        self.refresh = None;
        self.keys_discovered_for = None;
        self
    }

    /// Verify with the keys of a remote JWKS; an unknown `kid` triggers a rate-limited refetch
    /// (through [`Verifier::verify`]).
    #[cfg(feature = "remote-jwks")]
    pub fn with_remote_jwks(mut self, jwks: &crate::RemoteJwks) -> Self {
        self.keys = Some(jwks.keys());
        self.refresh = Some(jwks.refresher());
        self.keys_discovered_for = jwks.issuer().map(str::to_owned);
        self
    }

    /// Also accept the tokens of `issuer` (repeatable: one call per issuer). With more than one
    /// issuer, a token's `iss` picks which issuer's keys and profile apply; a token whose `iss`
    /// names none of them is refused ([`WrongIssuer`](crate::ErrorKind::WrongIssuer)) before
    /// any key lookup or fetch, and a token is only ever verified with its issuer's keys.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, ClaimMapping, Issuer, Key, SharedKeySet, TrustedIssuer, Verifier};
    /// use auth_core::Identity;
    /// // Our own tokens...
    /// let ours = SharedKeySet::from(Key::generate_hmac("own-1", Algorithm::HS256)?);
    /// // ...and an identity provider's (its keys would usually come from `RemoteJwks`).
    /// let idp_key = Key::generate_hmac("idp-1", Algorithm::HS256)?;
    /// let verifier = Verifier::builder()
    ///     .with_issuer("https://auth.example")
    ///     .with_audience("api")
    ///     .with_keys(ours.clone())
    ///     .with_trusted_issuer(
    ///         TrustedIssuer::new("https://idp.example", idp_key)
    ///             .with_audience("api")
    ///             .with_claim_mapping(ClaimMapping::okta()),
    ///     )
    ///     .build()?;
    /// let issuer = Issuer::builder()
    ///     .with_issuer("https://auth.example")
    ///     .with_audience("api")
    ///     .with_keys(ours)
    ///     .build()?;
    /// let token = issuer.issue(&Identity::new("user-42"))?;
    /// assert_eq!(verifier.verify_sync(token.as_str())?.subject(), "user-42");
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    pub fn with_trusted_issuer(mut self, issuer: TrustedIssuer) -> Self {
        self.trusted.push(issuer);
        self
    }

    /// The revocation list checked after every successful verification (and on cache hits):
    /// `jti`, `sid` and the subject watermark. Without one, tokens are valid until `exp`. With
    /// one, a token that would be accepted for longer after its `iat` than the list's
    /// [horizon](Revocations::horizon) is refused, since a revocation could be forgotten
    /// before it expires; and while the list cannot vouch for its answers (a feed out of sync
    /// for too long) verification fails with [`ErrorKind::Unavailable`](crate::ErrorKind::Unavailable).
    pub fn with_revocations(mut self, revocations: impl Revocations) -> Self {
        self.revocations = Some(Arc::new(revocations));
        self
    }

    /// [`with_revocations`](Self::with_revocations) with a list already shared, without a
    /// second indirection on every check.
    pub(crate) fn with_shared_revocations(mut self, revocations: Arc<dyn Revocations>) -> Self {
        self.revocations = Some(revocations);
        self
    }

    /// The clock (default: the system clock).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 30 s, at most 5 min).
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Refuse tokens whose `iat` is older than this (default: no limit beyond `exp`).
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// The longest token accepted, checked before any decoding (default 8 KiB).
    pub fn with_max_token_len(mut self, bytes: usize) -> Self {
        self.max_len = bytes;
        self
    }

    /// Entries in the verified-token cache (default 10 000; 0 turns the cache off).
    pub fn with_cache_capacity(mut self, entries: usize) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// Build the verifier.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for no issuer at all, our own issuer
    /// without its issuer, audience or keys, keys discovered for another issuer, a trusted
    /// issuer without an audience or (with [`ClaimMapping::google`](crate::ClaimMapping::google))
    /// without an authorized party, two issuers
    /// with the same `iss`, a leeway over 5 minutes, a size limit under 256 bytes, or a
    /// maximum age longer than the revocation list's horizon.
    pub fn build(self) -> Result<Verifier, Error> {
        let own_named = !self.issuer.is_empty() || !self.audience.is_empty() || self.keys.is_some();
        if (own_named || self.trusted.is_empty())
            && (self.issuer.is_empty() || self.audience.is_empty())
        {
            return Err(Error::config(
                "a verifier needs an issuer and an audience (with_issuer, with_audience)",
            ));
        }
        if own_named && self.keys.is_none() {
            return Err(Error::config(
                "a verifier needs keys (with_keys or with_remote_jwks)",
            ));
        }
        if own_named {
            super::trusted::check_discovered_for(
                &self.issuer,
                self.keys_discovered_for.as_deref(),
            )?;
        }
        for t in &self.trusted {
            t.validate()?;
        }
        if self.leeway > MAX_LEEWAY {
            return Err(Error::config("a leeway over 5 minutes is refused"));
        }
        if self.max_len < 256 {
            return Err(Error::config(
                "a token size limit under 256 bytes is refused",
            ));
        }
        if let (Some(revocations), Some(max_age)) = (&self.revocations, self.max_age) {
            revocations.require_horizon(
                "access tokens (the maximum age plus leeway)",
                max_age.saturating_add(self.leeway),
            )?;
        }
        let mut issuers = Vec::with_capacity(self.trusted.len() + 1);
        if let Some(keys) = self.keys {
            issuers.push(Trusted {
                keys,
                refresh: self.refresh,
                profile: Profile {
                    issuer: self.issuer.into(),
                    audiences: Box::new([self.audience]),
                    leeway: self.leeway,
                    max_age: self.max_age,
                    external: None,
                },
            });
        }
        for t in self.trusted {
            if issuers.iter().any(|i| *i.profile.issuer == *t.issuer) {
                return Err(Error::config(format!(
                    "the issuer {:?} is configured twice",
                    t.issuer
                )));
            }
            issuers.push(Trusted {
                keys: t.keys,
                refresh: t.refresh,
                profile: Profile {
                    issuer: t.issuer.into(),
                    audiences: t.audiences.into(),
                    leeway: self.leeway,
                    max_age: self.max_age,
                    external: Some(t.external),
                },
            });
        }
        Ok(Verifier::from_inner(Inner {
            issuers: issuers.into(),
            revocations: self.revocations,
            clock: self.clock,
            cache: (self.cache_capacity > 0).then(|| TokenCache::new(self.cache_capacity)),
            max_len: self.max_len,
        }))
    }
}

impl fmt::Debug for VerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifierBuilder")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("trusted", &self.trusted)
            .field("leeway", &self.leeway)
            .field("max_age", &self.max_age)
            .field("max_len", &self.max_len)
            .field("cache_capacity", &self.cache_capacity)
            .finish_non_exhaustive()
    }
}
