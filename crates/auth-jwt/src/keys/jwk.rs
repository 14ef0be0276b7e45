//! Reading JWKs (RFC 7517 / 7518) into [`Key`]s, strictly.

use super::{Key, der, kid_is_valid};
use crate::algorithm::{Algorithm, Family};
use crate::b64;
use crate::backend::PublicParts;
use crate::error::{Error, ErrorKind};
use crate::json::Object;
use jsonwebtoken::EncodingKey;
use serde_json::Value;
use std::sync::Arc;

/// Members that carry private or secret key material (RFC 7518 §6).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// How a JWK is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JwkPolicy {
    /// Accept private and secret members (our own keys) or refuse them (a published JWKS).
    pub(crate) allow_private: bool,
    /// The algorithm for an `RSA` key without `alg` (`None`: refuse such keys).
    pub(crate) default_rsa_alg: Option<Algorithm>,
}

impl JwkPolicy {
    /// One of our own keys: private members allowed, `alg` required for RSA.
    pub(crate) const OWN_KEY: Self = Self {
        allow_private: true,
        default_rsa_alg: None,
    };
    /// A published JWKS: public keys only, `alg` required for RSA.
    pub(crate) const PUBLIC: Self = Self {
        allow_private: false,
        default_rsa_alg: None,
    };
}

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidKey, message)
}

fn string<'a>(obj: &'a Object, name: &str) -> Result<Option<&'a str>, Error> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(format!("JWK member `{name}` must be a string"))),
    }
}

/// A required base64url member, decoded strictly.
fn bytes(obj: &Object, name: &str) -> Result<Vec<u8>, Error> {
    let s = string(obj, name)?.ok_or_else(|| invalid(format!("JWK member `{name}` is missing")))?;
    b64::decode(s.as_bytes())
        .ok_or_else(|| invalid(format!("JWK member `{name}` is not canonical base64url")))
}

/// Whether the JWK carries private or secret members.
pub(crate) fn has_private_members(obj: &Object) -> bool {
    PRIVATE_MEMBERS.iter().any(|m| obj.contains_key(*m))
}

/// Read one JWK object into a key.
pub(crate) fn key_from_jwk(obj: &Object, policy: &JwkPolicy) -> Result<Key, Error> {
    if !policy.allow_private && has_private_members(obj) {
        return Err(Error::new(
            ErrorKind::InvalidKeySet,
            "a published JWKS must not contain private or secret key members",
        ));
    }
    let kid = string(obj, "kid")?.ok_or_else(|| invalid("a JWK needs a `kid`"))?;
    if !kid_is_valid(kid) {
        return Err(invalid(
            "the JWK `kid` is empty, too long or not visible ASCII",
        ));
    }
    let kid: Arc<str> = kid.into();
    if string(obj, "use")?.is_some_and(|usage| usage != "sig") {
        return Err(invalid(
            "the JWK is not for signatures (`use` is not `sig`)",
        ));
    }
    if let Some(ops) = obj.get("key_ops") {
        let ops = ops
            .as_array()
            .ok_or_else(|| invalid("JWK `key_ops` must be an array"))?;
        let usable = ops
            .iter()
            .any(|op| matches!(op.as_str(), Some("verify" | "sign")));
        if !usable {
            return Err(invalid(
                "the JWK `key_ops` allow neither `sign` nor `verify`",
            ));
        }
    }
    let kty = string(obj, "kty")?.ok_or_else(|| invalid("a JWK needs a `kty`"))?;
    let alg = algorithm(obj, kty, policy)?;
    match (kty, alg.family()) {
        ("oct", Family::Hmac) => Key::hmac(kid.to_string(), alg, &bytes(obj, "k")?),
        ("RSA", Family::Rsa) => rsa_key(obj, kid, alg),
        ("EC", Family::Ec) => ec_key(obj, kid, alg),
        ("OKP", Family::Ed) => ed_key(obj, kid, alg),
        _ => Err(invalid(format!(
            "JWK `kty` {kty} does not fit the algorithm {alg}"
        ))),
    }
}

/// The pinned algorithm: `alg` if present, else inferred from the curve.
fn algorithm(obj: &Object, kty: &str, policy: &JwkPolicy) -> Result<Algorithm, Error> {
    if let Some(name) = string(obj, "alg")? {
        return Algorithm::from_name(name);
    }
    let crv = string(obj, "crv")?;
    match (kty, crv) {
        ("EC", Some("P-256")) => Ok(Algorithm::ES256),
        ("EC", Some("P-384")) => Ok(Algorithm::ES384),
        ("OKP", Some("Ed25519")) => Ok(Algorithm::EdDSA),
        ("RSA", _) => policy
            .default_rsa_alg
            .ok_or_else(|| invalid("an RSA JWK needs an `alg` to pin")),
        _ => Err(Error::new(
            ErrorKind::UnsupportedAlgorithm,
            "the JWK has no `alg` and no supported curve",
        )),
    }
}

