//! Shared helpers for auth-jwt's integration tests: test keys, a verifier on a manual clock
//! with the memory revocation list, and crafting arbitrary (even malformed) tokens.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use auth_core::{ManualClock, MemoryStore, Timestamp};
use auth_jwt::{Algorithm, ErrorKind, Issuer, Key, KeySet, SharedKeySet, Verifier};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::sync::Arc;

pub const ISS: &str = "https://issuer.test";
pub const AUD: &str = "api.test";
/// A fixed start time for the manual clock (2025-01-01T00:00:00Z).
pub const T0: i64 = 1_735_689_600;

pub fn keys_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys")
}

pub fn pem(name: &str) -> Vec<u8> {
    std::fs::read(keys_dir().join(name)).unwrap()
}

/// The DER inside a PEM file.
pub fn der(name: &str) -> Vec<u8> {
    let text = String::from_utf8(pem(name)).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

pub const HS256_SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

/// The private test key file for an asymmetric algorithm.
pub fn private_pem(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::RS256 => "rsa2048.pem",
        Algorithm::PS256 => "rsa2048_b.pem",
        Algorithm::ES256 => "ec256.pem",
        Algorithm::ES384 => "ec384.pem",
        Algorithm::EdDSA => "ed25519.pem",
        _ => panic!("no PEM for {alg}"),
    }
}

/// A signing key for `alg` named `kid`.
pub fn key_for(alg: Algorithm, kid: &str) -> Key {
    match alg {
        Algorithm::HS256 => Key::hmac(kid, alg, HS256_SECRET).unwrap(),
        Algorithm::HS384 => Key::hmac(kid, alg, &[0x38; 48]).unwrap(),
        Algorithm::HS512 => Key::hmac(kid, alg, &[0x51; 64]).unwrap(),
        _ => Key::from_pem(kid, alg, &pem(private_pem(alg))).unwrap(),
    }
}

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(s: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(s).unwrap()
}

/// A compact JWS over raw header and payload JSON text (duplicates and all), signed by `key`.
pub fn sign_raw(key: &Key, header: impl AsRef<[u8]>, payload: impl AsRef<[u8]>) -> String {
    let input = format!("{}.{}", b64(header.as_ref()), b64(payload.as_ref()));
    let sig = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64(sig))
}

/// A verifier, issuer and revocation list around one key, on a manual clock.
pub struct World {
    pub clock: Arc<ManualClock>,
    pub store: MemoryStore,
    pub keys: SharedKeySet,
    pub key: Arc<Key>,
    pub issuer: Issuer,
    pub verifier: Verifier,
}

impl World {
    pub fn new(alg: Algorithm) -> Self {
        Self::with_verifier(alg, |b| b)
    }

    pub fn with_verifier(
        alg: Algorithm,
        configure: impl FnOnce(auth_jwt::VerifierBuilder) -> auth_jwt::VerifierBuilder,
    ) -> Self {
        let clock = Arc::new(ManualClock::at(Timestamp::from_unix_seconds(T0)));
        let store = MemoryStore::builder().with_clock(clock.clone()).build();
        let set = KeySet::single(key_for(alg, &format!("{alg}-key"))).unwrap();
        let key = set.signing_key().unwrap().clone();
        let keys = SharedKeySet::new(set);
        let issuer = Issuer::builder()
            .with_issuer(ISS)
            .with_audience(AUD)
            .with_keys(keys.clone())
            .with_clock(clock.clone())
            .build()
            .unwrap();
        let verifier = configure(
            Verifier::builder()
                .with_issuer(ISS)
                .with_audience(AUD)
                .with_keys(keys.clone())
                .with_clock(clock.clone())
                .with_revocations(store.clone()),
        )
        .build()
        .unwrap();
        Self {
            clock,
            store,
            keys,
            key,
            issuer,
            verifier,
        }
    }

    pub fn now(&self) -> i64 {
        use auth_core::Clock;
        self.clock.now().as_unix_seconds()
    }

    /// A header the profile accepts.
    pub fn header(&self) -> Value {
        json!({"alg": self.key.algorithm().as_str(), "kid": self.key.kid(), "typ": "at+jwt"})
    }

    /// Claims the profile accepts.
    pub fn claims(&self) -> Value {
        let now = self.now();
        json!({"iss": ISS, "aud": AUD, "sub": "user-1", "iat": now, "nbf": now, "exp": now + 600, "jti": "j-1"})
    }

    /// A token over `header` and `claims`, signed by this world's key.
    pub fn token(&self, header: &Value, claims: &Value) -> String {
        sign_raw(&self.key, header.to_string(), claims.to_string())
    }

    pub fn good_token(&self) -> String {
        self.token(&self.header(), &self.claims())
    }

    /// The kind of error verifying `token` gives (panics if it verifies).
    pub fn kind(&self, token: &str) -> ErrorKind {
        match self.verifier.verify_sync(token) {
            Ok(id) => panic!("accepted a bad token as {id:?}"),
            Err(e) => {
                assert!(
                    e.bearer_error().is_some() || e.kind() == ErrorKind::MissingToken,
                    "{e}"
                );
                e.kind()
            }
        }
    }
}
