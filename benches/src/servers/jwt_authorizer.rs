//! jwt-authorizer 0.15, which is built on axum 0.7: it runs as its own axum 0.7 server (the
//! bridge), with a `Validation` checking `iss` and `aud` (its default checks `exp`). Its token
//! is signed with jsonwebtoken 12 from the same key.

use crate::keys::{Alg, Material};
use axum_07::Router;
use axum_07::routing::get;
use jwt_authorizer::{Authorizer, IntoLayer, JwtAuthorizer, JwtClaims, Validation};
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    exp: u64,
}

pub(super) async fn serve(listener: tokio::net::TcpListener, alg: Alg) {
    let material = Material::generate(alg);
    let public = material.public_pem();
    let builder = match alg {
        Alg::Hs256 => JwtAuthorizer::<Claims>::from_secret(&material.secret),
        Alg::Es256 => JwtAuthorizer::<Claims>::from_ec_pem_text(&public),
        Alg::EdDsa => JwtAuthorizer::<Claims>::from_ed_pem_text(&public),
        Alg::Rs256 => JwtAuthorizer::<Claims>::from_rsa_pem_text(&public),
    };
    let authorizer: Authorizer<Claims> = builder
        .validation(Validation::new().iss(&["https://bench"]).aud(&["api"]))
        .build()
        .await
        .expect("jwt-authorizer");
    let token = token(&material);
    let app = Router::new()
        .route(
            "/me",
            get(|JwtClaims(c): JwtClaims<Claims>| async move { c.sub.len().to_string() }),
        )
        .layer(authorizer.into_layer())
        .route("/token", get(move || async move { token }));
    axum_07::serve(listener, app).await.expect("serve");
}

fn token(m: &Material) -> String {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let pem = m.private_pem();
    let (alg, key) = match m.alg {
        Alg::Hs256 => (
            Algorithm::HS256,
            EncodingKey::from_secret(m.secret.as_bytes()).expect("HMAC secret"),
        ),
        Alg::Es256 => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(pem.as_bytes()).expect("key"),
        ),
        Alg::EdDsa => (
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(pem.as_bytes()).expect("key"),
        ),
        Alg::Rs256 => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(pem.as_bytes()).expect("key"),
        ),
    };
    let exp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 3600;
    let claims = Claims {
        sub: "bench-user".into(),
        iss: "https://bench".into(),
        aud: "api".into(),
        exp,
    };
    jsonwebtoken::encode(&Header::new(alg), &claims, &key).expect("token")
}
