//! [`ClaimMapping`]: which claims of an external issuer's access tokens carry the scopes and the
//! roles of the [`Identity`](auth_core::Identity), with presets for the common identity
//! providers.
//!
//! A mapped claim that is absent grants nothing; one that is present with the wrong JSON type
//! refuses the token ([`InvalidClaim`](crate::ErrorKind::InvalidClaim)): a `scope` that is a
//! number, or a `realm_access` that is not an object, is not something to guess around.

use crate::error::{Error, ErrorKind};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::Arc;

/// The claims of a token, as a user function of [`ClaimMapping::with_roles_fn`] sees them.
pub type Claims = Map<String, Value>;

type RolesFn = dyn Fn(&Claims) -> Vec<String> + Send + Sync;

/// Where an external issuer puts scopes and roles. Our own issuer always uses `scope` and
/// `roles`; this is for a [`TrustedIssuer`](crate::TrustedIssuer).
///
/// Roles are never read from an external issuer unless the application says where: the
/// default, [`scope_only`](Self::scope_only), grants none (an identity provider's `roles` or
/// `groups` name its own groups, not this application's roles). Pick a preset or add role
/// sources to map them.
///
/// | preset | scopes from | roles from |
/// |---|---|---|
/// | [`scope_only`](Self::scope_only) (the default) | `scope` | none |
/// | [`standard`](Self::standard) | `scope` | `roles`, `groups` |
/// | [`keycloak`](Self::keycloak) | `scope` | `realm_access.roles`, `resource_access.<client>.roles` |
/// | [`auth0`](Self::auth0) | `scope` | `permissions` |
/// | [`entra_id`](Self::entra_id) | `scp` (space-separated) | `roles` |
/// | [`okta`](Self::okta) | `scp` (array) | `groups` |
/// | [`cognito`](Self::cognito) | `scope` | `cognito:groups` |
/// | [`google`](Self::google) (needs an authorized party) | `scope` | none |
///
/// A scope claim may be a space-separated string or an array of strings; a role claim must be
/// an array of strings.
///
/// ```
/// use auth_jwt::ClaimMapping;
/// // Keycloak, with the roles of the client `orders-api` as well as the realm's:
/// let keycloak = ClaimMapping::keycloak("orders-api");
/// // Auth0, plus the roles in a namespaced custom claim:
/// let auth0 = ClaimMapping::auth0().with_roles_from("https://example.com/roles");
/// # let _ = (keycloak, auth0);
/// ```
#[derive(Clone)]
pub struct ClaimMapping {
    scopes: Vec<Box<[String]>>,
    roles: Vec<Box<[String]>>,
    roles_fn: Option<Arc<RolesFn>>,
    /// The issuer must name its authorized party ([`google`](Self::google)).
    needs_authorized_party: bool,
}

/// [`ClaimMapping::scope_only`]: no roles from an external issuer unless configured.
impl Default for ClaimMapping {
    fn default() -> Self {
        Self::scope_only()
    }
}

impl ClaimMapping {
    /// A mapping that reads nothing: add sources with the `with_*` methods.
    ///
    /// ```
    /// use auth_jwt::ClaimMapping;
    /// let mapping = ClaimMapping::empty().with_scopes_from("scp").with_roles_from("groups");
    /// # let _ = mapping;
    /// ```
    pub fn empty() -> Self {
        Self {
            scopes: Vec::new(),
            roles: Vec::new(),
            roles_fn: None,
            needs_authorized_party: false,
        }
    }

    /// Scopes from `scope`, no roles: the default of a [`TrustedIssuer`](crate::TrustedIssuer).
    ///
    /// ```
    /// use auth_jwt::ClaimMapping;
    /// let mapping = ClaimMapping::scope_only(); // the same as ClaimMapping::default()
    /// # let _ = mapping;
    /// ```
    pub fn scope_only() -> Self {
        Self::empty().with_scopes_from("scope")
    }

    /// RFC 9068: scopes from `scope`, roles from `roles` and `groups` (whatever the issuer
    /// puts there becomes a role here: only for an issuer whose groups are this
    /// application's roles).
    pub fn standard() -> Self {
        Self::empty()
            .with_scopes_from("scope")
            .with_roles_from("roles")
            .with_roles_from("groups")
    }

