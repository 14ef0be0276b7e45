//! Refresh tokens: opaque, rotated on every use, with reuse detection.
//!
//! A login starts a *family* ([`RefreshTokens::start`]): a server-side record of whom it is for
//! and its absolute lifetime, and a first refresh token. Each [`refresh`](RefreshTokens::refresh)
//! consumes the presented token and returns its successor with a new access token, in one
//! atomic store operation. Presenting a token that was already rotated is *reuse*: someone
//! holds a stolen copy, so the family is deleted and its session revoked through
//! [`Revocations`], which also kills every access token minted from it (they carry its `sid`).
//! A second use within a short grace window (a client refreshing twice concurrently) gets the
//! same successor instead, a limited number of times (default once, counted in the family so
//! the limit holds across instances, each repeat logged at warn); one more is reuse.

mod builder;
mod token;

#[cfg(feature = "test-util")]
pub use auth_core::refresh::refresh_store_conformance;
pub use auth_core::refresh::{
    FamilyId, FamilyRecord, MemoryRefreshStore, RefreshStore, RotateRequest, Rotation,
};
pub use builder::RefreshTokensBuilder;
pub use token::RefreshToken;

use crate::error::{Error, ErrorKind};
use crate::issue::{AccessToken, Issuer};
use auth_core::metrics::record as metrics;
use auth_core::{Clock, Identity, Revocation, RevocationProbe, Revocations, Timestamp};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use token::Minter;

/// An access token and the refresh token that goes with it.
#[derive(Debug, Clone)]
pub struct TokenPair {
    /// The short-lived access JWT.
    pub access: AccessToken,
    /// The opaque refresh token.
    pub refresh: RefreshToken,
}

/// Starts, rotates and revokes refresh-token families; cheap to clone.
///
/// ```
/// use auth_jwt::{Algorithm, Issuer, Key, KeySet, MemoryRefreshStore, RefreshTokens, SharedKeySet};
/// use auth_core::{Identity, MemoryStore};
/// use std::sync::Arc;
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
/// let issuer = Issuer::builder()
///     .with_issuer("https://auth.example")
///     .with_audience("api")
///     .with_keys(keys)
///     .build()?;
/// let tokens = RefreshTokens::builder(issuer, Arc::new(MemoryRefreshStore::new()),
///     Arc::new(MemoryStore::new()), &[42u8; 32]).build()?;
/// let first = tokens.start(&Identity::new("user-42")).await?;
/// let second = tokens.refresh(first.refresh.as_str()).await?;
/// assert_ne!(first.refresh.as_str(), second.refresh.as_str());
/// # Ok::<(), auth_jwt::Error>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct RefreshTokens {
    inner: Arc<Inner>,
}

struct Inner {
    issuer: Issuer,
    store: Arc<dyn RefreshStore>,
    revocations: Arc<dyn Revocations>,
    minter: Minter,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    lifetime: Duration,
    grace: Duration,
    grace_repeats: u32,
}

/// How long an access token may still verify after it was issued: its lifetime plus the
/// largest verifier leeway.
fn access_horizon(issuer: &Issuer) -> Duration {
    issuer.ttl().saturating_add(Duration::from_secs(300))
}

fn random_family() -> Result<FamilyId, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(format!("the OS random number generator failed: {e}")))?;
    Ok(FamilyId::from_bytes(bytes))
}

impl RefreshTokens {
    /// The issuer of the access tokens this mints (its [`iss`](Issuer::iss) is our own).
    pub fn issuer(&self) -> &Issuer {
        &self.inner.issuer
    }

