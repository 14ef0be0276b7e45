//! [`Verifier`]: the strict access-token profile on top of the JWS signature layer, then
//! revocation, with the verified-token cache in front.
//!
//! The checks, in order: size limit; the cache (a hit still re-checks expiry, the key of the
//! issuer that verified it, and revocation); the JWS shape and header rules ([`crate::jws`]);
//! with several issuers, the issuer named by the payload's `iss` (read before verifying only to
//! choose among the configured issuers: an unknown one is refused before any key lookup or
//! fetch); the issuer's `typ` policy; the key by `kid` among that issuer's keys only, with its
//! pinned algorithm; the signature; the claim profile (`iss`, `aud`, `exp`, `nbf`, `iat`,
//! `auth_time`, types; for an external issuer its `typ` markers, authorized party and claim
//! mapping); for our own issuer, revocation of the `jti`, the `sid` and the subject watermark.
//! With one issuer nothing is read from the payload before the signature has verified.
//!
//! The identity's [`authenticated_at`](auth_core::Identity::authenticated_at) is the token's
//! `auth_time`, never `iat` (when the token was minted, e.g. by a refresh): a token without
//! `auth_time` passes no step-up check. An `auth_time` later than `iat` plus the leeway is
//! refused as [`InvalidClaim`](crate::ErrorKind::InvalidClaim).

mod bearer;
mod builder;
mod claims;
mod mapping;
mod pick;
mod scope;
mod trusted;

pub use bearer::bearer_token;
pub use builder::VerifierBuilder;
pub use mapping::{ClaimMapping, Claims};
pub use scope::require_scope;
pub use trusted::{TrustedIssuer, TypPolicy};

pub(crate) use claims::REGISTERED as REGISTERED_CLAIMS;

use crate::cache::{self, Entry, TokenCache};
use crate::error::{Error, ErrorKind};
use crate::jws;
use crate::keys::SharedKeySet;
use auth_core::{Clock, Identity, RevocationProbe, Revocations, Timestamp};
use claims::Profile;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A source of keys that can be asked to look again for an unknown `kid` (a remote JWKS).
pub(crate) trait KeyRefresh: Send + Sync + 'static {
    /// Whether usable keys are loaded (false before the first fetch or past the stale limit).
    fn is_available(&self) -> bool;
    /// Refetch if the cooldown allows, at most one fetch in flight; resolves when done. `Some`
    /// (the rest of the cooldown) when no fetch was made or awaited for this request.
    fn refresh_for_unknown_kid(
        &self,
    ) -> Pin<Box<dyn Future<Output = Option<std::time::Duration>> + Send + '_>>;
}

/// Verifies access tokens; cheap to clone (clones share keys and cache).
///
/// ```
/// use auth_jwt::{Algorithm, Issuer, Key, KeySet, SharedKeySet, Verifier};
/// use auth_core::Identity;
/// let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
/// let issuer = Issuer::builder()
///     .with_issuer("https://auth.example")
///     .with_audience("api")
///     .with_keys(keys.clone())
///     .build()?;
/// let verifier = Verifier::builder()
///     .with_issuer("https://auth.example")
///     .with_audience("api")
///     .with_keys(keys)
///     .build()?;
/// let token = issuer.issue(&Identity::new("user-42").with_scope("orders:read"))?;
/// let who = verifier.verify_sync(token.as_str())?;
/// assert_eq!(who.subject(), "user-42");
/// assert!(who.has_scope("orders:read"));
/// # Ok::<(), auth_jwt::Error>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// At least one; our own issuer (the builder's shorthand) first when configured.
    pub(crate) issuers: Box<[Trusted]>,
    pub(crate) revocations: Option<Arc<dyn Revocations>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cache: Option<TokenCache>,
    pub(crate) max_len: usize,
}

/// One issuer as the verifier holds it.
pub(crate) struct Trusted {
    pub(crate) keys: SharedKeySet,
    pub(crate) refresh: Option<Arc<dyn KeyRefresh>>,
    pub(crate) profile: Profile,
}

/// Why a verification failed: refused, or a well-formed `kid` that the issuer at this index
/// does not know (worth a refetch of its keys); `plausible` when the token's (unverified)
/// `iss` names that issuer, so it may well be signed by a key published since the last fetch.
enum Failure {
    Rejected(Error),
    UnknownKid { index: usize, plausible: bool },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Rejected(e)
    }
}

impl Verifier {
    /// A builder; name the issuer, the audience and the keys, then
    /// [`build`](VerifierBuilder::build).
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::new()
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// Verify `token` with the keys at hand, without waiting for any fetch: an unknown `kid` is
    /// an [`ErrorKind::UnknownKey`] (or [`ErrorKind::Unavailable`] if a remote key set has not
    /// loaded). Use [`verify`](Self::verify) to let an unknown `kid` trigger a JWKS refetch.
    ///
    /// # Errors
    /// An [`Error`] whose kind names the rule that refused the token.
    pub fn verify_sync(&self, token: &str) -> Result<Identity, Error> {
        self.verify_sync_shared(token).map(Arc::unwrap_or_clone)
    }

