//! The shared revocation list under attack and over time (security review, issue 9):
//! - nobody can grow it without a session (findings 1);
//! - it remembers a revocation until every credential it affects has expired: refresh families
//!   and access tokens minted from a session outlive the session (finding 2);
//! - a list that cannot vouch for its answers fails closed (finding 4).

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use auth_core::{
    Clock, Error, ErrorKind, ManualClock, MemoryStore, Revocation, RevocationProbe, Revocations,
    SessionId, SessionKey,
};
use auth_tower::auth_jwt::{
    Algorithm, ErrorKind as JwtErrorKind, Issuer, Key, MemoryRefreshStore, RefreshTokens,
    SharedKeySet, Verifier,
};
use auth_tower::{HybridLayer, Identity, JwtLayer, Session, SessionError, SessionLayer};
use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};
use common::{get as get_req, post as post_req, send};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::broadcast;

const HOUR: Duration = Duration::from_secs(3600);

/// A revocation list that can be made to say "I cannot vouch for my answers", as a feed out of
/// sync for too long does.
#[derive(Debug, Clone)]
struct Stale {
    inner: MemoryStore,
    stale: Arc<AtomicBool>,
}

#[async_trait]
impl Revocations for Stale {
    async fn revoke(&self, revocation: Revocation) -> Result<(), Error> {
        self.inner.revoke(revocation).await
    }
    fn is_revoked(&self, probe: &RevocationProbe<'_>) -> Result<bool, Error> {
        if self.stale.load(Ordering::SeqCst) {
            return Err(Error::unavailable("the revocation feed is out of sync"));
        }
        self.inner.is_revoked(probe)
    }
    fn horizon(&self) -> Duration {
        self.inner.horizon()
    }
    fn subscribe(&self) -> broadcast::Receiver<Revocation> {
        self.inner.subscribe()
    }
}

struct World {
    clock: Arc<ManualClock>,
    store: MemoryStore,
    stale: Arc<AtomicBool>,
    issuer: Issuer,
    verifier: Verifier,
    tokens: RefreshTokens,
    app: Router,
}