    /// A verifier for the access tokens this service mints: the issuer's
    /// ([`Issuer::verifier`]: its `iss`, `aud`, keys and clock), checking revocations in the
    /// list this service revokes through, so a logout or a reused refresh token refuses the
    /// access tokens of that login at once. Further `with_*` settings can follow.
    ///
    /// ```
    /// use auth_core::{Identity, MemoryStore};
    /// use auth_jwt::{Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let issuer = Issuer::builder()
    ///     .with_issuer("https://auth.example")
    ///     .with_audience("api")
    ///     .with_keys(Key::generate("k1", Algorithm::ES256)?)
    ///     .build()?;
    /// let secret = RefreshTokens::random_secret()?;
    /// let tokens =
    ///     RefreshTokens::builder(issuer, MemoryRefreshStore::new(), MemoryStore::new(), &secret)
    ///         .build()?;
    /// let verifier = tokens.verifier().build()?;
    ///
    /// let pair = tokens.start(&Identity::new("user-42")).await?;
    /// assert_eq!(verifier.verify(pair.access.as_str()).await?.subject(), "user-42");
    /// tokens.revoke(pair.refresh.as_str()).await?; // a logout: its access token ends too
    /// assert!(verifier.verify(pair.access.as_str()).await.is_err());
    /// # Ok::<(), auth_jwt::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn verifier(&self) -> crate::VerifierBuilder {
        self.inner
            .issuer
            .verifier()
            .with_shared_revocations(self.inner.revocations.clone())
    }

    /// Start a family for `identity` (at login). Access tokens of the family carry the
    /// identity's session as `sid`, or the family id when it has none, so revoking that
    /// session revokes all of them.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] if the store fails; issuing errors as [`Issuer::issue`].
    pub async fn start(&self, identity: &Identity) -> Result<TokenPair, Error> {
        let inner = &*self.inner;
        self.clear_of_a_revocation_this_second(identity.subject())
            .await?;
        let now = inner.clock.now();
        let family = random_family()?;
        let session = identity
            .session()
            .copied()
            .unwrap_or_else(|| family.as_session_key());
        let record = FamilyRecord::new(
            identity.clone().with_session(Some(session)),
            now,
            now.saturating_add(inner.lifetime),
        );
        let first_expires_at = now.saturating_add(inner.ttl).min(record.expires_at);
        let access = inner.issuer.issue(&record.identity)?;
        inner
            .store
            .create(&family, &record, first_expires_at)
            .await?;
        tracing::debug!(target: "auth_jwt::refresh", ?family, "refresh family started");
        Ok(TokenPair {
            access,
            refresh: inner.minter.mint(&family, 0, first_expires_at),
        })
    }

    /// An access token carries its issue time in whole seconds, so one minted now would fall
    /// under a "log out everywhere" made earlier in this very second: logging in straight
    /// after logging out everywhere would hand out a dead token. In that case (and only then)
    /// wait for the next second, under one (on the tokio timer), before minting.
    async fn clear_of_a_revocation_this_second(&self, subject: &str) -> Result<(), Error> {
        let inner = &*self.inner;
        let now = inner.clock.now();
        let second = Timestamp::from_unix_seconds(now.as_unix_seconds());
        let revoked_if_issued_at = |issued_at| {
            inner.revocations.is_revoked(&RevocationProbe {
                subject: Some(subject),
                issued_at: Some(issued_at),
                ..RevocationProbe::default()
            })
        };
        // Revoked at this second but not at the next: the watermark is in this second (or on
        // its end), and minting in the next one gives a token and a family that work.
        let next_second = second.saturating_add(Duration::from_secs(1));
        if revoked_if_issued_at(second)? && !revoked_if_issued_at(next_second)? {
            // Into the next second's second millisecond, not its first: a token minted at a
            // whole second would survive a "log out everywhere" made in that same
            // millisecond (its watermark revokes what was issued strictly before it), and a
            // wake-up on the second's boundary makes that likely for a client that logs out
            // everywhere straight after logging in.
            let into_second = now.as_unix_millis() - second.as_unix_millis();
            let wait = 1001_u64.saturating_sub(u64::try_from(into_second).unwrap_or(0));
            tracing::debug!(
                target: "auth_jwt::refresh",
                wait_ms = wait,
                "login right after a subject revocation: minting in the next second"
            );
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
        Ok(())
    }

    /// Exchange a refresh token for a new pair. The presented token is consumed.
    ///
    /// # Errors
    /// [`ErrorKind::RefreshTokenInvalid`] (unknown, forged, expired), [`ErrorKind::Revoked`]
    /// (the session or subject was revoked), [`ErrorKind::RefreshTokenReused`] (reuse detected:
    /// the family is now revoked), [`ErrorKind::Unavailable`] if the store or revocation list
    /// fails.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, Error> {
        let inner = &*self.inner;
        let (family, generation) = inner.minter.open(refresh_token)?;
        let now = inner.clock.now();
        let mut request =
            RotateRequest::new(family, generation, now, now.saturating_add(inner.ttl));
        request.grace = inner.grace;
        request.max_repeats = inner.grace_repeats;
        let (record, generation, expires_at) = match inner.store.rotate(&request).await? {
            Rotation::Rotated {
                record,
                generation,
                expires_at,
            } => {
                metrics::refresh_rotated();
                (record, generation, expires_at)
            }
            Rotation::Repeated {
                record,
                generation,
                expires_at,
                repeats,
            } => {
                // Expected from a client refreshing concurrently, but also what a thief racing
                // the client looks like: leave a trace.
                metrics::refresh_grace_repeat();
                tracing::warn!(
                    target: "auth_jwt::refresh",
                    ?family,
                    repeats,
                    limit = inner.grace_repeats,
                    "rotated refresh token presented again inside the grace window"
                );
                (record, generation, expires_at)
            }
            Rotation::Reused { record } => {
                metrics::refresh_reuse_detected();
                tracing::warn!(
                    target: "auth_jwt::refresh",
                    ?family,
                    "refresh token reuse: the family is revoked"
                );
                self.revoke_session(&record, now).await?;
                return Err(Error::new(
                    ErrorKind::RefreshTokenReused,
                    "refresh token reuse detected; the session is revoked",
                ));
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::RefreshTokenInvalid,
                    "unknown or expired refresh token",
                ));
            }
        };
        let probe = RevocationProbe {
            session: record.identity.session(),
            token_id: None,
            subject: Some(record.identity.subject()),
            issued_at: Some(record.created_at),
        };
        if inner.revocations.is_revoked(&probe)? {
            inner.store.delete(&family).await?;
            return Err(Error::new(
                ErrorKind::Revoked,
                "the session or subject of this refresh token was revoked",
            ));
        }
        Ok(TokenPair {
            access: inner.issuer.issue(&record.identity)?,
            refresh: inner.minter.mint(&family, generation, expires_at),
        })
    }

    /// Log out with a refresh token: delete its family and revoke its session (and so every
    /// access token minted from it). Unknown or already-deleted families are not an error.
    ///
    /// # Errors
    /// [`ErrorKind::RefreshTokenInvalid`] for a forged token; [`ErrorKind::Unavailable`] if the
    /// store or revocation list fails.
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), Error> {
        let inner = &*self.inner;
        let (family, _) = inner.minter.open(refresh_token)?;
        if let Some(record) = inner.store.delete(&family).await? {
            self.revoke_session(&record, inner.clock.now()).await?;
        }
        Ok(())
    }

    /// Log `subject` out everywhere: every access token and refresh token issued to it before
    /// now is revoked (a `subject_before` [`Revocation`], remembered until the longest-lived of
    /// them would have expired). Refresh families are deleted the next time they are presented.
    ///
    /// The watermark is just past now, so a family started in this very millisecond, just
    /// before the call, is revoked too. Access tokens carry their issue time in whole seconds,
    /// so one issued later in the same second as this call by other means is revoked too
    /// (revocation errs on the safe side); [`start`](Self::start) waits for the next second in
    /// that case, so a login straight after logging out everywhere gets a token that works.
    ///
    /// # Errors
    /// [`ErrorKind::Unavailable`] if the revocation list fails.
    pub async fn revoke_subject(&self, subject: &str) -> Result<(), Error> {
        let inner = &*self.inner;
        let now = inner.clock.now();
        let before = now.saturating_add(Duration::from_millis(1));
        let until = now.saturating_add(inner.lifetime.max(access_horizon(&inner.issuer)));
        inner
            .revocations
            .revoke(Revocation::subject_before(subject, before, until))
            .await?;
        tracing::info!(target: "auth_jwt::refresh", "subject revoked everywhere");
        Ok(())
    }

    /// Revoke the family's session until no credential minted from it can still be valid.
    async fn revoke_session(&self, record: &FamilyRecord, now: Timestamp) -> Result<(), Error> {
        let inner = &*self.inner;
        let Some(session) = record.identity.session() else {
            return Ok(());
        };
        // Access tokens live at most the issuer's lifetime, plus any verifier leeway.
        let access_horizon = now.saturating_add(access_horizon(&inner.issuer));
        let until = record.expires_at.max(access_horizon);
        inner
            .revocations
            .revoke(Revocation::session_of(
                record.identity.subject(),
                *session,
                until,
            ))
            .await?;
        Ok(())
    }
}

impl fmt::Debug for RefreshTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshTokens")
            .field("store", &self.inner.store)
            .field("ttl", &self.inner.ttl)
            .field("lifetime", &self.inner.lifetime)
            .field("grace", &self.inner.grace)
            .field("grace_repeats", &self.inner.grace_repeats)
            .finish_non_exhaustive()
    }
}
