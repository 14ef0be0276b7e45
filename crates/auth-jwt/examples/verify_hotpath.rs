//! Instruction-count probe for the verifier's hot paths, for callgrind (wall-clock timings on
//! shared machines are too noisy to compare small changes).
//!
//! `verify_hotpath <case> <n>` sets up, verifies once (warming the cache and lazy statics), then runs
//! the case `n` more times. The cost of one operation is the difference between the totals of
//! two runs divided by the difference in `n`:
//!
//! ```text
//! cargo build --release -p auth-jwt --example verify_hotpath
//! for n in 0 2000; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//!     target/release/examples/verify_hotpath verify-hs256 $n; done
//! ```
//!
//! Cases: `verify-hs256` (full profile, cache off), `jsonwebtoken-hs256` (a bare
//! `jsonwebtoken::decode::<serde_json::Value>` with a typical `Validation`, the baseline the
//! profile must not exceed), `cached-<alg>` for HS256, ES256, EdDSA, RS256 (cache warm).

#![allow(clippy::print_stdout)] // a probe's job is to print

use auth_core::{Identity, MemoryStore, Revocations, SessionKey};
use auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

const ISS: &str = "https://issuer.bench";
const AUD: &str = "api.bench";
const HS_SECRET: [u8; 32] = [7; 32];

fn key(alg: Algorithm) -> Result<Key, Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys");
    let pem = |name: &str| std::fs::read(dir.join(name));
    Ok(match alg {
        Algorithm::HS256 => Key::hmac("k1", alg, &HS_SECRET)?,
        Algorithm::RS256 => Key::from_pem("k1", alg, &pem("rsa2048.pem")?)?,
        Algorithm::ES256 => Key::from_pem("k1", alg, &pem("ec256.pem")?)?,
        _ => Key::from_pem("k1", alg, &pem("ed25519.pem")?)?,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "verify-hs256".into());
    let n: u64 = args.next().map_or(Ok(1000), |s| s.parse())?;
    let (alg, cached) = match case.as_str() {
        "verify-hs256" | "jsonwebtoken-hs256" => (Algorithm::HS256, false),
        "cached-hs256" => (Algorithm::HS256, true),
        "cached-es256" => (Algorithm::ES256, true),
        "cached-eddsa" => (Algorithm::EdDSA, true),
        "cached-rs256" => (Algorithm::RS256, true),
        other => return Err(format!("unknown case {other}").into()),
    };

    // A token as an app mints it: a session id, two scopes, a role.
    let who = Identity::new("user-42")
        .with_session(Some(SessionKey::from_bytes([1; 32])))
        .with_scopes(["orders:read", "orders:write"])
        .with_role("member");
    let keys = SharedKeySet::from(key(alg)?);
    let issuer = Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys.clone())
        .build()?;
    let revocations: Arc<dyn Revocations> = Arc::new(MemoryStore::new());
    let verifier = Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys)
        .with_revocations(revocations)
        .with_cache_capacity(if cached { 10_000 } else { 0 })
        .build()?;
    let token = issuer.issue(&who)?.into_string();

    if case == "jsonwebtoken-hs256" {
        let key = jsonwebtoken::DecodingKey::from_secret(&HS_SECRET)?;
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[ISS]);
        validation.set_audience(&[AUD]);
        validation.leeway = 60;
        let decode = || {
            jsonwebtoken::decode::<serde_json::Value>(black_box(&token), &key, &validation)
                .map(|data| data.claims)
        };
        decode()?;
        for _ in 0..n {
            black_box(decode().is_ok());
        }
    } else {
        verifier.verify_sync(&token)?;
        for _ in 0..n {
            black_box(verifier.verify_sync(black_box(&token)).is_ok());
        }
    }
    println!("{case}: {n} runs, token {} bytes", token.len());
    Ok(())
}
