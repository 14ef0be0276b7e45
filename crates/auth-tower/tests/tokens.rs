//! The token endpoints on in-memory stores, through an axum router: every branch's status,
//! JSON body and headers asserted exactly.

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_core::{Clock, Error, ManualClock, MemoryStore, Revocation, RevocationProbe, Timestamp};
use auth_tower::jwt_core::{
    Algorithm, Issuer, Key, KeySet, MemoryRefreshStore, RefreshTokens, SharedKeySet, Verifier,
};
use auth_tower::tokens::{CheckCredentials, TokenEndpoints};
use auth_tower::{AuthMethod, Identity, JwtLayer, Revocations};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::{Reply, send};
use http::Request;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

const SECRET: &[u8] = b"refresh-secret-refresh-secret-32";

/// A store (refresh families, revocations) that can be switched to failing.
#[derive(Debug, Clone)]
struct Switch<S> {
    inner: S,
    down: Arc<AtomicBool>,
}

impl<S> Switch<S> {
    fn check(&self) -> Result<(), Error> {
        if self.down.load(Ordering::SeqCst) {
            Err(Error::unavailable("test store is down"))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl<S: RefreshStore> RefreshStore for Switch<S> {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        self.check()?;
        self.inner.create(family, record, first_expires_at).await
    }
    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        self.check()?;
        self.inner.rotate(request).await
    }
    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        self.check()?;
        self.inner.delete(family).await
    }
}

#[async_trait]
impl<S: Revocations> Revocations for Switch<S> {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        self.check()?;
        self.inner.revoke(revocation).await
    }
    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> bool {
        self.inner.is_revoked(probe)
    }
    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.inner.subscribe()
    }
}

/// The application's users, as a type (the other tests use a closure).
struct Users {
    down: Arc<AtomicBool>,
}

impl CheckCredentials for Users {
    type Error = std::io::Error;

    async fn check(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Option<Identity>, std::io::Error> {
        if self.down.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("user database unreachable"));
        }
        Ok(match (username, password) {
            ("alice", "wonderland") => Some(Identity::new("alice").with_scope("reports:read")),
            ("bob", "builder") => Some(Identity::new("bob")),
            _ => None,
        })
    }
}

struct World {
    clock: Arc<ManualClock>,
    keys: SharedKeySet,
    verifier: Verifier,
    tokens: RefreshTokens,
    stores_down: Arc<AtomicBool>,
    users_down: Arc<AtomicBool>,
}

fn world() -> World {
    let clock = Arc::new(ManualClock::new());
    let stores_down = Arc::new(AtomicBool::new(false));
    let revocations: Arc<dyn Revocations> = Arc::new(Switch {
        inner: MemoryStore::with_clock(clock.clone()),
        down: stores_down.clone(),
    });
    let keys =
        SharedKeySet::new(KeySet::single(Key::generate("k1", Algorithm::ES256).unwrap()).unwrap());
    let issuer = Issuer::builder("https://issuer.test", "api")
        .keys(keys.clone())
        .clock(clock.clone())
        .build()
        .unwrap();
    let verifier = Verifier::builder("https://issuer.test", "api")
        .keys(keys.clone())
        .clock(clock.clone())
        .revocations(revocations.clone())
        .build()
        .unwrap();
    let families = Arc::new(Switch {
        inner: MemoryRefreshStore::new(),
        down: stores_down.clone(),
    });
    let tokens = RefreshTokens::builder(issuer, families, revocations, SECRET)
        .clock(clock.clone())
        .grace(Duration::ZERO)
        .build()
        .unwrap();
    World {
        clock,
        keys,
        verifier,
        tokens,
        stores_down,
        users_down: Arc::new(AtomicBool::new(false)),
    }
}

impl World {
    fn endpoints(&self) -> auth_tower::tokens::TokenEndpointsBuilder {
        TokenEndpoints::builder(
            self.tokens.clone(),
            self.verifier.clone(),
            Users {
                down: self.users_down.clone(),
            },
        )
        .clock(self.clock.clone())
    }

    fn app(&self) -> Router {
        app_with(self, &self.endpoints().build().unwrap())
    }
}

