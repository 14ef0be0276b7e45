//! [`Identity`]: who made a request, however they proved it.

use crate::session::SessionKey;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

mod claims_error;
mod not_granted;

pub use claims_error::ClaimsError;
use not_granted::Grant;
pub use not_granted::NotGranted;

/// How an identity was established.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuthMethod {
    /// A server-side session (a cookie).
    #[default]
    Session,
    /// A bearer JWT.
    Jwt,
}

/// Who a request is from: one type for handlers and guards, whether the request came with a
/// session cookie or a bearer token.
///
/// Build one at login with [`Identity::new`] and the `with_*` methods:
///
/// ```
/// use auth_core::Identity;
/// let who = Identity::new("user-42")
///     .with_role("admin")
///     .with_scope("orders:read")
///     .with_claim("name", "Ada");
/// assert!(who.has_role("admin"));
/// assert_eq!(who.claim("name").and_then(|v| v.as_str()), Some("Ada"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Identity {
    /// Shared: extractors and caches hand out copies on every request, and a copy is one
    /// reference count, not a copy of every role, scope and claim. The `with_*` methods
    /// copy on write (never, while an identity is being built).
    inner: Arc<fields::Identity>,
}

/// The fields, serialized as they always were (an `Identity` is stored in sessions and
/// refresh families).
mod fields;

/// `Option<Arc<str>>` as an optional string (serde's `rc` feature is not enabled), so that
/// every identity a verifier makes shares its issuer's name instead of copying it.
mod shared_str;

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl Serialize for Identity {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.inner.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Identity {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        fields::Identity::deserialize(deserializer).map(|inner| Self {
            inner: Arc::new(inner),
        })
    }
}

impl Identity {
    /// An identity for `subject` (a stable user id, not a display name).
    pub fn new(subject: impl Into<String>) -> Self {
        let inner = fields::Identity {
            subject: subject.into(),
            session: None,
            roles: BTreeSet::new(),
            scopes: BTreeSet::new(),
            claims: serde_json::Map::new(),
            method: AuthMethod::Session,
            authenticated_at: None,
            expires_at: None,
            issuer: None,
            client: false,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The fields, to change (copied first only if this identity is shared).
    fn fields(&mut self) -> &mut fields::Identity {
        Arc::make_mut(&mut self.inner)
    }

    /// Add a role.
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.fields().roles.insert(role.into());
        self
    }

    /// Add several roles.
    #[must_use]
    pub fn with_roles<I: IntoIterator<Item = S>, S: Into<String>>(mut self, roles: I) -> Self {
        self.fields()
            .roles
            .extend(roles.into_iter().map(Into::into));
        self
    }

    /// Add a scope (OAuth 2.0 style permission).
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.fields().scopes.insert(scope.into());
        self
    }

