//! Loading keys from PEM and DER, through jsonwebtoken's PEM parser.

use super::Key;
use crate::algorithm::{Algorithm, Family};
use crate::backend::{self, PublicParts};
use crate::error::{Error, ErrorKind};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{DecodingKey, DecodingKeyKind, EncodingKey};
use std::sync::Arc;

fn invalid(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::InvalidKey, message)
}

/// The label of the first PEM block (`PRIVATE KEY`, `PUBLIC KEY`, ...).
fn label(pem: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(pem).ok()?;
    let start = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let rest = &text[start..];
    Some(&rest[..rest.find("-----")?])
}

pub(super) fn from_pem(kid: Arc<str>, alg: Algorithm, pem: &[u8]) -> Result<Key, Error> {
    if alg.family() == Family::Hmac {
        return Err(invalid(
            "HMAC keys are secrets, not PEM documents: use Key::hmac",
        ));
    }
    match label(pem) {
        Some("PRIVATE KEY" | "RSA PRIVATE KEY") => private_from_pem(kid, alg, pem),
        Some("PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE") => public_from_pem(kid, alg, pem),
        Some("EC PRIVATE KEY") => Err(invalid(
            "SEC1 `EC PRIVATE KEY` is not supported: convert it to PKCS#8 \
             (openssl pkcs8 -topk8 -nocrypt)",
        )),
        Some("ENCRYPTED PRIVATE KEY") => Err(invalid("encrypted private keys are not supported")),
        _ => Err(invalid("not a PEM key document")),
    }
}

fn private_from_pem(kid: Arc<str>, alg: Algorithm, pem: &[u8]) -> Result<Key, Error> {
    let encoding = match alg.family() {
        Family::Rsa => EncodingKey::from_rsa_pem(pem),
        Family::Ec => EncodingKey::from_ec_pem(pem),
        Family::Ed => EncodingKey::from_ed_pem(pem),
        Family::Hmac => return Err(invalid("HMAC keys are not PEM documents")),
    }
    .map_err(|e| invalid(format!("not a private key for {alg}")).with_source(e))?;
    Key::from_private_parts(kid, alg, encoding).map(|(key, _)| key)
}

fn public_from_pem(kid: Arc<str>, alg: Algorithm, pem: &[u8]) -> Result<Key, Error> {
    let wrong = |e: jsonwebtoken::errors::Error| {
        invalid(format!("not a public key for {alg}")).with_source(e)
    };
    let parts = match alg.family() {
        Family::Rsa => {
            let key = DecodingKey::from_rsa_pem(pem).map_err(wrong)?;
            let (n, e) = match key.kind() {
                DecodingKeyKind::SecretOrDer(der) => backend::rsa_public_components(der)?,
                DecodingKeyKind::RsaModulusExponent { n, e } => (n.clone(), e.clone()),
            };
            PublicParts::Rsa { n, e }
        }
        Family::Ec => {
            let key = DecodingKey::from_ec_pem(pem).map_err(wrong)?;
            let point = key.try_get_as_bytes().map_err(wrong)?;
            split_point(point)?
        }
        Family::Ed => {
            let key = DecodingKey::from_ed_pem(pem).map_err(wrong)?;
            PublicParts::Ed {
                x: key.try_get_as_bytes().map_err(wrong)?.to_vec(),
            }
        }
        Family::Hmac => return Err(invalid("HMAC keys are not PEM documents")),
    };
    Key::from_public_parts(kid, alg, &parts)
}

/// `04 || x || y` into its coordinates.
fn split_point(point: &[u8]) -> Result<PublicParts, Error> {
    match point.split_first() {
        Some((4, xy)) if !xy.is_empty() && xy.len() % 2 == 0 => {
            let (x, y) = xy.split_at(xy.len() / 2);
            Ok(PublicParts::Ec {
                x: x.to_vec(),
                y: y.to_vec(),
            })
        }
        _ => Err(invalid("only uncompressed EC points are supported")),
    }
}

fn to_pem(label: &str, der: &[u8]) -> Vec<u8> {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out.into_bytes()
}

/// Try each PEM label in turn; return the first success or the last error.
fn first_that_parses(
    labels: &[&str],
    der: &[u8],
    parse: impl Fn(&[u8]) -> Result<Key, Error>,
) -> Result<Key, Error> {
    let mut last = invalid("not a DER key");
    for label in labels {
        match parse(&to_pem(label, der)) {
            Ok(key) => return Ok(key),
            // A weak key parsed fine: say so rather than trying other encodings.
            Err(e) if e.kind() == ErrorKind::WeakKey => return Err(e),
            Err(e) => last = e,
        }
    }
    Err(last)
}

pub(super) fn from_private_der(kid: &Arc<str>, alg: Algorithm, der: &[u8]) -> Result<Key, Error> {
    let labels: &[&str] = match alg.family() {
        Family::Rsa => &["PRIVATE KEY", "RSA PRIVATE KEY"],
        Family::Ec | Family::Ed => &["PRIVATE KEY"],
        Family::Hmac => return Err(invalid("HMAC keys are secrets: use Key::hmac")),
    };
    first_that_parses(labels, der, |pem| private_from_pem(kid.clone(), alg, pem))
}

pub(super) fn from_public_der(kid: &Arc<str>, alg: Algorithm, der: &[u8]) -> Result<Key, Error> {
    let labels: &[&str] = match alg.family() {
        Family::Rsa => &["PUBLIC KEY", "RSA PUBLIC KEY"],
        Family::Ec | Family::Ed => &["PUBLIC KEY"],
        Family::Hmac => return Err(invalid("HMAC keys are secrets: use Key::hmac")),
    };
    first_that_parses(labels, der, |pem| public_from_pem(kid.clone(), alg, pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(
            label(b"junk\n-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----"),
            Some("PUBLIC KEY")
        );
        assert_eq!(label(b"no pem here"), None);
        assert!(to_pem("X", &[1, 2, 3]).starts_with(b"-----BEGIN X-----\nAQID\n"));
    }
}
