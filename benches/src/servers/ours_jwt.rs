//! Our `JwtLayer` + `Identity` as a production app runs it: a revocation list, one key, the
//! verified-token cache on (its default) or off.

use crate::keys::{Alg, Material};
use auth_tower::auth_jwt::{Issuer, KeySet, SharedKeySet, Verifier};
use auth_tower::{Identity, JwtLayer, MemoryStore};
use axum::Router;
use axum::routing::get;
use std::sync::Arc;

pub(super) fn app(alg: Alg, cache: bool) -> Router {
    let keys = SharedKeySet::new(KeySet::single(Material::generate(alg).ours()).expect("keys"));
    let issuer = Issuer::builder()
        .with_issuer("https://bench")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .expect("issuer");
    let verifier = Verifier::builder()
        .with_issuer("https://bench")
        .with_audience("api")
        .with_keys(keys)
        .with_revocations(Arc::new(MemoryStore::new()));
    // 0 entries turns the verified-token cache off; the default capacity keeps it on.
    let verifier = if cache {
        verifier
    } else {
        verifier.with_cache_capacity(0)
    };
    // A token minted per request of /token: the benchmark fetches one every round, and a
    // token minted at start-up (15 minutes) would expire during a long run.
    let mint = move || {
        issuer
            .issue(&Identity::new("bench-user"))
            .expect("token")
            .into_string()
    };
    Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().len().to_string() }),
        )
        .layer(JwtLayer::new(verifier.build().expect("verifier")))
        .route("/token", get(move || std::future::ready(mint())))
}