    /// Keycloak: scopes from `scope`, roles from `realm_access.roles` and from
    /// `resource_access.<client>.roles` for the client `client` (usually the resource
    /// server's own client id).
    pub fn keycloak(client: impl Into<String>) -> Self {
        Self::empty()
            .with_scopes_from("scope")
            .with_roles_at(["realm_access", "roles"])
            .with_roles_at([
                "resource_access".to_owned(),
                client.into(),
                "roles".to_owned(),
            ])
    }

    /// Auth0: scopes from `scope`, roles from `permissions` (RBAC with "Add Permissions in
    /// the Access Token" on).
    pub fn auth0() -> Self {
        Self::empty()
            .with_scopes_from("scope")
            .with_roles_from("permissions")
    }

    /// Microsoft Entra ID: scopes from `scp` (delegated permissions, space-separated), roles
    /// from `roles` (app roles).
    pub fn entra_id() -> Self {
        Self::empty()
            .with_scopes_from("scp")
            .with_roles_from("roles")
    }

    /// Okta: scopes from `scp` (an array), roles from `groups`.
    pub fn okta() -> Self {
        Self::empty()
            .with_scopes_from("scp")
            .with_roles_from("groups")
    }

    /// Amazon Cognito: scopes from `scope`, roles from `cognito:groups`.
    pub fn cognito() -> Self {
        Self::empty()
            .with_scopes_from("scope")
            .with_roles_from("cognito:groups")
    }

    /// Google: scopes from `scope`; no roles. Google's JWTs are ID tokens (its access tokens
    /// are opaque), and any Google account or service account can mint an ID token for any
    /// audience it likes: the audience alone proves nothing. So an issuer with this mapping
    /// must name the client the tokens were issued to
    /// ([`with_authorized_party`](crate::TrustedIssuer::with_authorized_party), checked
    /// against `azp`); building the verifier fails without one.
    pub fn google() -> Self {
        let mut mapping = Self::empty().with_scopes_from("scope");
        mapping.needs_authorized_party = true;
        mapping
    }

    /// Whether an issuer with this mapping must name its authorized party.
    pub(crate) fn needs_authorized_party(&self) -> bool {
        self.needs_authorized_party
    }

    /// Also read scopes from the top-level claim `claim` (the exact name: dots are not paths).
    pub fn with_scopes_from(mut self, claim: impl Into<String>) -> Self {
        self.scopes.push(Box::new([claim.into()]));
        self
    }

    /// Also read roles from the top-level claim `claim` (the exact name, so namespaced claims
    /// such as `https://example.com/roles` work).
    pub fn with_roles_from(mut self, claim: impl Into<String>) -> Self {
        self.roles.push(Box::new([claim.into()]));
        self
    }

    /// Also read roles at a path of nested objects, e.g. `["realm_access", "roles"]`.
    ///
    /// ```
    /// use auth_jwt::ClaimMapping;
    /// let mapping = ClaimMapping::empty().with_roles_at(["app_metadata", "roles"]);
    /// # let _ = mapping;
    /// ```
    pub fn with_roles_at<I, S>(mut self, path: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles.push(path.into_iter().map(Into::into).collect());
        self
    }

    /// Also take the roles a function finds in the claims (after the token is verified).
    ///
    /// ```
    /// use auth_jwt::ClaimMapping;
    /// // Roles as one comma-separated string.
    /// let mapping = ClaimMapping::standard().with_roles_fn(|claims| {
    ///     claims
    ///         .get("role_list")
    ///         .and_then(|v| v.as_str())
    ///         .map(|s| s.split(',').map(str::to_owned).collect())
    ///         .unwrap_or_default()
    /// });
    /// # let _ = mapping;
    /// ```
    pub fn with_roles_fn(
        mut self,
        roles: impl Fn(&Claims) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.roles_fn = Some(Arc::new(roles));
        self
    }

    /// The scopes and roles of `claims`.
    pub(crate) fn apply(&self, claims: &Claims) -> Result<(Vec<String>, Vec<String>), Error> {
        let mut scopes = Vec::new();
        for p in &self.scopes {
            match lookup(claims, p)? {
                None => {}
                Some(Value::String(s)) => {
                    scopes.extend(s.split(' ').filter(|s| !s.is_empty()).map(str::to_owned));
                }
                Some(Value::Array(items)) => strings(items, p, &mut scopes)?,
                Some(_) => return Err(wrong_type(p)),
            }
        }
        let mut roles = Vec::new();
        for p in &self.roles {
            match lookup(claims, p)? {
                None => {}
                Some(Value::Array(items)) => strings(items, p, &mut roles)?,
                Some(_) => return Err(wrong_type(p)),
            }
        }
        if let Some(f) = &self.roles_fn {
            roles.extend(f(claims));
        }
        Ok((scopes, roles))
    }
}