fn app_with(w: &World, endpoints: &TokenEndpoints) -> Router {
    Router::new()
        .route(
            "/api/me",
            get(|who: Identity| async move {
                json!({
                    "sub": who.subject(),
                    "scopes": who.scopes(),
                    "method": format!("{:?}", who.method()),
                    "authenticated_at": who.authenticated_at().map(|t| t.as_unix_seconds()),
                })
                .to_string()
            }),
        )
        .layer(JwtLayer::new(w.verifier.clone()))
        .merge(endpoints.router())
}

fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn post_raw(path: &str, content_type: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::post(path);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(body.into()).unwrap()
}

fn bearer(method: &str, path: &str, tokens: &[&str]) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    for t in tokens {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

fn json_of(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {:?}", r.body))
}

/// A 400/503 with the RFC 6749 §5.2 body, never cached.
#[track_caller]
fn assert_oauth_error(r: &Reply, status: u16, error: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let body = json_of(r);
    assert_eq!(body["error"], error, "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

struct Pair {
    access: String,
    refresh: String,
}

#[track_caller]
fn pair_of(r: &Reply) -> Pair {
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("pragma"), Some("no-cache"));
    assert_eq!(
        r.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    let body = json_of(r);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    Pair {
        access: body["access_token"].as_str().unwrap().to_owned(),
        refresh: body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

async fn login(app: &Router, user: &str, password: &str) -> Pair {
    let r = send(
        app,
        post_json(
            "/auth/login",
            &json!({"username": user, "password": password}),
        ),
    )
    .await;
    pair_of(&r)
}

async fn me(app: &Router, access: &str) -> Reply {
    send(app, bearer("GET", "/api/me", &[access])).await
}

async fn refresh(app: &Router, refresh: &str) -> Reply {
    send(
        app,
        post_json("/auth/refresh", &json!({"refresh_token": refresh})),
    )
    .await
}

#[tokio::test]
async fn login_returns_a_pair_whose_access_token_works() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;
    let r = me(&app, &pair.access).await;
    assert_eq!(r.status, 200);
    let who = json_of(&r);
    assert_eq!(who["sub"], "alice");
    assert_eq!(who["scopes"], json!(["reports:read"]));
    assert_eq!(who["method"], "Jwt");
    assert_eq!(who["authenticated_at"], w.clock.now().as_unix_seconds());
}

#[tokio::test]
async fn oauth_token_endpoint_takes_forms_and_both_grants() {
    let w = world();
    let app = w.app();
    let form = "application/x-www-form-urlencoded";
    let r = send(
        &app,
        post_raw(
            "/auth/token",
            Some(form),
            "grant_type=password&username=alice&password=wonderland&client_id=ignored",
        ),
    )
    .await;
    let first = pair_of(&r);
    let r = send(
        &app,
        post_raw(
            "/auth/token",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            format!("grant_type=refresh_token&refresh_token={}", first.refresh),
        ),
    )
    .await;
    let second = pair_of(&r);
    assert_ne!(first.refresh, second.refresh);
    assert_eq!(me(&app, &second.access).await.status, 200);
    // JSON on /token too, with grant_type required.
    let r = send(
        &app,
        post_json(
            "/auth/token",
            &json!({"grant_type": "password", "username": "bob", "password": "builder"}),
        ),
    )
    .await;
    pair_of(&r);
    let r = send(
        &app,
        post_json(
            "/auth/token",
            &json!({"username": "bob", "password": "builder"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request");
    let r = send(
        &app,
        post_raw("/auth/token", Some(form), "grant_type=client_credentials"),
    )
    .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
}

#[tokio::test]
async fn wrong_credentials_are_invalid_grant_and_the_same_for_unknown_users() {
    let w = world();
    let app = w.app();
    let wrong = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "alice", "password": "nope"}),
        ),
    )
    .await;
    assert_oauth_error(&wrong, 400, "invalid_grant");
    let unknown = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "mallory", "password": "nope"}),
        ),
    )
    .await;
    assert_oauth_error(&unknown, 400, "invalid_grant");
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn malformed_requests_are_400_invalid_request_never_500() {
    let w = world();
    let app = w.app();
    let json_ct = Some("application/json");
    let form = Some("application/x-www-form-urlencoded");
    let cases: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("/auth/login", json_ct, b"{not json".to_vec()),
        ("/auth/login", json_ct, b"[]".to_vec()),
        ("/auth/login", json_ct, b"null".to_vec()),
        ("/auth/login", json_ct, b"".to_vec()),
        (
            "/auth/login",
            json_ct,
            br#"{"username":1,"password":"x"}"#.to_vec(),
        ),
        ("/auth/login", json_ct, br#"{"username":"alice"}"#.to_vec()),
        (
            "/auth/login",
            json_ct,
            br#"{"username":"alice","username":"bob","password":"x"}"#.to_vec(),
        ),
        ("/auth/login", json_ct, b"\xff\xfe\x00".to_vec()),
        (
            "/auth/login",
            None,
            br#"{"username":"a","password":"b"}"#.to_vec(),
        ),
        ("/auth/login", Some("text/plain"), b"username=a".to_vec()),
        (
            "/auth/login",
            form,
            b"username=a&username=b&password=c".to_vec(),
        ),
        ("/auth/login", form, b"username=alice".to_vec()),
        ("/auth/refresh", json_ct, b"{}".to_vec()),
        (
            "/auth/refresh",
            json_ct,
            br#"{"refresh_token":null}"#.to_vec(),
        ),
        ("/auth/logout", json_ct, b"{}".to_vec()),
        ("/auth/logout", form, b"%zz".to_vec()),
    ];
    for (path, ct, body) in cases {
        let r = send(&app, post_raw(path, ct, body.clone())).await;
        assert_oauth_error(&r, 400, "invalid_request");
        let _ = String::from_utf8_lossy(&body);
    }
    // Over the body limit (16 KiB by default).
    let big = json!({"username": "a".repeat(17 * 1024), "password": "x"}).to_string();
    let r = send(&app, post_raw("/auth/login", json_ct, big)).await;
    assert_oauth_error(&r, 400, "invalid_request");
    // A grant the endpoint does not take.
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"grant_type": "refresh_token", "refresh_token": "x"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
    let r = send(
        &app,
        post_json(
            "/auth/refresh",
            &json!({"grant_type": "password", "username": "a", "password": "b"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
    // Only POST.
    let r = send(&app, bearer("GET", "/auth/login", &[])).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_access_token_lives_until_it_expires() {
    let w = world();
    let app = w.app();
    let first = login(&app, "alice", "wonderland").await;
    w.clock.advance(Duration::from_secs(60));
    let second = pair_of(&refresh(&app, &first.refresh).await);
    assert_ne!(first.access, second.access);
    assert_ne!(first.refresh, second.refresh);
    assert_eq!(me(&app, &first.access).await.status, 200);
    assert_eq!(me(&app, &second.access).await.status, 200);
    let third = pair_of(&refresh(&app, &second.refresh).await);
    assert_eq!(me(&app, &third.access).await.status, 200);
    // The first access token expires on its own (15 minutes after it was issued).
    w.clock.advance(Duration::from_secs(15 * 60));
    let r = me(&app, &first.access).await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn refresh_reuse_revokes_the_family_its_successor_and_its_access_tokens() {
    let w = world();
    let app = w.app();
    let first = login(&app, "alice", "wonderland").await;
    let second = pair_of(&refresh(&app, &first.refresh).await);
    let other = login(&app, "alice", "wonderland").await;
    // Outside the grace window (zero here, but a repeat in the same instant still counts).
    w.clock.advance(Duration::from_secs(1));

    let r = refresh(&app, &first.refresh).await;
    assert_oauth_error(&r, 400, "invalid_grant");
    assert!(
        json_of(&r)["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );

    assert_oauth_error(&refresh(&app, &second.refresh).await, 400, "invalid_grant");
    for access in [&first.access, &second.access] {
        let r = me(&app, access).await;
        assert_eq!(r.status, 401);
        assert!(
            r.header("www-authenticate")
                .unwrap()
                .contains("error=\"invalid_token\"")
        );
    }
    // Another login of the same user is another family: untouched.
    assert_eq!(me(&app, &other.access).await.status, 200);
    pair_of(&refresh(&app, &other.refresh).await);
}

#[tokio::test]
async fn forged_or_garbage_refresh_tokens_are_invalid_grant() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "bob", "builder").await;
    let mut forged = pair.refresh.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for token in [
        "",
        "garbage",
        "a.b.c",
        &pair.access,
        &forged,
        &"x".repeat(10_000),
    ] {
        assert_oauth_error(&refresh(&app, token).await, 400, "invalid_grant");
    }
    pair_of(&refresh(&app, &pair.refresh).await);
}

#[tokio::test]
async fn logout_kills_the_access_token_at_once_and_is_idempotent() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;
    let other = login(&app, "alice", "wonderland").await;
    assert_eq!(me(&app, &pair.access).await.status, 200);

    let r = send(
        &app,
        post_json("/auth/logout", &json!({"refresh_token": pair.refresh})),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.body.is_empty());

    assert_eq!(me(&app, &pair.access).await.status, 401);
    assert_oauth_error(&refresh(&app, &pair.refresh).await, 400, "invalid_grant");
    // The other login (another family, another session) lives on.
    assert_eq!(me(&app, &other.access).await.status, 200);

    // Again, or with a token we never issued: 204 (RFC 7009 §2.2).
    for token in [pair.refresh.as_str(), "garbage"] {
        let r = send(
            &app,
            post_raw(
                "/auth/logout",
                Some("application/x-www-form-urlencoded"),
                format!("refresh_token={token}"),
            ),
        )
        .await;
        assert_eq!(r.status, 204);
    }
}

#[tokio::test]
async fn logout_everywhere_needs_a_valid_bearer_token() {
    let w = world();
    let app = w.app();
    let r = send(&app, bearer("POST", "/auth/logout-everywhere", &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"app\""));
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &["not.a.jwt"]),
    )
    .await;
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge
            .starts_with("Bearer realm=\"app\", error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
    let pair = login(&app, "alice", "wonderland").await;
    let r = send(
        &app,
        bearer(
            "POST",
            "/auth/logout-everywhere",
            &[&pair.access, &pair.access],
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_request\"")
    );
    // A refresh token is not an access token.
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&pair.refresh]),
    )
    .await;
    assert_eq!(r.status, 401);
    // Nothing was revoked by any of these.
    assert_eq!(me(&app, &pair.access).await.status, 200);
}

#[tokio::test]
async fn logout_everywhere_kills_every_token_of_the_subject_only() {
    let w = world();
    let app = w.app();
    let phone = login(&app, "alice", "wonderland").await;
    let laptop = login(&app, "alice", "wonderland").await;
    let bob = login(&app, "bob", "builder").await;
    w.clock.advance(Duration::from_secs(1));

    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&phone.access]),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    for pair in [&phone, &laptop] {
        assert_eq!(me(&app, &pair.access).await.status, 401);
        assert_oauth_error(&refresh(&app, &pair.refresh).await, 400, "invalid_grant");
    }
    assert_eq!(me(&app, &bob.access).await.status, 200);
    pair_of(&refresh(&app, &bob.refresh).await);
    // A new login (a second later) works.
    w.clock.advance(Duration::from_secs(1));
    let again = login(&app, "alice", "wonderland").await;
    assert_eq!(me(&app, &again.access).await.status, 200);
}

