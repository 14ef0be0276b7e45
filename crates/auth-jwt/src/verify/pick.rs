//! Choosing the issuer of a token among several: the one place where anything is read from a
//! payload before its signature has verified, and only to pick among the configured issuers.
//!
//! The `iss` read here decides nothing but which issuer's keys and profile apply: the signature
//! is then checked with that issuer's keys only (a token claiming issuer B but signed with
//! issuer A's key fails it), and the full claim check compares `iss` again after verification.
//! An `iss` that names no configured issuer is refused before any key lookup or fetch, so a
//! flood of tokens from unknown issuers costs no JWKS request.

use super::Trusted;
use crate::error::{Error, ErrorKind};
use crate::json::{self, Scalar, Str};
use crate::jws::Parsed;
use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use std::fmt;

/// The issuer (and its index) whose profile `parsed` is checked against.
pub(super) fn issuer<'a>(
    issuers: &'a [Trusted],
    parsed: &Parsed<'_>,
) -> Result<(usize, &'a Trusted), Error> {
    if let [only] = issuers {
        // One issuer: nothing to choose, nothing read before the signature.
        return Ok((0, only));
    }
    let malformed = || {
        Error::new(
            ErrorKind::Malformed,
            "the claims are not one JSON object with unique members",
        )
    };
    let text = std::str::from_utf8(parsed.payload()).map_err(|_| malformed())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let iss = de::Deserializer::deserialize_map(&mut de, IssVisitor).map_err(|_| malformed())?;
    de.end().map_err(|_| malformed())?;
    match iss {
        None => Err(Error::new(
            ErrorKind::MissingClaim,
            "the `iss` claim is required",
        )),
        Some(Scalar::Str(iss)) => issuers
            .iter()
            .enumerate()
            .find(|(_, t)| *t.profile.issuer == *iss)
            .ok_or_else(|| Error::new(ErrorKind::WrongIssuer, "unexpected issuer")),
        Some(_) => Err(Error::new(
            ErrorKind::InvalidClaim,
            "`iss` must be a single string",
        )),
    }
}

/// Whether the (unverified) payload of `parsed` names `issuer` as its `iss`: only to tell a
/// token worth waiting for (signed, it says, by this issuer, with a key we have not fetched
/// yet) from junk, never to accept anything.
pub(super) fn names_issuer(parsed: &Parsed<'_>, issuer: &str) -> bool {
    let Ok(text) = std::str::from_utf8(parsed.payload()) else {
        return false;
    };
    let mut de = serde_json::Deserializer::from_str(text);
    matches!(
        de::Deserializer::deserialize_map(&mut de, IssVisitor),
        Ok(Some(Scalar::Str(iss))) if *iss == *issuer
    )
}

/// Reads `iss` only (refusing it twice); every other member is skipped.
struct IssVisitor;

impl<'de> Visitor<'de> for IssVisitor {
    type Value = Option<Scalar<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut iss = None;
        while let Some(Str(name)) = map.next_key::<Str<'de>>()? {
            if name == "iss" {
                if iss.is_some() {
                    return Err(json::duplicate());
                }
                iss = Some(map.next_value::<Scalar<'de>>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(iss)
    }
}