fn wrong_type(path: &[String]) -> Error {
    Error::new(
        ErrorKind::InvalidClaim,
        format!("`{}` has the wrong JSON type", path.join(".")),
    )
}

/// The value at `path`: `None` if any step is absent, an error if a step is not an object.
fn lookup<'a>(claims: &'a Claims, path: &[String]) -> Result<Option<&'a Value>, Error> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(None);
    };
    let mut value = match claims.get(first) {
        Some(v) => v,
        None => return Ok(None),
    };
    for (i, step) in rest.iter().enumerate() {
        match value {
            Value::Object(map) => match map.get(step) {
                Some(v) => value = v,
                None => return Ok(None),
            },
            _ => return Err(wrong_type(&path[..=i])),
        }
    }
    Ok(Some(value))
}

fn strings(items: &[Value], path: &[String], out: &mut Vec<String>) -> Result<(), Error> {
    for item in items {
        match item {
            Value::String(s) => out.push(s.clone()),
            _ => return Err(wrong_type(path)),
        }
    }
    Ok(())
}

impl fmt::Debug for ClaimMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |paths: &[Box<[String]>]| -> Vec<String> {
            paths.iter().map(|p| p.join(".")).collect()
        };
        f.debug_struct("ClaimMapping")
            .field("scopes", &join(&self.scopes))
            .field("roles", &join(&self.roles))
            .field("roles_fn", &self.roles_fn.is_some())
            .field("needs_authorized_party", &self.needs_authorized_party)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Claims {
        match v {
            Value::Object(m) => m,
            _ => Claims::new(),
        }
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn scopes_from_strings_and_arrays_roles_from_arrays_and_paths() {
        let c = claims(json!({
            "scope": "a  b",
            "scp": ["c"],
            "realm_access": {"roles": ["r1"]},
            "resource_access": {"api": {"roles": ["r2"]}, "other": {"roles": ["no"]}},
        }));
        let m = ClaimMapping::keycloak("api").with_scopes_from("scp");
        let (scopes, roles) = m.apply(&c).unwrap();
        assert_eq!(sorted(scopes), ["a", "b", "c"]);
        assert_eq!(sorted(roles), ["r1", "r2"]);
    }

    #[test]
    fn absent_is_nothing_wrong_type_is_refused() {
        let m = ClaimMapping::keycloak("api");
        assert_eq!(m.apply(&Claims::new()).unwrap(), (vec![], vec![]));
        let absent_client = claims(json!({"resource_access": {"other": {"roles": ["x"]}}}));
        assert_eq!(m.apply(&absent_client).unwrap(), (vec![], vec![]));
        for bad in [
            json!({"scope": 3}),
            json!({"scope": ["a", 1]}),
            json!({"realm_access": ["r"]}),
            json!({"realm_access": {"roles": "r"}}),
            json!({"resource_access": {"api": "x"}}),
            json!({"resource_access": {"api": {"roles": [null]}}}),
        ] {
            let e = m.apply(&claims(bad.clone())).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidClaim, "{bad}");
        }
        let e = m.apply(&claims(json!({"realm_access": 1}))).unwrap_err();
        assert_eq!(e.message(), "`realm_access` has the wrong JSON type");
        // A role claim must be an array.
        let e = ClaimMapping::okta()
            .apply(&claims(json!({"groups": "admins"})))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidClaim);
    }

    #[test]
    fn a_user_function_adds_roles() {
        let m = ClaimMapping::empty().with_roles_fn(|c| {
            c.get("tier")
                .and_then(Value::as_str)
                .map(|t| vec![format!("tier:{t}")])
                .unwrap_or_default()
        });
        let (_, roles) = m.apply(&claims(json!({"tier": "gold"}))).unwrap();
        assert_eq!(roles, ["tier:gold"]);
        assert!(format!("{m:?}").contains("roles_fn: true"));
    }
}