    /// [`verify_sync`](Self::verify_sync), with the identity shared rather than copied out of
    /// the verified-token cache (what the auth layers put in a request's
    /// [`AuthContext`](auth_core::AuthContext) with
    /// [`verified_shared`](auth_core::AuthContext::verified_shared)).
    ///
    /// # Errors
    /// As [`verify_sync`](Self::verify_sync).
    pub fn verify_sync_shared(&self, token: &str) -> Result<Arc<Identity>, Error> {
        let result = self.attempt(token).map_err(|f| self.unknown_kid_error(f));
        trace_outcome(result.as_deref());
        result
    }

    /// Verify `token`; a well-formed but unknown `kid` asks a remote key set to refetch (at most
    /// once per cooldown, one fetch in flight) and tries once more.
    ///
    /// # Errors
    /// As [`verify_sync`](Self::verify_sync).
    pub async fn verify(&self, token: &str) -> Result<Identity, Error> {
        self.verify_shared(token).await.map(Arc::unwrap_or_clone)
    }

    /// [`verify`](Self::verify), with the identity shared (see
    /// [`verify_sync_shared`](Self::verify_sync_shared)).
    ///
    /// # Errors
    /// As [`verify_sync`](Self::verify_sync).
    pub async fn verify_shared(&self, token: &str) -> Result<Arc<Identity>, Error> {
        let first = self.attempt(token);
        let refresh = match &first {
            Err(Failure::UnknownKid { index, .. }) => self.inner.issuers[*index].refresh.as_ref(),
            _ => None,
        };
        let result = match (first, refresh) {
            (Err(Failure::UnknownKid { .. }), Some(refresh)) => {
                tracing::debug!(target: "auth_jwt::verify", "unknown kid: asking for a JWKS refetch");
                let skipped = refresh.refresh_for_unknown_kid().await;
                match (self.attempt(token), skipped) {
                    // No fetch looked for this kid (the cooldown of an earlier one runs), and the
                    // token names this issuer: its key may have been published since (a rotation
                    // at the provider). A 503 with the rest of the cooldown as Retry-After, not
                    // an `invalid_token` that would make the client throw a good token away.
                    (
                        Err(Failure::UnknownKid {
                            plausible: true, ..
                        }),
                        Some(wait),
                    ) if refresh.is_available() => Err(Error::new(
                        ErrorKind::Unavailable,
                        "no key with this kid yet: the key set is refetched at most once \
                             per cooldown",
                    )
                    .with_retry_after(wait)),
                    (other, _) => other.map_err(|f| self.unknown_kid_error(f)),
                }
            }
            (other, _) => other.map_err(|f| self.unknown_kid_error(f)),
        };
        trace_outcome(result.as_deref());
        result
    }

    /// How many verified tokens the cache holds.
    pub fn cached_tokens(&self) -> usize {
        self.inner.cache.as_ref().map_or(0, TokenCache::len)
    }

    /// Forget every cached verification.
    pub fn clear_cache(&self) {
        if let Some(cache) = &self.inner.cache {
            cache.clear();
        }
    }

    /// The key set of the first issuer: our own (the one named with
    /// [`with_issuer`](VerifierBuilder::with_issuer) and [`with_keys`](VerifierBuilder::with_keys))
    /// when there is one, else the first [`TrustedIssuer`]. This is the set the token endpoints
    /// publish as the JWKS.
    pub fn keys(&self) -> &SharedKeySet {
        &self.inner.issuers[0].keys
    }

    fn unknown_kid_error(&self, failure: Failure) -> Error {
        match failure {
            Failure::Rejected(e) => e,
            Failure::UnknownKid { index, .. } => match &self.inner.issuers[index].refresh {
                Some(r) if !r.is_available() => Error::new(
                    ErrorKind::Unavailable,
                    "the remote key set is not available",
                ),
                _ => unknown_key(),
            },
        }
    }

