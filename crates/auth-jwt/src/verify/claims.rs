//! The access-token claim profile (RFC 9068 / RFC 8725): what must be present, of which JSON
//! type, and how time is judged. One function, [`check`], applies all of it.

use super::trusted::External;
use crate::error::{Error, ErrorKind};
use crate::json::{self, Object, Scalar, Str};
use auth_core::{AuthMethod, Identity, SessionKey, Timestamp};
use serde::de::{self, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// Claims that mean something to the profile; every other claim is passed through to
/// [`Identity::claims`]. The issuer refuses custom claims with these names.
pub(crate) const REGISTERED: [&str; 11] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "sid",
    "scope",
    "roles",
    "auth_time",
];

/// What a verifier requires of one issuer's claims.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// Shared with every identity it vouches for ([`Identity::issuer`]).
    pub(crate) issuer: std::sync::Arc<str>,
    /// A token is for us when its `aud` holds any of these.
    pub(crate) audiences: Box<[String]>,
    pub(crate) leeway: Duration,
    pub(crate) max_age: Option<Duration>,
    /// `None` for our own issuer (`sid` is one of our sessions, scopes from `scope`, roles
    /// from `roles`); an external issuer's `typ` policy, mapping and authorized party.
    pub(crate) external: Option<External>,
}

/// The checked claims of an access token.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) identity: Identity,
    pub(crate) jti: Option<String>,
    pub(crate) issued_at: Timestamp,
    /// When a cached verification must be redone: `exp`, or the end of the maximum age.
    pub(crate) valid_until: Timestamp,
}

fn err(kind: ErrorKind, message: &'static str) -> Error {
    Error::new(kind, message)
}

/// The claims as read: registered claims kept aside (borrowed where possible), every other
/// claim collected for [`Identity::claims`]; duplicate names refused at any depth. For an
/// external issuer, `sid`, `scope` and `roles` are ordinary claims (its `sid` is its own
/// session id, and its claim mapping reads scopes and roles from the collected claims).
#[derive(Default)]
struct RawClaims<'de> {
    iss: Option<Scalar<'de>>,
    sub: Option<Scalar<'de>>,
    aud: Option<Scalar<'de>>,
    exp: Option<Scalar<'de>>,
    nbf: Option<Scalar<'de>>,
    iat: Option<Scalar<'de>>,
    jti: Option<Scalar<'de>>,
    sid: Option<Scalar<'de>>,
    scope: Option<Scalar<'de>>,
    roles: Option<Scalar<'de>>,
    auth_time: Option<Scalar<'de>>,
    extra: Object,
}

struct ClaimsVisitor {
    own: bool,
}

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = RawClaims<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawClaims<'de>, A::Error> {
        let mut raw = RawClaims::default();
        while let Some(Str(name)) = map.next_key::<Str<'de>>()? {
            let slot = match &*name {
                "sid" | "scope" | "roles" if !self.own => {
                    let value = json::strict_value(&mut map)?;
                    if raw.extra.insert(name.into_owned(), value).is_some() {
                        return Err(json::duplicate());
                    }
                    continue;
                }
                "iss" => &mut raw.iss,
                "sub" => &mut raw.sub,
                "aud" => &mut raw.aud,
                "exp" => &mut raw.exp,
                "nbf" => &mut raw.nbf,
                "iat" => &mut raw.iat,
                "jti" => &mut raw.jti,
                "sid" => &mut raw.sid,
                "scope" => &mut raw.scope,
                "roles" => &mut raw.roles,
                "auth_time" => &mut raw.auth_time,
                _ => {
                    let value = json::strict_value(&mut map)?;
                    if raw.extra.insert(name.into_owned(), value).is_some() {
                        return Err(json::duplicate());
                    }
                    continue;
                }
            };
            if slot.is_some() {
                return Err(json::duplicate());
            }
            *slot = Some(map.next_value()?);
        }
        Ok(raw)
    }
}

/// A NumericDate (RFC 7519 §2): a JSON number of seconds, integer or not.
fn numeric_date(
    value: Option<&Scalar<'_>>,
    name: &'static str,
) -> Result<Option<Timestamp>, Error> {
    let t = match value {
        None => return Ok(None),
        Some(Scalar::Int(s)) => Timestamp::from_unix_seconds(*s),
        Some(Scalar::Huge) => Timestamp::from_unix_millis(i64::MAX),
        // `as` saturates at the ends of the i64 range.
        Some(Scalar::Float(f)) => Timestamp::from_unix_millis((f * 1000.0).floor() as i64),
        Some(_) => {
            return Err(Error::new(
                ErrorKind::InvalidClaim,
                format!("`{name}` must be a JSON number"),
            ));
        }
    };
    Ok(Some(t))
}

