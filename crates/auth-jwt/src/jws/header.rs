//! The protected header of a compact JWS, and the profile's rules for it.

use crate::algorithm::Algorithm;
use crate::error::{Error, ErrorKind};
use crate::json::{self, Scalar, Str};
use crate::keys::kid_is_valid;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Header members the profile refuses, with the reason.
///
/// `crit` names extensions we would have to understand; `jwk`/`jku`/`x5u`/`x5c` let the token
/// pick its own verification key (never fetched, never trusted); `enc`/`zip` belong to JWE;
/// `cty` announces a nested JWT; `b64` changes what is signed (RFC 7797).
const FORBIDDEN: [(&str, &str); 9] = [
    ("crit", "critical header extensions are not supported"),
    ("jwk", "embedded keys are never trusted"),
    ("jku", "key URLs in tokens are never fetched"),
    ("x5u", "certificate URLs in tokens are never fetched"),
    ("x5c", "embedded certificates are never trusted"),
    ("enc", "encrypted tokens (JWE) are not accepted"),
    ("zip", "compressed tokens (JWE) are not accepted"),
    ("cty", "nested tokens are not accepted"),
    ("b64", "unencoded payloads are not accepted"),
];

/// The header members the verifier uses.
#[derive(Debug)]
pub(crate) struct Header {
    /// The algorithm the token claims; only ever compared with the key's.
    pub(crate) alg: Algorithm,
    /// The key id, checked for shape.
    pub(crate) kid: Option<String>,
    /// The media type of the whole token.
    pub(crate) typ: Option<String>,
}

/// The header as read, before the rules are applied.
#[derive(Default)]
struct RawHeader<'de> {
    alg: Option<Scalar<'de>>,
    kid: Option<Scalar<'de>>,
    typ: Option<Scalar<'de>>,
    forbidden: Option<&'static str>,
}

impl<'de> Deserialize<'de> for RawHeader<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(HeaderVisitor)
    }
}

struct HeaderVisitor;

impl<'de> Visitor<'de> for HeaderVisitor {
    type Value = RawHeader<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeader<'de>, A::Error> {
        let mut raw = RawHeader::default();
        let mut others: Vec<Cow<'de, str>> = Vec::new();
        while let Some(Str(name)) = map.next_key::<Str<'de>>()? {
            let slot = match &*name {
                "alg" => &mut raw.alg,
                "kid" => &mut raw.kid,
                "typ" => &mut raw.typ,
                other => {
                    if others.iter().any(|o| o == other) {
                        return Err(json::duplicate());
                    }
                    if let Some((_, why)) = FORBIDDEN.iter().find(|(n, _)| *n == other) {
                        raw.forbidden.get_or_insert(why);
                    }
                    json::strict_value(&mut map)?;
                    others.push(name);
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

/// Parse and police a decoded header.
pub(crate) fn parse(decoded: &[u8]) -> Result<Header, Error> {
    let malformed = || {
        Error::new(
            ErrorKind::Malformed,
            "the header is not one JSON object with unique members",
        )
    };
    // One UTF-8 check, then a reader that does not check each string again.
    let text = std::str::from_utf8(decoded).map_err(|_| malformed())?;
    let raw: RawHeader<'_> = serde_json::from_str(text).map_err(|_| malformed())?;
    if let Some(why) = raw.forbidden {
        return Err(Error::new(ErrorKind::ForbiddenHeader, why));
    }
    let alg = match raw.alg {
        Some(Scalar::Str(name)) => Algorithm::from_name(&name).map_err(|_| {
            Error::new(
                ErrorKind::AlgorithmMismatch,
                "the header alg is not allowed",
            )
        })?,
        _ => {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                "the header alg is missing or not a string",
            ));
        }
    };
    let kid = match raw.kid {
        None => None,
        Some(Scalar::Str(kid)) if kid_is_valid(&kid) => Some(kid.into_owned()),
        Some(_) => {
            return Err(Error::new(
                ErrorKind::UnknownKey,
                "the header kid is not a short visible-ASCII string",
            ));
        }
    };
    let typ = match raw.typ {
        None => None,
        Some(Scalar::Str(typ)) => Some(typ.into_owned()),
        Some(_) => {
            return Err(Error::new(
                ErrorKind::WrongType,
                "the header typ is not a string",
            ));
        }
    };
    Ok(Header { alg, kid, typ })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(json: &str) -> ErrorKind {
        parse(json.as_bytes()).unwrap_err().kind()
    }

    #[test]
    fn policy() {
        let h = parse(br#"{"alg":"ES256","kid":"k1","typ":"at+jwt","x5t":"ignored"}"#).unwrap();
        assert_eq!(h.alg, Algorithm::ES256);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(kind(r#"{"alg":"none"}"#), ErrorKind::AlgorithmMismatch);
        assert_eq!(kind(r#"{"alg":["HS256"]}"#), ErrorKind::AlgorithmMismatch);
        assert_eq!(kind(r#"{"kid":"a"}"#), ErrorKind::AlgorithmMismatch);
        assert_eq!(
            kind(r#"{"alg":"HS256","crit":["exp"]}"#),
            ErrorKind::ForbiddenHeader
        );
        assert_eq!(
            kind(r#"{"alg":"HS256","kid":"../../x y"}"#),
            ErrorKind::UnknownKey
        );
        assert_eq!(kind(r#"{"alg":"HS256","kid":7}"#), ErrorKind::UnknownKey);
        assert_eq!(kind(r#"{"alg":"HS256","typ":1}"#), ErrorKind::WrongType);
        assert_eq!(
            kind(r#"{"alg":"HS256","alg":"none"}"#),
            ErrorKind::Malformed
        );
        assert_eq!(kind("[]"), ErrorKind::Malformed);
    }
}
