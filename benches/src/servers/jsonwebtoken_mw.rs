//! What a user writes by hand with jsonwebtoken 12: an axum `from_fn` middleware that takes the
//! bearer token, `decode`s it with a `Validation` pinned to the algorithm and checking `exp`,
//! `iss` and `aud`, and puts the claims into the request's extensions.

use crate::keys::{Alg, Material};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    exp: u64,
    iat: u64,
}

struct Auth {
    key: DecodingKey,
    validation: Validation,
}

pub(super) fn app(alg: Alg) -> Router {
    let material = Material::generate(alg);
    let (algorithm, encoding, decoding) = keys(&material);
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&["https://bench"]);
    validation.set_audience(&["api"]);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = Claims {
        sub: "bench-user".into(),
        iss: "https://bench".into(),
        aud: "api".into(),
        exp: now + 3600,
        iat: now,
    };
    let token = jsonwebtoken::encode(&Header::new(algorithm), &claims, &encoding).expect("token");
    let auth = Arc::new(Auth {
        key: decoding,
        validation,
    });
    Router::new()
        .route(
            "/me",
            get(|Extension(c): Extension<Claims>| async move { c.sub.len().to_string() }),
        )
        .layer(middleware::from_fn_with_state(auth, authenticate))
        .route("/token", get(move || async move { token }))
}

async fn authenticate(
    State(auth): State<Arc<Auth>>,
    mut request: Request,
    next: Next,
) -> Result<Response, StatusCode> {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(StatusCode::UNAUTHORIZED)?;
    let data = jsonwebtoken::decode::<Claims>(token, &auth.key, &auth.validation)
        .map_err(|_| StatusCode::UNAUTHORIZED)?;
    request.extensions_mut().insert(data.claims);
    Ok(next.run(request).await)
}

fn keys(m: &Material) -> (Algorithm, EncodingKey, DecodingKey) {
    let (private, public) = (m.private_pem(), m.public_pem());
    let (private, public) = (private.as_bytes(), public.as_bytes());
    match m.alg {
        Alg::Hs256 => (
            Algorithm::HS256,
            EncodingKey::from_secret(m.secret.as_bytes()).expect("HMAC secret"),
            DecodingKey::from_secret(m.secret.as_bytes()).expect("HMAC secret"),
        ),
        Alg::Es256 => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(private).expect("EC private key"),
            DecodingKey::from_ec_pem(public).expect("EC public key"),
        ),
        Alg::EdDsa => (
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(private).expect("Ed25519 private key"),
            DecodingKey::from_ed_pem(public).expect("Ed25519 public key"),
        ),
        Alg::Rs256 => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(private).expect("RSA private key"),
            DecodingKey::from_rsa_pem(public).expect("RSA public key"),
        ),
    }
}
