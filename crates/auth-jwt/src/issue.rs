//! [`Issuer`]: mints access tokens (`typ: at+jwt`) from an [`Identity`].

use crate::b64;
use crate::error::{Error, ErrorKind};
use crate::jws;
use crate::keys::SharedKeySet;
use crate::verify::REGISTERED_CLAIMS;
use auth_core::{Clock, Identity, SystemClock, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The default access-token lifetime.
pub(crate) const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);

/// A signed access token. `Debug` is redacted; the token itself is reachable only through
/// [`as_str`](Self::as_str) / [`into_string`](Self::into_string).
#[derive(Clone)]
pub struct AccessToken {
    token: String,
    jti: String,
    issued_at: Timestamp,
    expires_at: Timestamp,
}

impl AccessToken {
    /// The compact JWS, to send as `Authorization: Bearer <token>`.
    pub fn as_str(&self) -> &str {
        &self.token
    }

    /// The compact JWS, owned.
    pub fn into_string(self) -> String {
        self.token
    }

    /// The token id (`jti`), for revoking this token alone.
    pub fn jti(&self) -> &str {
        &self.jti
    }

    /// When it was issued (`iat`, whole seconds).
    pub fn issued_at(&self) -> Timestamp {
        self.issued_at
    }

    /// When it expires (`exp`, whole seconds).
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("jti", &self.jti)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Mints access tokens signed with the current signing key of a [`SharedKeySet`]; cheap to
/// clone.
///
/// Claims: `iss`, `aud`, `sub`, `iat`, `nbf` (= `iat`), `exp` (`iat` + lifetime, 15 minutes by
/// default), a random 128-bit `jti`, `sid` (the hex [`SessionKey`](auth_core::SessionKey) of the
/// identity's session, so revoking the session revokes the token), `scope` (space-separated),
/// `roles`, `auth_time` (if the identity has one), and the identity's extra claims. Header:
/// `alg` (the key's), `kid`, `typ: at+jwt`.
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<IssuerInner>,
}

struct IssuerInner {
    issuer: String,
    audience: String,
    keys: SharedKeySet,
    ttl: Duration,
    clock: Arc<dyn Clock>,
}

/// Builds an [`Issuer`]; see [`Issuer::builder`].
#[must_use]
pub struct IssuerBuilder {
    issuer: String,
    audience: String,
    keys: Option<SharedKeySet>,
    ttl: Duration,
    clock: Arc<dyn Clock>,
}

impl IssuerBuilder {
    /// The issuer to name in every token: the `iss` value (required).
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = issuer.into();
        self
    }

    /// The audience every token is meant for: the `aud` value (required).
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// The keys to sign with (their current signing key at the time of each issue): one
    /// [`Key`](crate::Key), a [`KeySet`](crate::KeySet) or a [`SharedKeySet`].
    pub fn with_keys(mut self, keys: impl Into<SharedKeySet>) -> Self {
        self.keys = Some(keys.into());
        self
    }

    /// The access-token lifetime (default 15 minutes; 1 second to 24 hours).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The clock (default: the system clock).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Build the issuer.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for an empty issuer or audience, no keys, a key set without a
    /// signing key, or a lifetime out of range.
    pub fn build(self) -> Result<Issuer, Error> {
        if self.issuer.is_empty() || self.audience.is_empty() {
            return Err(Error::config(
                "an issuer needs an issuer name and an audience (with_issuer, with_audience)",
            ));
        }
        let keys = self
            .keys
            .ok_or_else(|| Error::config("an issuer needs keys (with_keys)"))?;
        if keys.load().signing_key().is_none() {
            return Err(Error::config("the key set has no signing key"));
        }
        if self.ttl < Duration::from_secs(1) || self.ttl > Duration::from_secs(24 * 3600) {
            return Err(Error::config(
                "the access-token lifetime must be 1 s to 24 h",
            ));
        }
        Ok(Issuer {
            inner: Arc::new(IssuerInner {
                issuer: self.issuer,
                audience: self.audience,
                keys,
                ttl: self.ttl,
                clock: self.clock,
            }),
        })
    }
}

impl Issuer {
    /// A builder; name the issuer, the audience and the keys, then
    /// [`build`](IssuerBuilder::build).
    pub fn builder() -> IssuerBuilder {
        IssuerBuilder {
            issuer: String::new(),
            audience: String::new(),
            keys: None,
            ttl: DEFAULT_ACCESS_TTL,
            clock: Arc::new(SystemClock),
        }
    }

    /// The access-token lifetime.
    pub fn ttl(&self) -> Duration {
        self.inner.ttl
    }

    /// The `iss` of every token this issuer mints: what a verified identity's
    /// [`issuer`](Identity::issuer) is when the token is ours.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, Issuer, Key};
    /// let issuer = Issuer::builder()
    ///     .with_issuer("https://auth.example")
    ///     .with_audience("api")
    ///     .with_keys(Key::generate_hmac("k1", Algorithm::HS256)?)
    ///     .build()?;
    /// assert_eq!(issuer.iss(), "https://auth.example");
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    pub fn iss(&self) -> &str {
        &self.inner.issuer
    }

