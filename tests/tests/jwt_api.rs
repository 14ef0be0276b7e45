//! The `jwt-api` example over real HTTP on 127.0.0.1 (in-memory stores): every refusal's exact
//! status and `WWW-Authenticate`, and the token lifecycle end to end: login, rotation, reuse
//! detection, logout, logout everywhere, JWKS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::tokens::{Answer, get_with, login, logout, post_json, refresh, send};
use e2e::{TestServer, client};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use serde_json::json;
use std::time::Duration;

async fn start() -> (TestServer, String) {
    let options = Options {
        // Zero grace: a second use of a rotated refresh token is always a reuse.
        refresh_grace: Duration::ZERO,
        ..Options::default()
    };
    let app = jwt_api_app::router(&Keys::generate().unwrap(), &Stores::memory(), &options).unwrap();
    let server = TestServer::start(app).await;
    let base = server.url("");
    (server, base)
}

#[track_caller]
fn assert_oauth_error(a: &Answer, status: u16, error: &str) {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    assert_eq!(
        a.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(a.json()["error"], error, "{}", a.body);
}

#[track_caller]
fn assert_revoked(a: &Answer) {
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            "Bearer realm=\"jwt-api\", error=\"invalid_token\", error_description=\"the token, its session or its subject was revoked\""
        )
    );
}

#[tokio::test]
async fn no_token_is_a_bare_401_challenge() {
    let (_server, base) = start().await;
    let a = send(client().get(format!("{base}/api/me"))).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.header("www-authenticate"),
        Some("Bearer realm=\"jwt-api\"")
    );
}

#[tokio::test]
async fn a_malformed_token_is_401_invalid_token_with_a_description() {
    let (_server, base) = start().await;
    let a = get_with(&base, "/api/me", "not-a-jwt").await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            "Bearer realm=\"jwt-api\", error=\"invalid_token\", error_description=\"a token is exactly three dot-separated segments (no JWE, no JSON serialization)\""
        )
    );
}

#[tokio::test]
async fn two_authorization_headers_are_400_invalid_request() {
    let (_server, base) = start().await;
    let pair = login(&base, "alice", "wonderland").await.pair();
    let a = send(
        client()
            .get(format!("{base}/api/me"))
            .header("authorization", format!("Bearer {}", pair.access))
            .header("authorization", format!("Bearer {}", pair.access)),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            "Bearer realm=\"jwt-api\", error=\"invalid_request\", error_description=\"more than one Authorization header\""
        )
    );
}

#[tokio::test]
async fn reports_need_the_scope_403_insufficient_scope_for_bob() {
    let (_server, base) = start().await;
    let bob = login(&base, "bob", "builder").await.pair();
    let a = get_with(&base, "/api/reports", &bob.access).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            "Bearer realm=\"jwt-api\", error=\"insufficient_scope\", error_description=\"requires the scope \\\"reports:read\\\"\""
        )
    );
    // bob is still authenticated for /api/me.
    let a = get_with(&base, "/api/me", &bob.access).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json(), json!({"subject": "bob", "scopes": []}));

    let alice = login(&base, "alice", "wonderland").await.pair();
    let a = get_with(&base, "/api/reports", &alice.access).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["for"], "alice");
}

#[tokio::test]
async fn login_answers_rfc_6749_json_and_a_bad_password_is_invalid_grant() {
    let (_server, base) = start().await;
    let a = login(&base, "alice", "wonderland").await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let body = a.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["access_token"].as_str().unwrap().split('.').count() == 3);
    assert!(!body["refresh_token"].as_str().unwrap().is_empty());

    let a = login(&base, "alice", "wrong").await;
    assert_oauth_error(&a, 400, "invalid_grant");
    assert_eq!(
        a.json(),
        json!({"error": "invalid_grant", "error_description": "invalid username or password"})
    );
    // A malformed body is invalid_request, not a 500.
    let a = send(
        client()
            .post(format!("{base}/auth/login"))
            .header("content-type", "application/json")
            .body("{\"username\":"),
    )
    .await;
    assert_oauth_error(&a, 400, "invalid_request");
    // The OAuth 2.0 form on /auth/token.
    let a = send(
        client()
            .post(format!("{base}/auth/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=password&username=bob&password=builder"),
    )
    .await;
    a.pair();
}

#[tokio::test]
async fn refresh_rotates_and_the_old_access_token_stays_valid_until_expiry() {
    let (_server, base) = start().await;
    let first = login(&base, "alice", "wonderland").await.pair();
    let second = refresh(&base, &first.refresh).await.pair();
    assert_ne!(first.refresh, second.refresh);
    assert_ne!(first.access, second.access);
    assert_eq!(get_with(&base, "/api/me", &second.access).await.status, 200);
    assert_eq!(get_with(&base, "/api/me", &first.access).await.status, 200);
    let third = refresh(&base, &second.refresh).await.pair();
    assert_eq!(
        get_with(&base, "/api/reports", &third.access).await.status,
        200
    );
}

