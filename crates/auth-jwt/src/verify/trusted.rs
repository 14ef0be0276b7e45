//! [`TrustedIssuer`]: an external issuer whose access tokens a [`Verifier`](crate::Verifier)
//! accepts, with its own keys, audiences, `typ` policy ([`TypPolicy`]), claim mapping and
//! authorized party.

use super::KeyRefresh;
use super::mapping::{ClaimMapping, Claims};
use crate::error::{Error, ErrorKind};
use crate::keys::SharedKeySet;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// Which `typ` an issuer's access tokens may have.
///
/// ```
/// use auth_jwt::{Algorithm, Key, TrustedIssuer, TypPolicy};
/// let keys = Key::generate_hmac("k1", Algorithm::HS256)?;
/// let strict = TrustedIssuer::new("https://idp.example", keys)
///     .with_audience("api")
///     .with_typ_policy(TypPolicy::Strict);
/// # let _ = strict;
/// # Ok::<(), auth_jwt::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TypPolicy {
    /// RFC 9068 only: the header `typ` must be `at+jwt` (or `application/at+jwt`). Always the
    /// policy of our own issuer.
    Strict,
    /// The default for external issuers, many of which do not send `at+jwt` (Keycloak, Auth0,
    /// Entra ID): the header `typ` may be `at+jwt`, `JWT` or absent, and what is known not to be
    /// an access token is still refused: any other `typ` (another profile's token), a Keycloak
    /// token whose payload `typ` is not `Bearer` (`ID`, `Refresh`, `Logout`), a Cognito token
    /// whose `token_use` is not `access`, and an OpenID
    /// Connect ID token, recognised by a `nonce`, `at_hash` or `c_hash` claim (unless a payload
    /// `typ` of `Bearer` marks it as an access token: older Keycloak copies `nonce` into them).
    #[default]
    Compatible,
}

/// An issuer whose access tokens a verifier accepts besides (or instead of) our own: added with
/// [`VerifierBuilder::with_trusted_issuer`](crate::VerifierBuilder::with_trusted_issuer), once
/// per issuer.
///
/// Its defaults suit an external identity provider: [`TypPolicy::Compatible`],
/// [`ClaimMapping::scope_only`] (scopes, and no roles unless a preset or a mapping says where
/// they are), no authorized-party check; its `sid` is that provider's session id, kept as an
/// ordinary claim (never read as one of our sessions), and our revocation list does not apply
/// to its tokens (the provider revokes by its own means, and its tokens are short-lived).
/// Every identity it vouches for carries its name ([`Identity::issuer`]): its subjects are
/// its own, and our token endpoints refuse its tokens.
///
/// [`Identity::issuer`]: auth_core::Identity::issuer
///
/// ```
/// use auth_jwt::{Algorithm, ClaimMapping, Key, TrustedIssuer, Verifier};
/// let idp_keys = Key::generate_hmac("idp-1", Algorithm::HS256)?;
/// let idp = TrustedIssuer::new("https://login.example/realms/acme", idp_keys)
///     .with_audience("orders-api")
///     .with_claim_mapping(ClaimMapping::keycloak("orders-api"))
///     .with_authorized_party("orders-web");
/// let verifier = Verifier::builder().with_trusted_issuer(idp).build()?;
/// # let _ = verifier;
/// # Ok::<(), auth_jwt::Error>(())
/// ```
#[must_use]
#[derive(Clone)]
pub struct TrustedIssuer {
    pub(crate) issuer: String,
    pub(crate) audiences: Vec<String>,
    pub(crate) keys: SharedKeySet,
    pub(crate) refresh: Option<Arc<dyn KeyRefresh>>,
    /// The issuer a discovered key set was discovered for (checked against `issuer`).
    pub(crate) keys_discovered_for: Option<String>,
    pub(crate) external: External,
}

/// What an external issuer's profile adds to the shared checks.
#[derive(Debug, Clone)]
pub(crate) struct External {
    pub(crate) typ: TypPolicy,
    pub(crate) mapping: ClaimMapping,
    pub(crate) authorized_party: Option<String>,
    /// A token without `aud` is for us when its `client_id` is one of the audiences (Cognito).
    pub(crate) client_id_as_audience: bool,
    /// A token without `sub` names a client: `client_id`, else `azp`, is the subject.
    pub(crate) clients_as_subjects: bool,
}

impl TrustedIssuer {
    /// Tokens whose `iss` is exactly `issuer`, verified with `keys` only (a [`Key`](crate::Key),
    /// a [`KeySet`](crate::KeySet) or a [`SharedKeySet`]). Name at least one audience.
    pub fn new(issuer: impl Into<String>, keys: impl Into<SharedKeySet>) -> Self {
        Self {
            issuer: issuer.into(),
            audiences: Vec::new(),
            keys: keys.into(),
            refresh: None,
            keys_discovered_for: None,
            external: External {
                typ: TypPolicy::default(),
                mapping: ClaimMapping::default(),
                authorized_party: None,
                client_id_as_audience: false,
                clients_as_subjects: false,
            },
        }
    }