    /// Whether the revocation list refuses `probe`; an `Unavailable` error when the list cannot
    /// vouch for its answer (fail closed).
    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        match &self.inner.revocations {
            Some(r) => Ok(r.is_revoked(probe)?),
            None => Ok(false),
        }
    }

    /// Refuse a token that could outlive the revocation list's memory of it: a revocation of its
    /// session or subject, made at any time after it was issued, is forgotten once the list's
    /// horizon has passed, so a token accepted until later than `iat` + horizon could come back
    /// to life after its revocation.
    fn check_lifetime(
        &self,
        profile: &Profile,
        issued_at: Timestamp,
        valid_until: Timestamp,
    ) -> Result<(), Error> {
        let Some(revocations) = &self.inner.revocations else {
            return Ok(());
        };
        let accepted_until = valid_until.saturating_add(profile.leeway);
        if accepted_until > issued_at.saturating_add(revocations.horizon()) {
            return Err(Error::new(
                ErrorKind::InvalidClaim,
                "the token lives longer than the revocation list remembers revocations",
            ));
        }
        Ok(())
    }

    fn attempt(&self, token: &str) -> Result<Arc<Identity>, Failure> {
        let inner = &*self.inner;
        if token.len() > inner.max_len {
            return Err(Error::new(ErrorKind::TooLarge, "the token exceeds the size limit").into());
        }
        let now = inner.clock.now();
        let digest = inner.cache.as_ref().map(|cache| cache.digest(token));
        if let (Some(cache), Some(digest)) = (&inner.cache, &digest)
            && let Some(hit) = cache.get(digest, token, now, |entry| {
                // The key that verified the entry, in the key set of the issuer that verified
                // it: another issuer's key under the same `kid` is no substitute.
                inner.issuers.get(entry.issuer).is_some_and(|trusted| {
                    trusted
                        .keys
                        .snapshot()
                        .get(&entry.kid)
                        .is_some_and(|k| k.instance() == entry.key_instance)
                })
            })
        {
            let own = inner
                .issuers
                .get(hit.issuer)
                .is_some_and(|t| t.profile.external.is_none());
            if own {
                let probe = probe(&hit.identity, hit.jti.as_deref(), hit.issued_at);
                if self.is_revoked(&probe)? {
                    cache.remove(digest);
                    return Err(revoked().into());
                }
            }
            tracing::trace!(target: "auth_jwt::verify", kid = %hit.kid, "cache hit");
            return Ok(hit.identity);
        }

        let parsed = jws::parse(token, inner.max_len)?;
        let (index, trusted) = pick::issuer(&inner.issuers, &parsed)?;
        let profile = &trusted.profile;
        let policy = profile
            .external
            .as_ref()
            .map_or(TypPolicy::Strict, |e| e.typ);
        trusted::check_header_type(parsed.header.typ.as_deref(), policy)?;
        let keys = trusted.keys.snapshot();
        let key = match parsed.resolve_key(&keys) {
            Ok(key) => key,
            Err(_) => {
                // With several issuers, `iss` already picked this one.
                let plausible =
                    inner.issuers.len() > 1 || pick::names_issuer(&parsed, &trusted.profile.issuer);
                return Err(Failure::UnknownKid { index, plausible });
            }
        };
        let payload = parsed.verify_with(&key)?;
        let checked = claims::check(&payload, profile, now)?;
        if profile.external.is_none() {
            self.check_lifetime(profile, checked.issued_at, checked.valid_until)?;
            let probe = probe(&checked.identity, checked.jti.as_deref(), checked.issued_at);
            if self.is_revoked(&probe)? {
                return Err(revoked().into());
            }
        }
        let identity = Arc::new(checked.identity);
        if let (Some(cache), Some(digest)) = (&inner.cache, digest) {
            cache.insert(
                digest,
                Entry {
                    identity: identity.clone(),
                    jti: checked.jti.map(Into::into),
                    issued_at: checked.issued_at,
                    valid_until: checked.valid_until,
                    issuer: index,
                    kid: key.kid_arc().clone(),
                    key_instance: key.instance(),
                    signature: cache::signature_of(token).into(),
                },
            );
        }
        Ok(identity)
    }
}

fn unknown_key() -> Error {
    Error::new(ErrorKind::UnknownKey, "no key with this kid")
}

fn revoked() -> Error {
    Error::new(
        ErrorKind::Revoked,
        "the token, its session or its subject was revoked",
    )
}

fn probe<'a>(identity: &'a Identity, jti: Option<&'a str>, iat: Timestamp) -> RevocationProbe<'a> {
    RevocationProbe {
        session: identity.session(),
        token_id: jti,
        subject: Some(identity.subject()),
        issued_at: Some(iat),
    }
}

fn trace_outcome(result: Result<&Identity, &Error>) {
    match result {
        Ok(identity) => tracing::trace!(
            target: "auth_jwt::verify",
            issuer = identity.issuer(),
            session = ?identity.session(),
            "access token accepted"
        ),
        Err(e) => tracing::debug!(
            target: "auth_jwt::verify",
            kind = e.kind().as_str(),
            reason = e.message(),
            "access token rejected"
        ),
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let issuers: Vec<(&str, &[String])> = self
            .inner
            .issuers
            .iter()
            .map(|t| (&*t.profile.issuer, &*t.profile.audiences))
            .collect();
        f.debug_struct("Verifier")
            .field("issuers", &issuers)
            .field("cache", &self.inner.cache.is_some())
            .field("revocations", &self.inner.revocations.is_some())
            .finish_non_exhaustive()
    }
}