#[tokio::test]
async fn refresh_reuse_is_invalid_grant_and_revokes_the_successor_and_the_access_tokens() {
    let (_server, base) = start().await;
    let first = login(&base, "alice", "wonderland").await.pair();
    let second = refresh(&base, &first.refresh).await.pair();
    assert_eq!(get_with(&base, "/api/me", &second.access).await.status, 200);
    tokio::time::sleep(Duration::from_millis(5)).await;

    // The stolen first refresh token is presented again.
    let a = refresh(&base, &first.refresh).await;
    assert_oauth_error(&a, 400, "invalid_grant");
    assert_eq!(
        a.json()["error_description"],
        "the refresh token was already used; the session is revoked"
    );
    // The legitimate successor is dead too, and so is every access token of the family.
    assert_oauth_error(&refresh(&base, &second.refresh).await, 400, "invalid_grant");
    assert_revoked(&get_with(&base, "/api/me", &second.access).await);
    assert_revoked(&get_with(&base, "/api/me", &first.access).await);
}

#[tokio::test]
async fn logout_kills_the_access_token_on_the_next_request() {
    let (_server, base) = start().await;
    let pair = login(&base, "alice", "wonderland").await.pair();
    assert_eq!(get_with(&base, "/api/me", &pair.access).await.status, 200);
    let a = logout(&base, &pair.refresh).await;
    assert_eq!(a.status, 204);
    assert_revoked(&get_with(&base, "/api/me", &pair.access).await);
    assert_oauth_error(&refresh(&base, &pair.refresh).await, 400, "invalid_grant");
}

#[tokio::test]
async fn logout_everywhere_kills_every_token_of_the_subject() {
    let (_server, base) = start().await;
    let phone = login(&base, "alice", "wonderland").await.pair();
    let laptop = login(&base, "alice", "wonderland").await.pair();
    let bob = login(&base, "bob", "builder").await.pair();

    let a = send(client().post(format!("{base}/auth/logout-everywhere"))).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        a.header("www-authenticate"),
        Some("Bearer realm=\"jwt-api\"")
    );

    let a = send(
        client()
            .post(format!("{base}/auth/logout-everywhere"))
            .header("authorization", format!("Bearer {}", laptop.access)),
    )
    .await;
    assert_eq!(a.status, 204);
    for pair in [&phone, &laptop] {
        assert_revoked(&get_with(&base, "/api/me", &pair.access).await);
        assert_oauth_error(&refresh(&base, &pair.refresh).await, 400, "invalid_grant");
    }
    assert_eq!(get_with(&base, "/api/me", &bob.access).await.status, 200);
    // Logging out of a logged-out account with its old token: 401.
    let a = send(
        client()
            .post(format!("{base}/auth/logout-everywhere"))
            .header("authorization", format!("Bearer {}", phone.access)),
    )
    .await;
    assert_revoked(&a);
}

#[tokio::test]
async fn jwks_serves_the_es256_public_key() {
    let (_server, base) = start().await;
    let a = send(client().get(format!("{base}/.well-known/jwks.json"))).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("application/jwk-set+json"));
    let jwks = a.json();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "EC");
    assert_eq!(keys[0]["alg"], "ES256");
    assert_eq!(keys[0]["crv"], "P-256");
    assert!(keys[0].get("d").is_none(), "never the private key");
    let a = post_json(&base, "nowhere", &json!({})).await;
    assert_eq!(a.status, 404);
}

/// The attack of issue 9 finding 3: `curl -H 'content-type: application/grpc'` over HTTP/1.1
/// used to get `200 OK` with `grpc-status: 16`, which nginx `auth_request` or Traefik
/// ForwardAuth (they copy the client's headers and allow any 2xx) read as "allowed".
#[tokio::test]
async fn a_grpc_content_type_over_http1_never_turns_a_refusal_into_a_2xx() {
    let (_server, base) = start().await;
    let bob = login(&base, "bob", "builder").await.pair();
    let cases = [
        (None, 401),
        (Some("Bearer not.a.jwt".to_owned()), 401),
        (Some(format!("Bearer {}", bob.access)), 403),
    ];
    for (authorization, status) in cases {
        for ct in ["application/grpc", "application/grpc+proto"] {
            let mut req = client()
                .get(format!("{base}/api/reports"))
                .header("content-type", ct)
                .header("te", "trailers");
            if let Some(a) = &authorization {
                req = req.header("authorization", a);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.version(), reqwest::Version::HTTP_11);
            assert_eq!(res.status().as_u16(), status, "{ct} {authorization:?}");
            assert!(res.headers().get("grpc-status").is_none());
            assert_eq!(res.headers()["cache-control"], "no-store");
            assert!(
                res.headers()
                    .get("www-authenticate")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("Bearer realm=\"jwt-api\"")),
                "an HTTP challenge"
            );
        }
    }
}
