//! Instruction-count probe for `JwtLayer` plus the `Identity` extractor, beside a bare
//! `jsonwebtoken::decode` middleware, for callgrind (wall-clock timings on shared machines are
//! too noisy to compare small changes).
//!
//! `jwt_hotpath <case> <n>` sends one warm-up request, then `n` more with the same bearer token.
//! The cost of one request is the difference between the totals of two runs divided by the
//! difference in `n`:
//!
//! ```text
//! cargo build --release -p auth-tower --features jwt --example jwt_hotpath
//! for n in 0 2000; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//!     target/release/examples/jwt_hotpath jwt-hs256 $n; done
//! ```
//!
//! Cases: `plain` (the handler alone), `jsonwebtoken-hs256` (a middleware that decodes with
//! `jsonwebtoken::decode::<serde_json::Value>` and a typical `Validation`, then the handler reads
//! `sub`), `jwt-hs256` (our layer, cache off, handler extracts `Identity`), `jwt-cached-hs256`
//! and `jwt-cached-rs256` (cache on, warm).

#![allow(clippy::print_stdout)] // a probe's job is to print

use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
use auth_tower::{Identity, JwtLayer, MemoryStore};
use axum_core::extract::FromRequestParts;
use http::header::AUTHORIZATION;
use http::{Request, Response};
use std::convert::Infallible;
use std::error::Error;
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use tower::{Layer, Service, ServiceExt, service_fn};

const ISS: &str = "https://issuer.bench";
const AUD: &str = "api.bench";
const SECRET: [u8; 32] = [7; 32];

async fn with_identity(req: Request<()>) -> Result<Response<String>, Infallible> {
    let (mut parts, ()) = req.into_parts();
    let body = match Identity::from_request_parts(&mut parts, &()).await {
        Ok(who) => {
            black_box(who.subject().len());
            String::new()
        }
        Err(_) => "refused".to_owned(),
    };
    Ok(Response::new(body))
}

async fn with_claims(req: Request<()>) -> Result<Response<String>, Infallible> {
    let sub = req
        .extensions()
        .get::<serde_json::Value>()
        .and_then(|claims| claims.get("sub"))
        .and_then(serde_json::Value::as_str)
        .map(str::len);
    Ok(Response::new(if sub.is_some() {
        String::new()
    } else {
        "refused".to_owned()
    }))
}

fn request(token: &str) -> Request<()> {
    Request::get("/me")
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .body(())
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "jwt-hs256".into());
    let n: u64 = args.next().map_or(Ok(1000), |s| s.parse())?;
    let (alg, cached) = match case.as_str() {
        "plain" | "jsonwebtoken-hs256" | "jwt-hs256" => (Algorithm::HS256, false),
        "jwt-cached-hs256" => (Algorithm::HS256, true),
        "jwt-cached-rs256" => (Algorithm::RS256, true),
        other => return Err(format!("unknown case {other}").into()),
    };
    let key = match alg {
        Algorithm::HS256 => Key::hmac("k1", alg, &SECRET)?,
        _ => {
            let pem =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../auth-jwt/tests/keys/rsa2048.pem");
            Key::from_pem("k1", alg, &std::fs::read(pem)?)?
        }
    };
    let keys = SharedKeySet::from(key);
    let issuer = Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys.clone())
        .build()?;
    let verifier = Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys)
        .with_revocations(Arc::new(MemoryStore::new()))
        .with_cache_capacity(if cached { 10_000 } else { 0 })
        .build()?;
    let who = Identity::new("user-42")
        .with_scopes(["orders:read", "orders:write"])
        .with_role("member");
    let token = issuer.issue(&who)?.into_string();

    let decoding = Arc::new(jsonwebtoken::DecodingKey::from_secret(&SECRET)?);
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISS]);
    validation.set_audience(&[AUD]);
    validation.leeway = 60;
    let validation = Arc::new(validation);
    // The bare middleware: decode, put the claims in the extensions, or refuse.
    let mut bare = service_fn(move |mut req: Request<()>| {
        let decoding = decoding.clone();
        let validation = validation.clone();
        async move {
            let token = req
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let claims = token.and_then(|t| {
                jsonwebtoken::decode::<serde_json::Value>(t, &decoding, &validation).ok()
            });
            match claims {
                Some(data) => {
                    req.extensions_mut().insert(data.claims);
                    with_claims(req).await
                }
                None => Ok(Response::new("refused".to_owned())),
            }
        }
    });
    let mut ours = JwtLayer::new(verifier).layer(service_fn(with_identity));
    let mut plain = service_fn(with_identity);

    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(async {
        for i in 0..=n {
            let req = request(&token);
            let res = match case.as_str() {
                "plain" => plain.ready().await?.call(req).await?,
                "jsonwebtoken-hs256" => bare.ready().await?.call(req).await?,
                _ => ours.ready().await?.call(req).await?,
            };
            if i == 0 && !res.body().is_empty() && case != "plain" {
                return Err(format!("{case}: {}", res.body()).into());
            }
            black_box(res);
        }
        Ok::<_, Box<dyn Error>>(())
    })?;
    println!("{case}: {n} requests, token {} bytes", token.len());
    Ok(())
}
