//! The layers take any response body with `Default` (tower-http's convention): a body type the
//! crate has never heard of gets every refusal's status and headers, with its default body.
//! (Before, the body had to implement our own `RejectionBody` trait, which a foreign type
//! cannot.)

#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used)]

use auth_tower::rejection::Protocol;
use auth_tower::{MemoryStore, Rejection, RejectionKind, RequireAuth, SessionLayer};
use http::{Method, Request, Response};
use std::convert::Infallible;
use tower::{Layer, Service, ServiceExt};

/// Stands for a body type from another crate.
#[derive(Debug, Default, PartialEq)]
struct ForeignBody(Vec<u8>);

fn app()
-> impl Service<Request<()>, Response = Response<ForeignBody>, Error = Infallible, Future: Send>
+ Clone
+ Send
+ 'static {
    tower::service_fn(|_req: Request<()>| async {
        Ok(Response::new(ForeignBody(b"handler".to_vec())))
    })
}

#[tokio::test]
async fn session_layer_refuses_cross_site_with_a_foreign_body() {
    let layer = SessionLayer::builder(MemoryStore::new()).build().unwrap();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/")
        .header("sec-fetch-site", "cross-site")
        .body(())
        .unwrap();
    let res = layer.layer(app()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.body(), &ForeignBody::default());
}

#[tokio::test]
async fn guard_under_a_session_refuses_anonymous_with_a_foreign_body() {
    let sessions = SessionLayer::builder(MemoryStore::new()).build().unwrap();
    let svc = sessions.layer(RequireAuth::identity().layer(app()));
    let req = Request::builder().uri("/").body(()).unwrap();
    let res = svc.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 401);
    // A session layer alone sends no Bearer challenge: it takes no bearer token.
    assert!(res.headers().get("www-authenticate").is_none());
    assert_eq!(res.body(), &ForeignBody::default());

    // And an identity it admits reaches the handler's own body.
    let mut req = Request::builder().uri("/").body(()).unwrap();
    req.extensions_mut()
        .insert(auth_core::AuthContext::verified(auth_tower::Identity::new(
            "user-42",
        )));
    let res = RequireAuth::identity()
        .layer(app())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.body(), &ForeignBody(b"handler".to_vec()));
}

#[cfg(feature = "jwt")]
#[tokio::test]
async fn jwt_layer_refuses_a_missing_token_with_a_foreign_body() {
    use auth_tower::JwtLayer;
    use auth_tower::auth_jwt::{Algorithm, Key, Verifier};
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(Key::generate_hmac("k1", Algorithm::HS256).unwrap())
        .build()
        .unwrap();
    let req = Request::builder().uri("/").body(()).unwrap();
    let res = JwtLayer::new(verifier)
        .layer(app())
        .oneshot(req)
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["www-authenticate"], "Bearer realm=\"app\"");
    assert_eq!(res.body(), &ForeignBody::default());
}

#[test]
fn a_grpc_refusal_renders_into_a_foreign_body() {
    let res: Response<ForeignBody> =
        Rejection::new(RejectionKind::InvalidToken, "bad").render(Protocol::Grpc, "app");
    assert_eq!(res.headers()["grpc-status"], "16");
    assert_eq!(res.body(), &ForeignBody::default());
}