    /// Tokens whose `iss` is exactly `issuer`, verified with the keys of a [`RemoteJwks`]
    /// (usually from [`RemoteJwks::discover`] on the same issuer); an unknown `kid` asks it
    /// for a rate-limited refetch. A key set discovered for another issuer (another string,
    /// a trailing `/` included) is refused when the verifier is built.
    ///
    /// ```no_run
    /// use auth_jwt::{ClaimMapping, RemoteJwks, RemoteJwksConfig, TrustedIssuer, Verifier};
    /// # #[tokio::main] async fn main() -> Result<(), auth_jwt::Error> {
    /// let issuer = "https://login.example/realms/acme";
    /// let jwks = RemoteJwks::discover(issuer, RemoteJwksConfig::default())?;
    /// let verifier = Verifier::builder()
    ///     .with_trusted_issuer(
    ///         TrustedIssuer::remote(issuer, &jwks)
    ///             .with_audience("orders-api")
    ///             .with_claim_mapping(ClaimMapping::keycloak("orders-api")),
    ///     )
    ///     .build()?;
    /// # let _ = verifier; Ok(()) }
    /// ```
    ///
    /// [`RemoteJwks`]: crate::RemoteJwks
    /// [`RemoteJwks::discover`]: crate::RemoteJwks::discover
    #[cfg(feature = "remote-jwks")]
    pub fn remote(issuer: impl Into<String>, jwks: &crate::RemoteJwks) -> Self {
        let mut this = Self::new(issuer, jwks.keys());
        this.refresh = Some(jwks.refresher());
        this.keys_discovered_for = jwks.issuer().map(str::to_owned);
        this
    }

    /// Add an audience: a token is accepted when its `aud` holds any of them.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Which `typ` is accepted (default [`TypPolicy::Compatible`]).
    pub fn with_typ_policy(mut self, policy: TypPolicy) -> Self {
        self.external.typ = policy;
        self
    }

    /// Where scopes and roles are read (default [`ClaimMapping::scope_only`]: no roles).
    pub fn with_claim_mapping(mut self, mapping: ClaimMapping) -> Self {
        self.external.mapping = mapping;
        self
    }

    /// Accept only tokens issued to the client `client_id`: the `azp` claim, or `client_id`
    /// (RFC 9068) when there is no `azp`, must equal it; a token naming neither is refused.
    pub fn with_authorized_party(mut self, client_id: impl Into<String>) -> Self {
        self.external.authorized_party = Some(client_id.into());
        self
    }

    /// For providers whose access tokens carry no `aud` (Amazon Cognito): a token WITHOUT
    /// `aud` is for us when its `client_id` equals one of the audiences (name your app
    /// clients' ids with [`with_audience`](Self::with_audience)). A token with an `aud` is
    /// still judged by its `aud` alone.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, ClaimMapping, Key, TrustedIssuer};
    /// let cognito = TrustedIssuer::new(
    ///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
    ///     Key::generate_hmac("k", Algorithm::HS256)?,
    /// )
    /// .with_audience("4example-app-client-id")
    /// .with_client_id_as_audience()
    /// .with_claim_mapping(ClaimMapping::cognito());
    /// # let _ = cognito;
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    pub fn with_client_id_as_audience(mut self) -> Self {
        self.external.client_id_as_audience = true;
        self
    }

    /// Accept client-credentials tokens, which name an application and no user: a token
    /// without `sub` (or with an empty one) takes its subject from `client_id`, else `azp`,
    /// and its identity is [marked as a client](auth_core::Identity::is_client). Off by
    /// default (such tokens are refused for their missing `sub`); a token with a `sub` is
    /// read as before. Guard what only people may do with `!who.is_client()`.
    ///
    /// ```
    /// use auth_jwt::{Algorithm, Key, TrustedIssuer};
    /// let idp = TrustedIssuer::new("https://idp.example", Key::generate_hmac("k", Algorithm::HS256)?)
    ///     .with_audience("orders-api")
    ///     .with_clients_as_subjects();
    /// # let _ = idp;
    /// # Ok::<(), auth_jwt::Error>(())
    /// ```
    pub fn with_clients_as_subjects(mut self) -> Self {
        self.external.clients_as_subjects = true;
        self
    }