#[tokio::test]
async fn failing_stores_and_credential_checks_are_503_temporarily_unavailable() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;

    w.users_down.store(true, Ordering::SeqCst);
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
    assert!(
        !r.body.contains("unreachable"),
        "no internal detail: {}",
        r.body
    );
    w.users_down.store(false, Ordering::SeqCst);

    w.stores_down.store(true, Ordering::SeqCst);
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
    assert_oauth_error(
        &refresh(&app, &pair.refresh).await,
        503,
        "temporarily_unavailable",
    );
    let r = send(
        &app,
        post_json("/auth/logout", &json!({"refresh_token": pair.refresh})),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&pair.access]),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");

    // Back up: nothing was lost or half-done.
    w.stores_down.store(false, Ordering::SeqCst);
    assert_eq!(me(&app, &pair.access).await.status, 200);
    pair_of(&refresh(&app, &pair.refresh).await);
}

#[tokio::test]
async fn jwks_is_published_at_the_well_known_path() {
    let w = world();
    let app = w.app();
    let r = send(&app, bearer("GET", "/.well-known/jwks.json", &[])).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/jwk-set+json"));
    let jwks = json_of(&r);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], "k1");
    assert_eq!(keys[0]["kty"], "EC");
    assert!(keys[0].get("d").is_none(), "no private member");
    // The same document as the key set's.
    let expected: Value = serde_json::from_slice(&w.keys.load().jwks_json()).unwrap();
    assert_eq!(jwks, expected);
}

