//! Micro-benchmark: cost per token of signing (issuing) and verifying, per algorithm, with and
//! without the verified-token cache. Run with `cargo bench -p auth-jwt`; prints a table.
//!
//! Columns: `issue` mints a whole access token; `sig only` is the bare signature check of
//! the jsonwebtoken backend on the token's signing input; `verify` is the full profile
//! (parse, header rules, signature, claims, revocation) with the cache off; `cached` is a
//! repeated verification of the same token with the cache on (hash, lookup, expiry, key and
//! revocation checks, identity clone).

#![allow(clippy::print_stdout)] // a benchmark's job is to print its table

use auth_core::{Identity, MemoryStore, Revocations, SessionKey};
use auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ISS: &str = "https://issuer.bench";
const AUD: &str = "api.bench";

fn key(alg: Algorithm) -> Result<Key, Box<dyn Error>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/keys");
    let pem = |name: &str| std::fs::read(dir.join(name));
    Ok(match alg {
        Algorithm::HS256 => Key::hmac("k", alg, &[7; 32])?,
        Algorithm::HS384 => Key::hmac("k", alg, &[7; 48])?,
        Algorithm::HS512 => Key::hmac("k", alg, &[7; 64])?,
        Algorithm::RS256 => Key::from_pem("k", alg, &pem("rsa2048.pem")?)?,
        Algorithm::PS256 => Key::from_pem("k", alg, &pem("rsa2048_b.pem")?)?,
        Algorithm::ES256 => Key::from_pem("k", alg, &pem("ec256.pem")?)?,
        Algorithm::ES384 => Key::from_pem("k", alg, &pem("ec384.pem")?)?,
        _ => Key::from_pem("k", alg, &pem("ed25519.pem")?)?,
    })
}

/// Nanoseconds per call: the best of three rounds of at least `budget` each.
fn per_call(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..5 {
        f();
    }
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < budget {
            for _ in 0..8 {
                f();
            }
            n += 8;
        }
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    best
}

fn us(ns: f64) -> String {
    if ns >= 10_000.0 {
        format!("{:.0} us", ns / 1000.0)
    } else {
        format!("{:.2} us", ns / 1000.0)
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    // `cargo test --benches` runs this with `--bench` absent; keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    // `cargo bench -p auth-jwt -- ES256` measures only the algorithms named.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let budget = Duration::from_millis(if quick { 5 } else { 250 });
    let revocations: Arc<dyn Revocations> = Arc::new(MemoryStore::new());
    let who = Identity::new("user-42")
        .with_session(Some(SessionKey::from_bytes([1; 32])))
        .with_scopes(["orders:read", "orders:write"])
        .with_role("member");

    println!(
        "{:<6} {:>10} {:>10} {:>10} {:>10} {:>9}",
        "alg", "issue", "sig only", "verify", "cached", "speedup"
    );
    for alg in Algorithm::ALL {
        if !only.is_empty() && !only.iter().any(|o| o.eq_ignore_ascii_case(alg.as_str())) {
            continue;
        }
        let keys = SharedKeySet::from(key(alg)?);
        let issuer = Issuer::builder()
            .with_issuer(ISS)
            .with_audience(AUD)
            .with_keys(keys.clone())
            .build()?;
        let build = |capacity| {
            Verifier::builder()
                .with_issuer(ISS)
                .with_audience(AUD)
                .with_keys(keys.clone())
                .with_revocations(revocations.clone())
                .with_cache_capacity(capacity)
                .build()
        };
        let (uncached, cached) = (build(0)?, build(10_000)?);
        let token = issuer.issue(&who)?.into_string();
        let (input, sig) = token.rsplit_once('.').ok_or("no signature")?;
        let sig = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig)?;
        let signing_key = keys.load().signing_key().cloned().ok_or("no key")?;
        cached.verify_sync(&token)?;

        let issue = per_call(budget, || {
            black_box(issuer.issue(black_box(&who)).is_ok());
        });
        let sig_only = per_call(budget, || {
            black_box(signing_key.verify(black_box(input.as_bytes()), black_box(&sig)));
        });
        let verify = per_call(budget, || {
            black_box(uncached.verify_sync(black_box(&token)).is_ok());
        });
        let hit = per_call(budget, || {
            black_box(cached.verify_sync(black_box(&token)).is_ok());
        });
        println!(
            "{:<6} {:>10} {:>10} {:>10} {:>10} {:>8.1}x",
            alg.as_str(),
            us(issue),
            us(sig_only),
            us(verify),
            us(hit),
            verify / hit
        );
    }
    Ok(())
}