    /// The configuration errors [`VerifierBuilder::build`](crate::VerifierBuilder::build)
    /// reports.
    pub(crate) fn validate(&self) -> Result<(), Error> {
        check_discovered_for(&self.issuer, self.keys_discovered_for.as_deref())?;
        if self.external.mapping.needs_authorized_party()
            && self.external.authorized_party.is_none()
        {
            return Err(Error::config(format!(
                "the issuer {:?} uses a claim mapping (google) whose tokens any account can mint \
                 for any audience: name the client they must be issued to \
                 (with_authorized_party)",
                self.issuer
            )));
        }
        if self.issuer.is_empty() {
            return Err(Error::config("a trusted issuer needs a non-empty issuer"));
        }
        if self.audiences.is_empty() || self.audiences.iter().any(String::is_empty) {
            return Err(Error::config(
                "a trusted issuer needs at least one audience, none empty (with_audience)",
            ));
        }
        if self.external.authorized_party.as_deref() == Some("") {
            return Err(Error::config("an empty authorized party is refused"));
        }
        Ok(())
    }
}

/// A key set discovered for `discovered_for` may only verify the tokens of that same issuer.
pub(crate) fn check_discovered_for(
    issuer: &str,
    discovered_for: Option<&str>,
) -> Result<(), Error> {
    match discovered_for {
        Some(d) if d != issuer => Err(Error::config(format!(
            "the issuer {issuer:?} is given keys discovered for another issuer, {d:?} \
             (the two must be the same string, trailing slash included)"
        ))),
        _ => Ok(()),
    }
}

/// Whether `typ` names an access token: `at+jwt`, any case, optionally `application/at+jwt`.
pub(crate) fn is_access_token_type(typ: &str) -> bool {
    media_type_is(typ, b"at+jwt")
}

fn media_type_is(typ: &str, name: &[u8]) -> bool {
    let t = typ.as_bytes();
    let prefix = b"application/";
    let t = if t.len() > prefix.len() && t[..prefix.len()].eq_ignore_ascii_case(prefix) {
        &t[prefix.len()..]
    } else {
        t
    };
    t.eq_ignore_ascii_case(name)
}

/// The header `typ` rule of `policy`.
pub(crate) fn check_header_type(typ: Option<&str>, policy: TypPolicy) -> Result<(), Error> {
    match (typ, policy) {
        (Some(typ), _) if is_access_token_type(typ) => Ok(()),
        (None, TypPolicy::Compatible) => Ok(()),
        (Some(typ), TypPolicy::Compatible) if media_type_is(typ, b"jwt") => Ok(()),
        (_, TypPolicy::Strict) => Err(Error::new(ErrorKind::WrongType, "typ is not at+jwt")),
        (_, TypPolicy::Compatible) => {
            Err(Error::new(ErrorKind::WrongType, "typ is not at+jwt or JWT"))
        }
    }
}

impl External {
    /// The payload rules: what marks a token as not an access token, and the authorized party.
    pub(crate) fn check(&self, claims: &Claims) -> Result<(), Error> {
        if self.typ == TypPolicy::Compatible {
            let marked_access_token = match claims.get("typ") {
                None => false,
                Some(Value::String(t)) if t.eq_ignore_ascii_case("Bearer") => true,
                Some(Value::String(_)) => {
                    return Err(Error::new(
                        ErrorKind::WrongType,
                        "the `typ` claim says this is not an access token",
                    ));
                }
                Some(_) => {
                    return Err(Error::new(
                        ErrorKind::InvalidClaim,
                        "`typ` must be a string",
                    ));
                }
            };
            match claims.get("token_use") {
                None => {}
                Some(Value::String(u)) if u == "access" => {}
                Some(_) => {
                    return Err(Error::new(
                        ErrorKind::WrongType,
                        "the `token_use` claim says this is not an access token",
                    ));
                }
            }
            if !marked_access_token
                && ["nonce", "at_hash", "c_hash"]
                    .iter()
                    .any(|c| claims.contains_key(*c))
            {
                return Err(Error::new(
                    ErrorKind::WrongType,
                    "an ID token is not an access token",
                ));
            }
        }
        if let Some(expected) = &self.authorized_party {
            let party = claims.get("azp").or_else(|| claims.get("client_id"));
            match party {
                Some(Value::String(p)) if p == expected => {}
                Some(Value::String(_)) => {
                    return Err(Error::new(
                        ErrorKind::WrongAuthorizedParty,
                        "the token was issued to another client",
                    ));
                }
                Some(_) => {
                    return Err(Error::new(
                        ErrorKind::InvalidClaim,
                        "`azp` and `client_id` must be strings",
                    ));
                }
                None => {
                    return Err(Error::new(
                        ErrorKind::MissingClaim,
                        "the token names no authorized party (`azp` or `client_id`)",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl fmt::Debug for TrustedIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustedIssuer")
            .field("issuer", &self.issuer)
            .field("audiences", &self.audiences)
            .field("keys", &self.keys)
            .field("remote", &self.refresh.is_some())
            .field("typ", &self.external.typ)
            .field("mapping", &self.external.mapping)
            .field("authorized_party", &self.external.authorized_party)
            .field("clients_as_subjects", &self.external.clients_as_subjects)
            .finish()
    }
}

#[cfg(test)]
mod tests;