    /// A [`Verifier`](crate::Verifier) builder for this issuer's own tokens: the same `iss`,
    /// audience, keys and clock, so the two cannot disagree. Add the revocation list (and any
    /// other setting), then build.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, Issuer, Key};
    /// use auth_core::{Identity, MemoryStore};
    /// let issuer = Issuer::builder()
    ///     .with_issuer("https://auth.example")
    ///     .with_audience("api")
    ///     .with_keys(Key::generate_hmac("k1", Algorithm::HS256)?)
    ///     .build()?;
    /// let verifier = issuer.verifier().with_revocations(MemoryStore::new()).build()?;
    /// let token = issuer.issue(&Identity::new("alice"))?;
    /// assert_eq!(verifier.verify_sync(token.as_str())?.subject(), "alice");
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    pub fn verifier(&self) -> crate::VerifierBuilder {
        crate::Verifier::builder()
            .with_issuer(self.inner.issuer.clone())
            .with_audience(self.inner.audience.clone())
            .with_keys(self.inner.keys.clone())
            .with_clock(self.inner.clock.clone())
    }

    /// Mint an access token for `identity`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidClaim`] for an empty subject or an extra claim with a registered
    /// name; [`ErrorKind::Config`] if the key set lost its signing key;
    /// [`ErrorKind::Internal`] if signing fails.
    pub fn issue(&self, identity: &Identity) -> Result<AccessToken, Error> {
        self.issue_with(identity, &Map::new())
    }

    /// Mint an access token for `identity` with extra typed claims: `extra` must serialize to a
    /// JSON object; its members join the identity's extra claims (and win on a name clash).
    ///
    /// # Errors
    /// As [`issue`](Self::issue); [`ErrorKind::InvalidClaim`] if `extra` is not an object.
    pub fn issue_with<C: Serialize + ?Sized>(
        &self,
        identity: &Identity,
        extra: &C,
    ) -> Result<AccessToken, Error> {
        let inner = &*self.inner;
        if identity.subject().is_empty() {
            return Err(Error::new(ErrorKind::InvalidClaim, "the subject is empty"));
        }
        let Value::Object(extra) = serde_json::to_value(extra)
            .map_err(|e| Error::new(ErrorKind::InvalidClaim, "extra claims").with_source(e))?
        else {
            return Err(Error::new(
                ErrorKind::InvalidClaim,
                "extra claims must serialize to a JSON object",
            ));
        };
        let mut claims = identity.claims().clone();
        claims.extend(extra);
        if let Some(name) = claims
            .keys()
            .find(|k| REGISTERED_CLAIMS.contains(&k.as_str()))
        {
            return Err(Error::new(
                ErrorKind::InvalidClaim,
                format!("the extra claim {name:?} would shadow a registered claim"),
            ));
        }

        let iat = inner.clock.now().as_unix_seconds();
        let ttl = i64::try_from(inner.ttl.as_secs()).unwrap_or(i64::MAX);
        let exp = iat.saturating_add(ttl);
        let jti = random_id()?;
        claims.insert("iss".into(), inner.issuer.clone().into());
        claims.insert("aud".into(), inner.audience.clone().into());
        claims.insert("sub".into(), identity.subject().into());
        claims.insert("iat".into(), iat.into());
        claims.insert("nbf".into(), iat.into());
        claims.insert("exp".into(), exp.into());
        claims.insert("jti".into(), jti.clone().into());
        if let Some(session) = identity.session() {
            claims.insert("sid".into(), session.to_hex().into());
        }
        if !identity.scopes().is_empty() {
            let scope: Vec<&str> = identity.scopes().iter().map(String::as_str).collect();
            claims.insert("scope".into(), scope.join(" ").into());
        }
        if !identity.roles().is_empty() {
            claims.insert("roles".into(), identity.roles().iter().cloned().collect());
        }
        if let Some(at) = identity.authenticated_at() {
            claims.insert("auth_time".into(), at.as_unix_seconds().into());
        }

        let keys = inner.keys.snapshot();
        let key = keys
            .signing_key()
            .ok_or_else(|| Error::config("the key set has no signing key"))?;
        let header = serde_json::json!({
            "alg": key.algorithm().as_str(),
            "kid": key.kid(),
            "typ": "at+jwt",
        });
        let header =
            serde_json::to_vec(&header).map_err(|e| Error::internal("header").with_source(e))?;
        let payload =
            serde_json::to_vec(&claims).map_err(|e| Error::internal("claims").with_source(e))?;
        let token = jws::sign(key, &header, &payload)?;
        tracing::trace!(target: "auth_jwt::issue", kid = key.kid(), jti = %jti, "access token issued");
        Ok(AccessToken {
            token,
            jti,
            issued_at: Timestamp::from_unix_seconds(iat),
            expires_at: Timestamp::from_unix_seconds(exp),
        })
    }
}

/// 128 random bits, base64url: a token id.
pub(crate) fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(format!("the OS random number generator failed: {e}")))?;
    Ok(b64::encode(bytes))
}

impl fmt::Debug for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Issuer")
            .field("issuer", &self.inner.issuer)
            .field("audience", &self.inner.audience)
            .field("ttl", &self.inner.ttl)
            .field("keys", &self.inner.keys)
            .finish()
    }
}

impl fmt::Debug for IssuerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerBuilder")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}