fn expect_curve(obj: &Object, expected: &str) -> Result<(), Error> {
    match string(obj, "crv")? {
        Some(crv) if crv == expected => Ok(()),
        _ => Err(invalid(format!(
            "the JWK curve does not fit its algorithm (expected {expected})"
        ))),
    }
}

/// The private half must describe the same key as the public members next to it.
fn check_same_public(derived: &PublicParts, stated: &PublicParts) -> Result<(), Error> {
    let same = match (derived, stated) {
        (PublicParts::Rsa { n: a, e: b }, PublicParts::Rsa { n: c, e: d }) => {
            strip(a) == strip(c) && strip(b) == strip(d)
        }
        (PublicParts::Ec { x: a, y: b }, PublicParts::Ec { x: c, y: d }) => a == c && b == d,
        (PublicParts::Ed { x: a }, PublicParts::Ed { x: c }) => a == c,
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(invalid(
            "the JWK private members do not match its public members",
        ))
    }
}

fn strip(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn private(
    kid: Arc<str>,
    alg: Algorithm,
    signing: EncodingKey,
    stated: &PublicParts,
) -> Result<Key, Error> {
    let (key, derived) = Key::from_private_parts(kid, alg, signing)?;
    check_same_public(&derived, stated)?;
    Ok(key)
}

fn rsa_key(obj: &Object, kid: Arc<str>, alg: Algorithm) -> Result<Key, Error> {
    let stated = PublicParts::Rsa {
        n: bytes(obj, "n")?,
        e: bytes(obj, "e")?,
    };
    if !obj.contains_key("d") {
        return Key::from_public_parts(kid, alg, &stated);
    }
    if obj.contains_key("oth") {
        return Err(invalid("multi-prime RSA keys are not supported"));
    }
    let PublicParts::Rsa { n, e } = &stated else {
        return Err(invalid("unreachable key shape"));
    };
    let (d, p, q) = (bytes(obj, "d")?, bytes(obj, "p")?, bytes(obj, "q")?);
    let (dp, dq, qi) = (bytes(obj, "dp")?, bytes(obj, "dq")?, bytes(obj, "qi")?);
    // Refuse weak moduli before building anything from them.
    super::rsa::check_public(n, e)?;
    let pkcs1 = der::rsa_pkcs1(&der::RsaPrivate {
        n,
        e,
        d: &d,
        p: &p,
        q: &q,
        dp: &dp,
        dq: &dq,
        qi: &qi,
    });
    private(kid, alg, EncodingKey::from_rsa_der(&pkcs1), &stated)
}

fn ec_key(obj: &Object, kid: Arc<str>, alg: Algorithm) -> Result<Key, Error> {
    let (crv, size) = if alg == Algorithm::ES384 {
        ("P-384", 48)
    } else {
        ("P-256", 32)
    };
    expect_curve(obj, crv)?;
    let (x, y) = (bytes(obj, "x")?, bytes(obj, "y")?);
    if x.len() != size || y.len() != size {
        return Err(invalid(format!(
            "{crv} coordinates must be exactly {size} bytes"
        )));
    }
    if !obj.contains_key("d") {
        return Key::from_public_parts(kid, alg, &PublicParts::Ec { x, y });
    }
    let d = bytes(obj, "d")?;
    if d.len() != size {
        return Err(invalid(format!(
            "a {crv} private scalar must be exactly {size} bytes"
        )));
    }
    let pkcs8 = der::ec_pkcs8(alg, &d, &x, &y);
    private(
        kid,
        alg,
        EncodingKey::from_ec_der(&pkcs8),
        &PublicParts::Ec { x, y },
    )
}

fn ed_key(obj: &Object, kid: Arc<str>, alg: Algorithm) -> Result<Key, Error> {
    expect_curve(obj, "Ed25519")?;
    let x = bytes(obj, "x")?;
    if !obj.contains_key("d") {
        return Key::from_public_parts(kid, alg, &PublicParts::Ed { x });
    }
    let d = bytes(obj, "d")?;
    if d.len() != 32 {
        return Err(invalid("an Ed25519 private key must be exactly 32 bytes"));
    }
    let pkcs8 = der::ed25519_pkcs8(&d);
    private(
        kid,
        alg,
        EncodingKey::from_ed_der(&pkcs8),
        &PublicParts::Ed { x },
    )
}
