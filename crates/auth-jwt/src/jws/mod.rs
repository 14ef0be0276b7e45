//! The JWS signature layer (RFC 7515 compact serialization), with the profile's header rules.
//!
//! `parse` + `Parsed::verify_with` check a compact JWS against a key and return the payload
//! bytes; they know nothing of claims. Access tokens go through [`Verifier`](crate::Verifier),
//! which adds the claim profile, revocation and the cache on top of this layer.
//!
//! Order of checks: size limit before any decoding; exactly three segments of canonical
//! base64url; a JSON-object header with unique members and no forbidden member; an `alg` we
//! offer; the key by `kid`; `alg` equal to the key's pinned algorithm; a signature of the
//! algorithm's exact length that verifies; only then the payload is decoded.

pub(crate) mod header;
#[cfg(feature = "test-util")]
mod standalone;

#[cfg(feature = "test-util")]
pub use standalone::{VerifiedJws, verify};

use crate::b64;
use crate::error::{Error, ErrorKind};
use crate::keys::{Key, KeySet};
use header::Header;
use std::sync::Arc;

/// The default longest token accepted, in bytes.
pub(crate) const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;

/// A compact JWS split into its parts, header parsed and policed, signature not yet checked.
pub(crate) struct Parsed<'a> {
    signing_input: &'a [u8],
    /// The header, the payload and the signature, decoded into one allocation.
    decoded: Vec<u8>,
    /// Where the payload starts in `decoded`.
    payload_at: usize,
    /// Where the signature starts in `decoded`.
    signature_at: usize,
    pub(crate) header: Header,
}

/// A verified payload (the bytes of the claims set, not yet interpreted).
pub(crate) struct Payload {
    decoded: Vec<u8>,
    start: usize,
    end: usize,
}

impl std::ops::Deref for Payload {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.decoded[self.start..self.end]
    }
}

fn malformed(message: &'static str) -> Error {
    Error::new(ErrorKind::Malformed, message)
}

/// Split and check the shape of `token` and parse its header.
pub(crate) fn parse(token: &str, max_len: usize) -> Result<Parsed<'_>, Error> {
    let bytes = token.as_bytes();
    if bytes.len() > max_len {
        return Err(Error::new(
            ErrorKind::TooLarge,
            "the token exceeds the size limit",
        ));
    }
    // `str::find` scans a word at a time.
    let malformed_shape = || {
        malformed("a token is exactly three dot-separated segments (no JWE, no JSON serialization)")
    };
    let first = token.find('.').ok_or_else(malformed_shape)?;
    let second = token[first + 1..]
        .find('.')
        .map(|i| first + 1 + i)
        .ok_or_else(malformed_shape)?;
    if token[second + 1..].contains('.') {
        return Err(malformed_shape());
    }
    let header_b64 = &bytes[..first];
    let payload_b64 = &bytes[first + 1..second];
    let signature_b64 = &bytes[second + 1..];
    if signature_b64.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidSignature,
            "the signature is missing",
        ));
    }
    // Every segment is decoded (strictly) before anything is trusted; nothing decoded from the
    // payload is parsed until the signature has verified.
    let non_canonical = || malformed("segments must be canonical unpadded base64url");
    let mut decoded = Vec::with_capacity(
        (header_b64.len() + payload_b64.len() + signature_b64.len()) / 4 * 3 + 6,
    );
    let mut ends = [0; 3];
    for (segment, end) in [header_b64, payload_b64, signature_b64]
        .into_iter()
        .zip(&mut ends)
    {
        if !b64::decode_into(segment, &mut decoded) {
            return Err(non_canonical());
        }
        *end = decoded.len();
    }
    let [payload_at, signature_at, _] = ends;
    let header = header::parse(&decoded[..payload_at])?;
    Ok(Parsed {
        signing_input: &bytes[..second],
        decoded,
        payload_at,
        signature_at,
        header,
    })
}

impl Parsed<'_> {
    /// The decoded payload, NOT verified: read only to choose among configured issuers.
    pub(crate) fn payload(&self) -> &[u8] {
        &self.decoded[self.payload_at..self.signature_at]
    }

    /// The key the header names (or the set's only key when there is no `kid`).
    pub(crate) fn resolve_key(&self, keys: &KeySet) -> Result<Arc<Key>, Error> {
        let found = match &self.header.kid {
            Some(kid) => keys.get(kid),
            None => keys.sole_key(),
        };
        found
            .cloned()
            .ok_or_else(|| Error::new(ErrorKind::UnknownKey, "no key with this kid"))
    }

    /// Check the pinned algorithm and the signature; only then hand out the payload.
    pub(crate) fn verify_with(self, key: &Key) -> Result<Payload, Error> {
        if self.header.alg != key.algorithm() {
            return Err(Error::new(
                ErrorKind::AlgorithmMismatch,
                "the header alg is not the algorithm pinned to the key",
            ));
        }
        if !key.verify(self.signing_input, &self.decoded[self.signature_at..]) {
            return Err(Error::new(
                ErrorKind::InvalidSignature,
                "the signature does not verify",
            ));
        }
        Ok(Payload {
            start: self.payload_at,
            end: self.signature_at,
            decoded: self.decoded,
        })
    }
}

/// Build a compact JWS: `header` and `payload` are serialized JSON, signed with `key`.
pub(crate) fn sign(key: &Key, header: &[u8], payload: &[u8]) -> Result<String, Error> {
    let mut token = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 128);
    b64::encode_into(header, &mut token);
    token.push('.');
    b64::encode_into(payload, &mut token);
    let signature = key.sign(token.as_bytes())?;
    token.push('.');
    b64::encode_into(signature, &mut token);
    Ok(token)
}