fn required_date(value: Option<&Scalar<'_>>, name: &'static str) -> Result<Timestamp, Error> {
    numeric_date(value, name)?.ok_or_else(|| {
        Error::new(
            ErrorKind::MissingClaim,
            format!("the `{name}` claim is required"),
        )
    })
}

fn optional_string<'a>(
    value: Option<&'a Scalar<'_>>,
    name: &'static str,
) -> Result<Option<&'a str>, Error> {
    match value {
        None => Ok(None),
        Some(Scalar::Str(s)) => Ok(Some(s)),
        Some(_) => Err(Error::new(
            ErrorKind::InvalidClaim,
            format!("`{name}` must be a string"),
        )),
    }
}

fn check_issuer(iss: Option<&Scalar<'_>>, profile: &Profile) -> Result<(), Error> {
    match iss {
        None => Err(err(ErrorKind::MissingClaim, "the `iss` claim is required")),
        Some(Scalar::Str(iss)) if **iss == *profile.issuer => Ok(()),
        Some(Scalar::Str(_)) => Err(err(ErrorKind::WrongIssuer, "unexpected issuer")),
        Some(_) => Err(err(
            ErrorKind::InvalidClaim,
            "`iss` must be a single string",
        )),
    }
}

fn check_audience(aud: Option<&Scalar<'_>>, profile: &Profile) -> Result<(), Error> {
    let ours = &*profile.audiences;
    match aud {
        None => Err(err(ErrorKind::MissingClaim, "the `aud` claim is required")),
        Some(Scalar::Str(aud)) if ours.iter().any(|o| o == aud) => Ok(()),
        Some(Scalar::Str(_)) => Err(err(ErrorKind::WrongAudience, "not intended for us")),
        Some(Scalar::List(items)) if !items.is_empty() => {
            if items.iter().any(|a| ours.iter().any(|o| o == a)) {
                Ok(())
            } else {
                Err(err(ErrorKind::WrongAudience, "not intended for us"))
            }
        }
        Some(_) => Err(err(
            ErrorKind::InvalidClaim,
            "`aud` must be a string or a non-empty array of strings",
        )),
    }
}

/// For an issuer whose access tokens name their client instead of an audience (Cognito).
fn check_client_id_audience(
    client_id: Option<&serde_json::Value>,
    profile: &Profile,
) -> Result<(), Error> {
    match client_id {
        None => Err(err(
            ErrorKind::MissingClaim,
            "the `aud` claim (or, for this issuer, `client_id`) is required",
        )),
        Some(serde_json::Value::String(id)) if profile.audiences.iter().any(|a| a == id) => Ok(()),
        Some(serde_json::Value::String(_)) => {
            Err(err(ErrorKind::WrongAudience, "not intended for us"))
        }
        Some(_) => Err(err(ErrorKind::InvalidClaim, "`client_id` must be a string")),
    }
}

fn string_list(
    value: Option<Scalar<'_>>,
    name: &'static str,
    split: bool,
) -> Result<Vec<String>, Error> {
    match value {
        None => Ok(Vec::new()),
        Some(Scalar::Str(s)) if split => Ok(s
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Scalar::List(items)) => Ok(items.into_iter().map(Cow::into_owned).collect()),
        Some(_) => Err(Error::new(
            ErrorKind::InvalidClaim,
            format!("`{name}` has the wrong JSON type"),
        )),
    }
}

/// The subject of a client-credentials token (no `sub`): its `client_id`, else its `azp`.
fn client_subject(claims: &json::Object) -> Result<String, Error> {
    for name in ["client_id", "azp"] {
        match claims.get(name) {
            None => {}
            Some(serde_json::Value::String(s)) if !s.is_empty() => return Ok(s.clone()),
            Some(_) => {
                return Err(err(
                    ErrorKind::InvalidClaim,
                    "`client_id` and `azp` must be non-empty strings",
                ));
            }
        }
    }
    Err(err(
        ErrorKind::MissingClaim,
        "a non-empty `sub` (or, for a client of this issuer, `client_id` or `azp`) is required",
    ))
}