#[tokio::test]
async fn prefix_and_jwks_path_are_configurable() {
    let w = world();
    let app = app_with(
        &w,
        &w.endpoints()
            .prefix("/v1/oauth")
            .jwks_path("/keys.json")
            .body_limit(64)
            .build()
            .unwrap(),
    );
    let r = send(
        &app,
        post_json(
            "/v1/oauth/login",
            &json!({"username": "bob", "password": "builder"}),
        ),
    )
    .await;
    let pair = pair_of(&r);
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "bob", "password": "builder"}),
        ),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        send(&app, bearer("GET", "/keys.json", &[])).await.status,
        200
    );
    assert_eq!(
        send(&app, bearer("GET", "/.well-known/jwks.json", &[]))
            .await
            .status,
        404
    );
    // The smaller body limit holds.
    let r = send(
        &app,
        post_json("/v1/oauth/refresh", &json!({"refresh_token": pair.refresh})),
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request");

    let endpoints = w.endpoints().prefix("").without_jwks().build().unwrap();
    assert_eq!(endpoints.prefix(), "");
    let app = app_with(&w, &endpoints);
    let r = send(
        &app,
        post_json("/login", &json!({"username": "bob", "password": "builder"})),
    )
    .await;
    pair_of(&r);
    assert_eq!(
        send(&app, bearer("GET", "/.well-known/jwks.json", &[]))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_configuration_is_refused_when_built() {
    let w = world();
    for prefix in ["auth", "/auth/", "/", "/a/{x}", "/a/*rest", "/a b", "//a"] {
        let e = w.endpoints().prefix(prefix).build().unwrap_err();
        assert_eq!(e.kind(), auth_core::ErrorKind::Config, "{prefix}");
    }
    for path in ["", "/", "jwks.json", "/{kid}"] {
        let e = w.endpoints().jwks_path(path).build().unwrap_err();
        assert_eq!(e.kind(), auth_core::ErrorKind::Config, "{path}");
    }
    let e = w.endpoints().body_limit(0).build().unwrap_err();
    assert_eq!(e.kind(), auth_core::ErrorKind::Config);
}

#[tokio::test]
async fn a_closure_checks_credentials_and_its_realm_is_used() {
    let w = world();
    let endpoints = TokenEndpoints::builder(
        w.tokens.clone(),
        w.verifier.clone(),
        |user: String, password: String| async move {
            Ok::<_, std::io::Error>((user == "carol" && password == "secret").then(|| {
                Identity::new("carol").with_authenticated_at(Timestamp::from_unix_seconds(42))
            }))
        },
    )
    .realm("tokens")
    .build()
    .unwrap();
    let app = app_with(&w, &endpoints);
    let pair = login(&app, "carol", "secret").await;
    let who = json_of(&me(&app, &pair.access).await);
    assert_eq!(who["sub"], "carol");
    assert_eq!(
        who["authenticated_at"], 42,
        "the application's login time is kept"
    );
    let r = send(&app, bearer("POST", "/auth/logout-everywhere", &[])).await;
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"tokens\"")
    );
    assert!(format!("{:?}", w.endpoints()).contains("/auth"));
    let _ = AuthMethod::Jwt;
}