/// Sessions of `absolute` lifetime and access tokens of `ttl`, all on one memory store that is
/// also the revocation list (behind the `Stale` switch).
fn world(absolute: Duration, ttl: Duration) -> World {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder().with_clock(clock.clone()).build();
    let stale = Arc::new(AtomicBool::new(false));
    let list: Arc<dyn Revocations> = Arc::new(Stale {
        inner: store.clone(),
        stale: stale.clone(),
    });
    let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap());
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .with_ttl(ttl)
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .with_revocations(list.clone())
        .with_clock(clock.clone())
        .with_cache_capacity(0)
        .build()
        .unwrap();
    let tokens = RefreshTokens::builder(
        issuer.clone(),
        Arc::new(MemoryRefreshStore::new()),
        list.clone(),
        &[9; 32],
    )
    .with_clock(clock.clone())
    .build()
    .unwrap();
    let sessions = SessionLayer::builder(store.clone())
        .with_clock(clock.clone())
        .with_insecure_dev_cookie()
        .with_idle_timeout(absolute.min(Duration::from_secs(30 * 60)))
        .with_absolute_timeout(absolute)
        .with_revocations(list)
        .build()
        .unwrap();
    let mint = {
        let (issuer, tokens) = (issuer.clone(), tokens.clone());
        move |session: Session| async move {
            let identity = session.identity().await?.expect("logged in");
            let access = issuer.issue(&identity).unwrap();
            let pair = tokens.start(&identity).await.unwrap();
            Ok::<_, SessionError>(format!("{} {}", access.as_str(), pair.refresh.as_str()))
        }
    };
    let app = Router::new()
        .route(
            "/login",
            post(|s: Session| async move {
                s.login(Identity::new("alice")).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        .route("/mint", post(mint))
        .route(
            "/logout",
            post(|s: Session| async move {
                s.logout().await?;
                Ok::<_, SessionError>("out")
            }),
        )
        .route(
            "/logout-everywhere",
            post(|s: Session| async move {
                Ok::<_, SessionError>(s.logout_everywhere().await?.to_string())
            }),
        )
        .route(
            "/revoke/{key}",
            post(|s: Session, Path(key): Path<String>| async move {
                let key = SessionKey::from_hex(&key).unwrap();
                Ok::<_, SessionError>(s.revoke(&key).await?.to_string())
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .layer(HybridLayer::new(
            sessions,
            JwtLayer::builder(verifier.clone())
                .with_anonymous_access()
                .build()
                .unwrap(),
        ));
    World {
        clock,
        store,
        stale,
        issuer,
        verifier,
        tokens,
        app,
    }
}

fn random_cookie() -> String {
    format!(
        "session={}",
        SessionId::generate().unwrap().expose_cookie_value()
    )
}

impl World {
    async fn login(&self) -> String {
        let r = send(&self.app, post_req("/login", None)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.cookie_pair()
    }

    /// An access token and a refresh token minted from the session behind `cookie`.
    async fn mint(&self, cookie: &str) -> (String, String) {
        let r = send(&self.app, post_req("/mint", Some(cookie))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (access, refresh) = r.body.split_once(' ').unwrap();
        (access.to_owned(), refresh.to_owned())
    }

    /// Move time on by `d`, then let the list forget what it may (any write prunes it).
    async fn advance_and_prune(&self, d: Duration) {
        self.clock.advance(d);
        self.store
            .revoke(Revocation::token("prune", self.clock.now()))
            .await
            .unwrap();
    }
}

// ---- finding 1: an anonymous request never grows the shared list ----

#[tokio::test]
async fn a_logout_flood_with_random_well_formed_cookies_publishes_nothing() {
    let w = world(12 * HOUR, Duration::from_secs(900));
    let mut feed = w.store.subscribe();
    for _ in 0..200 {
        let cookie = random_cookie();
        let r = send(&w.app, post_req("/logout", Some(&cookie))).await;
        assert_eq!(r.status, 200);
        let key = SessionId::parse(cookie.trim_start_matches("session="))
            .unwrap()
            .key();
        let probe = RevocationProbe {
            session: Some(&key),
            ..Default::default()
        };
        assert!(
            !w.store.is_revoked(&probe).unwrap(),
            "a made-up session was revoked"
        );
    }
    assert!(
        matches!(feed.try_recv(), Err(broadcast::error::TryRecvError::Empty)),
        "an anonymous logout published a revocation"
    );
    // A real session's logout still publishes.
    let cookie = w.login().await;
    send(&w.app, post_req("/logout", Some(&cookie))).await;
    assert!(feed.try_recv().is_ok(), "a real logout is published");
}

#[tokio::test]
async fn anonymous_logout_everywhere_and_revoking_unknown_keys_publish_nothing() {
    let w = world(12 * HOUR, Duration::from_secs(900));
    let mut feed = w.store.subscribe();
    let r = send(
        &w.app,
        post_req("/logout-everywhere", Some(&random_cookie())),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "0"));
    let cookie = w.login().await;
    let unknown = SessionId::generate().unwrap().key().to_hex();
    let r = send(
        &w.app,
        post_req(&format!("/revoke/{unknown}"), Some(&cookie)),
    )
    .await;
    assert_eq!((r.status, r.body.as_str()), (200, "false"));
    assert!(
        matches!(feed.try_recv(), Err(broadcast::error::TryRecvError::Empty)),
        "published for a session that did not exist"
    );
}

// ---- finding 2: a revocation outlives the session it ends ----

#[tokio::test]
async fn a_session_logout_still_revokes_its_refresh_family_after_the_absolute_timeout() {
    let w = world(12 * HOUR, Duration::from_secs(900));
    let cookie = w.login().await;
    let (_, refresh) = w.mint(&cookie).await;
    send(&w.app, post_req("/logout", Some(&cookie))).await;
    // Past the session's 12 h, the old retention; the family lives 30 days.
    w.advance_and_prune(13 * HOUR).await;
    let err = w
        .tokens
        .refresh(&refresh)
        .await
        .expect_err("revoked family refreshed");
    assert_eq!(err.kind(), JwtErrorKind::Revoked);
}

#[tokio::test]
async fn logout_everywhere_still_revokes_refresh_families_after_the_absolute_timeout() {
    let w = world(12 * HOUR, Duration::from_secs(900));
    let cookie = w.login().await;
    let (_, refresh) = w.mint(&cookie).await;
    w.clock.advance(Duration::from_secs(1));
    let r = send(&w.app, post_req("/logout-everywhere", Some(&cookie))).await;
    assert_eq!((r.status, r.body.as_str()), (200, "1"));
    w.advance_and_prune(13 * HOUR).await;
    let err = w
        .tokens
        .refresh(&refresh)
        .await
        .expect_err("watermark forgotten");
    assert_eq!(err.kind(), JwtErrorKind::Revoked);
}

#[tokio::test]
async fn a_session_logout_kills_an_access_token_that_outlives_the_session() {
    // Sessions of 1 h, access tokens of 2 h.
    let w = world(HOUR, 2 * HOUR);
    let cookie = w.login().await;
    let (access, _) = w.mint(&cookie).await;
    send(&w.app, post_req("/logout", Some(&cookie))).await;
    w.advance_and_prune(HOUR + HOUR / 2).await;
    let err = w
        .verifier
        .verify_sync(&access)
        .expect_err("token outlived its revocation");
    assert_eq!(err.kind(), JwtErrorKind::Revoked);
    // And through the layer: the bearer request is refused, not served.
    let r = send(
        &w.app,
        http::Request::get("/me")
            .header("authorization", format!("Bearer {access}"))
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 401);
}

#[test]
fn components_refuse_a_list_whose_horizon_is_shorter_than_what_they_guard() {
    let list = MemoryStore::builder().with_revocation_horizon(HOUR).build();
    let err = SessionLayer::builder(MemoryStore::new())
        .with_revocations(list.clone())
        .build()
        .expect_err("12 h sessions on a 1 h list");
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains("revocation list"), "{err}");

    let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap());
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let shared: Arc<dyn Revocations> = Arc::new(list);
    let err = RefreshTokens::builder(
        issuer,
        Arc::new(MemoryRefreshStore::new()),
        shared.clone(),
        &[9; 32],
    )
    .build()
    .expect_err("30-day families on a 1 h list");
    assert_eq!(err.kind(), JwtErrorKind::Config);

    let err = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .with_revocations(shared)
        .with_max_age(2 * HOUR)
        .build()
        .expect_err("2 h tokens on a 1 h list");
    assert_eq!(err.kind(), JwtErrorKind::Config);
}

#[test]
fn a_token_that_outlives_the_horizon_is_refused() {
    let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap());
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .with_ttl(2 * HOUR)
        .build()
        .unwrap();
    let list: Arc<dyn Revocations> =
        Arc::new(MemoryStore::builder().with_revocation_horizon(HOUR).build());
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .with_revocations(list)
        .build()
        .unwrap();
    let token = issuer.issue(&Identity::new("alice")).unwrap();
    let err = verifier
        .verify_sync(token.as_str())
        .expect_err("a 2 h token on a 1 h list");
    assert_eq!(err.kind(), JwtErrorKind::InvalidClaim);
}

// ---- finding 4: a list that cannot vouch for its answers fails closed ----

#[tokio::test]
async fn a_stale_revocation_list_fails_closed_for_cookies_and_tokens() {
    let w = world(12 * HOUR, Duration::from_secs(900));
    let cookie = w.login().await;
    let token = w.issuer.issue(&Identity::new("alice")).unwrap();
    let bearer = || {
        http::Request::get("/me")
            .header("authorization", format!("Bearer {}", token.as_str()))
            .body(axum::body::Body::empty())
            .unwrap()
    };
    assert_eq!(
        send(&w.app, get_req("/me", Some(&cookie))).await.status,
        200
    );
    assert_eq!(send(&w.app, bearer()).await.status, 200);

    w.stale.store(true, Ordering::SeqCst);
    let r = send(&w.app, get_req("/me", Some(&cookie))).await;
    assert_eq!(
        r.status, 503,
        "cookie session served from a stale list: {}",
        r.body
    );
    let r = send(&w.app, bearer()).await;
    assert_eq!(
        r.status, 503,
        "bearer token served from a stale list: {}",
        r.body
    );
    let err = w
        .tokens
        .refresh("not-even-a-token")
        .await
        .expect_err("invalid");
    assert_eq!(err.kind(), JwtErrorKind::RefreshTokenInvalid);

    w.stale.store(false, Ordering::SeqCst);
    assert_eq!(
        send(&w.app, get_req("/me", Some(&cookie))).await.status,
        200
    );
    assert_eq!(send(&w.app, bearer()).await.status, 200);
}
