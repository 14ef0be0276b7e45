//! The world the tests run in: stores that can be switched to failing, the users, an app
//! with the endpoints beside a `JwtLayer`-protected `/api/me`, and request helpers.

use crate::common::{Reply, send};
use async_trait::async_trait;
use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_core::{Error, ManualClock, MemoryStore, Revocation, RevocationProbe, Timestamp};
use auth_tower::auth_jwt::{
    Algorithm, Issuer, Key, MemoryRefreshStore, RefreshTokens, SharedKeySet, Verifier,
};
use auth_tower::store::Revocations;
use auth_tower::tokens::{CheckCredentials, LoginAttempt, TokenEndpoints, TokenEndpointsBuilder};
use auth_tower::{Identity, JwtLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use http::Request;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

pub(crate) const SECRET: &[u8] = b"refresh-secret-refresh-secret-32";

/// A store (refresh families, revocations) that can be switched to failing.
#[derive(Debug, Clone)]
pub(crate) struct Switch<S> {
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
    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        self.inner.is_revoked(probe)
    }
    fn horizon(&self) -> std::time::Duration {
        self.inner.horizon()
    }
    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.inner.subscribe()
    }
}

/// The application's users, as a type (the other tests use a closure).
pub(crate) struct Users {
    down: Arc<AtomicBool>,
}

impl CheckCredentials for Users {
    type Error = std::io::Error;

    async fn check(&self, login: LoginAttempt) -> Result<Option<Identity>, std::io::Error> {
        if self.down.load(Ordering::SeqCst) {
            return Err(std::io::Error::other("user database unreachable"));
        }
        Ok(match (login.username(), login.password()) {
            ("alice", "wonderland") => Some(Identity::new("alice").with_scope("reports:read")),
            ("bob", "builder") => Some(Identity::new("bob")),
            _ => None,
        })
    }
}

pub(crate) struct World {
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) keys: SharedKeySet,
    pub(crate) verifier: Verifier,
    pub(crate) tokens: RefreshTokens,
    pub(crate) stores_down: Arc<AtomicBool>,
    pub(crate) users_down: Arc<AtomicBool>,
}

pub(crate) fn world() -> World {
    let clock = Arc::new(ManualClock::new());
    let stores_down = Arc::new(AtomicBool::new(false));
    let revocations: Arc<dyn Revocations> = Arc::new(Switch {
        inner: MemoryStore::builder().with_clock(clock.clone()).build(),
        down: stores_down.clone(),
    });
    let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256).unwrap());
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .with_clock(clock.clone())
        .with_revocations(revocations.clone())
        .build()
        .unwrap();
    let families = Arc::new(Switch {
        inner: MemoryRefreshStore::new(),
        down: stores_down.clone(),
    });
    let tokens = RefreshTokens::builder(issuer, families, revocations, SECRET)
        .with_clock(clock.clone())
        .with_grace(Duration::ZERO)
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
    pub(crate) fn endpoints(&self) -> TokenEndpointsBuilder {
        TokenEndpoints::builder(
            self.tokens.clone(),
            Users {
                down: self.users_down.clone(),
            },
        )
        .with_verifier(self.verifier.clone())
        .with_clock(self.clock.clone())
    }

    pub(crate) fn app(&self) -> Router {
        app_with(self, &self.endpoints().build().unwrap())
    }
}

pub(crate) fn app_with(w: &World, endpoints: &TokenEndpoints) -> Router {
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

pub(crate) fn post_json(path: &str, body: &Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub(crate) fn post_raw(
    path: &str,
    content_type: Option<&str>,
    body: impl Into<Body>,
) -> Request<Body> {
    let mut b = Request::post(path);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(body.into()).unwrap()
}

pub(crate) fn bearer(method: &str, path: &str, tokens: &[&str]) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    for t in tokens {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

pub(crate) fn json_of(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {:?}", r.body))
}

/// A 400/503 with the RFC 6749 §5.2 body, never cached.
#[track_caller]
pub(crate) fn assert_oauth_error(r: &Reply, status: u16, error: &str) {
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

pub(crate) struct Pair {
    pub(crate) access: String,
    pub(crate) refresh: String,
}

#[track_caller]
pub(crate) fn pair_of(r: &Reply) -> Pair {
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

pub(crate) async fn login(app: &Router, user: &str, password: &str) -> Pair {
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

pub(crate) async fn me(app: &Router, access: &str) -> Reply {
    send(app, bearer("GET", "/api/me", &[access])).await
}

pub(crate) async fn refresh(app: &Router, refresh: &str) -> Reply {
    send(
        app,
        post_json("/auth/refresh", &json!({"refresh_token": refresh})),
    )
    .await
}