    /// Add several scopes.
    #[must_use]
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.fields()
            .scopes
            .extend(scopes.into_iter().map(Into::into));
        self
    }

    /// Add an extra claim (any JSON value).
    #[must_use]
    pub fn with_claim(
        mut self,
        name: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.fields().claims.insert(name.into(), value.into());
        self
    }

    /// Set the session this identity belongs to.
    #[must_use]
    pub fn with_session(mut self, session: Option<SessionKey>) -> Self {
        self.fields().session = session;
        self
    }

    /// Set how the identity was established.
    #[must_use]
    pub fn with_method(mut self, method: AuthMethod) -> Self {
        self.fields().method = method;
        self
    }

    /// Set when the subject proved who they are (for step-up / max-age checks).
    #[must_use]
    pub fn with_authenticated_at(mut self, at: Timestamp) -> Self {
        self.fields().authenticated_at = Some(at);
        self
    }

    /// Set when this identity stops being valid (session or token expiry).
    #[must_use]
    pub fn with_expires_at(mut self, at: Option<Timestamp>) -> Self {
        self.fields().expires_at = at;
        self
    }

    /// Set the issuer that vouched for this identity: the `iss` of the token it came from
    /// (the verifier sets it; see [`issuer`](Self::issuer)).
    ///
    /// ```
    /// use auth_core::Identity;
    /// let who = Identity::new("u").with_issuer("https://idp.example");
    /// assert_eq!(who.issuer(), Some("https://idp.example"));
    /// assert_eq!(Identity::new("u").issuer(), None);
    /// ```
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<Arc<str>>) -> Self {
        self.fields().issuer = Some(issuer.into());
        self
    }

    /// Mark the subject as a client (an application, from a client-credentials grant), not a
    /// person; see [`is_client`](Self::is_client).
    ///
    /// ```
    /// use auth_core::Identity;
    /// let svc = Identity::new("billing-service").marked_as_client();
    /// assert!(svc.is_client());
    /// assert!(!Identity::new("user-42").is_client());
    /// ```
    #[must_use]
    pub fn marked_as_client(mut self) -> Self {
        self.fields().client = true;
        self
    }

    /// Who vouched for this identity: the `iss` of the access token it came from, for our
    /// own tokens as for an external issuer's; `None` for an identity of our own making (a
    /// cookie session, a login). Subjects, roles and scopes are only meaningful within one
    /// issuer: `user-42` at an identity provider is not our `user-42`, so compare the issuer
    /// before acting on a subject (our token endpoints accept only our own issuer's tokens).
    pub fn issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }

    /// Whether the subject is a client (an application authenticated by a client-credentials
    /// grant, whose token names no user) rather than a person: set by a trusted issuer's
    /// opt-in client mapping, which takes the subject from `client_id` / `azp`.
    pub fn is_client(&self) -> bool {
        self.inner.client
    }

    /// The subject (user id).
    pub fn subject(&self) -> &str {
        &self.inner.subject
    }

    /// The session this identity belongs to, if any (its public key, never the secret id).
    pub fn session(&self) -> Option<&SessionKey> {
        self.inner.session.as_ref()
    }

    /// The roles.
    pub fn roles(&self) -> &BTreeSet<String> {
        &self.inner.roles
    }

    /// The scopes.
    pub fn scopes(&self) -> &BTreeSet<String> {
        &self.inner.scopes
    }

    /// Whether the identity has `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.inner.roles.contains(role)
    }

    /// Whether the identity has `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.inner.scopes.contains(scope)
    }

    /// The one scope check of the workspace (guards, `auth_jwt::require_scope`, tonic's
    /// `IdentityExt`): `Ok` if the identity has `scope`.
    ///
    /// # Errors
    /// [`NotGranted`], whose message (`requires the scope "..."`) is what clients are told.
    ///
    /// ```
    /// use auth_core::Identity;
    /// let who = Identity::new("u").with_scope("orders:read");
    /// assert!(who.check_scope("orders:read").is_ok());
    /// let e = who.check_scope("orders:write").unwrap_err();
    /// assert_eq!(e.to_string(), "requires the scope \"orders:write\"");
    /// ```
    pub fn check_scope(&self, scope: &str) -> Result<(), NotGranted> {
        if self.has_scope(scope) {
            Ok(())
        } else {
            Err(NotGranted::new(Grant::Scope, scope))
        }
    }

    /// The one role check of the workspace: `Ok` if the identity has `role`.
    ///
    /// # Errors
    /// [`NotGranted`], whose message is `requires the role "..."`.
    pub fn check_role(&self, role: &str) -> Result<(), NotGranted> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(NotGranted::new(Grant::Role, role))
        }
    }

    /// All extra claims.
    pub fn claims(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.inner.claims
    }

    /// One extra claim.
    pub fn claim(&self, name: &str) -> Option<&serde_json::Value> {
        self.inner.claims.get(name)
    }

    /// The extra claims as a type of yours (serde), so handlers need not dig in a map. Claims
    /// the type does not name are ignored (unless it says `deny_unknown_fields`); the
    /// registered claims the verifier consumed (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`,
    /// `jti`, `auth_time`, and for our own tokens `sid`, `scope`, `roles`) are not among them.
    ///
    /// ```
    /// use auth_core::Identity;
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Profile {
    ///     email: String,
    ///     #[serde(default)]
    ///     tenant: Option<String>,
    /// }
    /// let who = Identity::new("u").with_claim("email", "ada@example.com");
    /// let profile: Profile = who.claims_as()?;
    /// assert_eq!(profile.email, "ada@example.com");
    ///
    /// let e = Identity::new("u").with_claim("email", 3).claims_as::<Profile>().unwrap_err();
    /// assert_eq!(e.claim(), Some("email"));
    /// # Ok::<(), auth_core::ClaimsError>(())
    /// ```
    ///
    /// # Errors
    /// [`ClaimsError`], naming the claim that is missing or of the wrong type.
    pub fn claims_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, ClaimsError> {
        use serde::de::value::MapDeserializer;
        let map = MapDeserializer::<_, serde_json::Error>::new(
            self.inner.claims.iter().map(|(k, v)| (k.as_str(), v)),
        );
        serde_path_to_error::deserialize(map).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            // A missing field is reported at the parent; name it from serde's message.
            let claim = if path == "." {
                inner
                    .strip_prefix("missing field `")
                    .and_then(|rest| rest.split('`').next())
                    .map(str::to_owned)
            } else {
                Some(path)
            };
            ClaimsError {
                claim,
                message: inner,
            }
        })
    }

    /// How the identity was established.
    pub fn method(&self) -> AuthMethod {
        self.inner.method
    }

    /// When the subject proved who they are.
    pub fn authenticated_at(&self) -> Option<Timestamp> {
        self.inner.authenticated_at
    }

    /// When the identity stops being valid.
    pub fn expires_at(&self) -> Option<Timestamp> {
        self.inner.expires_at
    }
}

#[cfg(test)]
mod tests;