/// Parse `payload` and apply the profile at time `now`.
pub(crate) fn check(payload: &[u8], profile: &Profile, now: Timestamp) -> Result<Checked, Error> {
    let malformed = || {
        err(
            ErrorKind::Malformed,
            "the claims are not one JSON object with unique members",
        )
    };
    // One UTF-8 check of the whole payload, then a reader that trusts it: `from_slice` would
    // check each string again (a third of the parse for a typical token).
    let text = std::str::from_utf8(payload).map_err(|_| malformed())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let visitor = ClaimsVisitor {
        own: profile.external.is_none(),
    };
    let raw: RawClaims<'_> =
        de::Deserializer::deserialize_map(&mut de, visitor).map_err(|_| malformed())?;
    de.end().map_err(|_| malformed())?;
    check_issuer(raw.iss.as_ref(), profile)?;
    match (&raw.aud, &profile.external) {
        (None, Some(external)) if external.client_id_as_audience => {
            check_client_id_audience(raw.extra.get("client_id"), profile)?;
        }
        _ => check_audience(raw.aud.as_ref(), profile)?,
    }

    let exp = required_date(raw.exp.as_ref(), "exp")?;
    let iat = required_date(raw.iat.as_ref(), "iat")?;
    let nbf = numeric_date(raw.nbf.as_ref(), "nbf")?;
    let auth_time = numeric_date(raw.auth_time.as_ref(), "auth_time")?;
    // RFC 7519 §4.1.4: reject "on or after" exp; the leeway absorbs clock skew.
    if exp <= now.saturating_sub(profile.leeway) {
        return Err(err(ErrorKind::Expired, "the token has expired"));
    }
    let skewed_now = now.saturating_add(profile.leeway);
    if nbf.is_some_and(|nbf| nbf > skewed_now) {
        return Err(err(ErrorKind::NotYetValid, "the token is not valid yet"));
    }
    if iat > skewed_now {
        return Err(err(
            ErrorKind::IssuedInFuture,
            "the token was issued in the future",
        ));
    }
    // A login cannot follow the token it is in. An `auth_time` ahead of `iat` would pass every
    // step-up check for as long as it stays ahead (forever, if far enough), so it is refused.
    if auth_time.is_some_and(|at| at > iat.saturating_add(profile.leeway)) {
        return Err(err(
            ErrorKind::InvalidClaim,
            "`auth_time` is later than the token's `iat`",
        ));
    }
    let mut valid_until = exp;
    if let Some(max_age) = profile.max_age {
        let too_old_at = iat.saturating_add(max_age);
        if too_old_at <= now.saturating_sub(profile.leeway) {
            return Err(err(
                ErrorKind::TooOld,
                "the token is older than the maximum age",
            ));
        }
        valid_until = valid_until.min(too_old_at);
    }

    let mut client = false;
    let subject = match optional_string(raw.sub.as_ref(), "sub")? {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => match &profile.external {
            Some(external) if external.clients_as_subjects => {
                client = true;
                client_subject(&raw.extra)?
            }
            _ => {
                return Err(err(
                    ErrorKind::MissingClaim,
                    "a non-empty `sub` is required",
                ));
            }
        },
    };
    let jti = optional_string(raw.jti.as_ref(), "jti")?.map(str::to_owned);
    if let Some(external) = &profile.external {
        external.check(&raw.extra)?;
        let (scopes, roles) = external.mapping.apply(&raw.extra)?;
        let mut identity = Identity::new(subject)
            .with_issuer(profile.issuer.clone())
            .with_method(AuthMethod::Jwt)
            .with_expires_at(Some(exp))
            .with_roles(roles)
            .with_scopes(scopes);
        if let Some(at) = auth_time {
            identity = identity.with_authenticated_at(at);
        }
        if client {
            identity = identity.marked_as_client();
        }
        for (name, value) in raw.extra {
            identity = identity.with_claim(name, value);
        }
        return Ok(Checked {
            identity,
            jti,
            issued_at: iat,
            valid_until,
        });
    }
    let session = optional_string(raw.sid.as_ref(), "sid")?
        .map(SessionKey::from_hex)
        .transpose()
        .map_err(|_| err(ErrorKind::InvalidClaim, "`sid` is not a session key"))?;
    let scopes = string_list(raw.scope, "scope", true)?;
    let roles = string_list(raw.roles, "roles", false)?;

    let mut identity = Identity::new(subject)
        .with_issuer(profile.issuer.clone())
        .with_session(session)
        .with_method(AuthMethod::Jwt)
        .with_expires_at(Some(exp))
        .with_roles(roles)
        .with_scopes(scopes);
    // No fallback to `iat`: that is when the token was minted (a refresh mints a new one every
    // few minutes), not when the user logged in. Without `auth_time`, a step-up check fails.
    if let Some(at) = auth_time {
        identity = identity.with_authenticated_at(at);
    }
    for (name, value) in raw.extra {
        identity = identity.with_claim(name, value);
    }
    Ok(Checked {
        identity,
        jti,
        issued_at: iat,
        valid_until,
    })
}
