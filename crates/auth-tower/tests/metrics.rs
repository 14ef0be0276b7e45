//! `auth_tower_decisions_total{layer, outcome}` and `auth_tower_logins_throttled_total`: each
//! layer counts what it decided (accepted, anonymous, each kind of refusal) under its own
//! `layer` label, recorded into a `DebuggingRecorder` installed for this thread only (the
//! tests run on tokio's current-thread runtime, so the layers record on the test's thread).

#![cfg(all(feature = "jwt", feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::metrics::{DECISIONS_TOTAL, LOGINS_THROTTLED_TOTAL};
use auth_core::{Clock, MemoryStore, Revocation, Revocations, SystemClock};
use auth_tower::auth_jwt::{Issuer, Verifier};
use auth_tower::throttle::{LoginThrottle, MemoryThrottle, ThrottlePolicy};
use auth_tower::{
    HybridLayer, Identity, JwtLayer, Rejection, RejectionKind, RequireAuth, Session, SessionError,
    SessionLayer,
};
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use common::{ProbeStore, get as get_req, post as post_req, send};
use http::Request;
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use metrics_util::{CompositeKey, MetricKind};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// A recorder for this thread, and the counts it has seen (a snapshot takes the counters'
/// values, so they are added up here).
struct Counted {
    snapshotter: Snapshotter,
    totals: RefCell<BTreeMap<(String, String), u64>>,
    _guard: metrics::LocalRecorderGuard<'static>,
}

impl Counted {
    fn start() -> Self {
        // Leaked so the guard may live as long as the test: a few bytes per test.
        let recorder: &'static DebuggingRecorder = Box::leak(Box::new(DebuggingRecorder::new()));
        Self {
            snapshotter: recorder.snapshotter(),
            totals: RefCell::default(),
            _guard: metrics::set_default_local_recorder(recorder),
        }
    }

    /// Every counter of `name` counted so far, as (labels, total), labels as `k=v` joined by
    /// `,`.
    fn counters(&self, name: &str) -> Vec<(String, u64)> {
        let mut totals = self.totals.borrow_mut();
        for (key, _, _, value) in self.snapshotter.snapshot().into_vec() {
            let key: CompositeKey = key;
            if let (MetricKind::Counter, DebugValue::Counter(n)) = (key.kind(), value) {
                let labels: Vec<String> = key
                    .key()
                    .labels()
                    .map(|l| format!("{}={}", l.key(), l.value()))
                    .collect();
                *totals
                    .entry((key.key().name().to_owned(), labels.join(",")))
                    .or_default() += n;
            }
        }
        totals
            .iter()
            .filter(|((n, _), total)| n == name && **total > 0)
            .map(|((_, labels), total)| (labels.clone(), *total))
            .collect()
    }

    /// The decisions counted, as `layer/outcome` => count.
    fn decisions(&self) -> Vec<(String, u64)> {
        self.counters(DECISIONS_TOTAL)
            .into_iter()
            .map(|(labels, n)| {
                let labels = labels.replace("layer=", "").replace(",outcome=", "/");
                (labels, n)
            })
            .collect()
    }
}

#[track_caller]
fn assert_decisions(counted: &Counted, expected: &[(&str, u64)]) {
    let mut expected: Vec<(String, u64)> = expected
        .iter()
        .map(|(k, n)| ((*k).to_owned(), *n))
        .collect();
    expected.sort();
    assert_eq!(counted.decisions(), expected);
}

struct Keys {
    issuer: Issuer,
    verifier: Verifier,
    revocations: MemoryStore,
}

fn keys() -> Keys {
    let revocations = MemoryStore::new();
    let (issuer, verifier) = common::hs256_issuer_and_verifier(revocations.clone());
    Keys {
        issuer,
        verifier,
        revocations,
    }
}

fn bearer(path: &str, tokens: &[&str]) -> Request<Body> {
    let mut b = Request::get(path);
    for t in tokens {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Body::empty()).unwrap()
}

fn api() -> Router {
    Router::new()
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .route(
            "/maybe",
            get(|who: Option<Identity>| async move {
                format!("{:?}", who.map(|w| w.subject().to_owned()))
            }),
        )
}

#[tokio::test]
async fn the_jwt_layer_counts_accepted_anonymous_and_each_refusal() {
    let counted = Counted::start();
    let k = keys();
    let required = api().layer(JwtLayer::new(k.verifier.clone()));
    let optional = api().layer(
        JwtLayer::builder(k.verifier.clone())
            .with_anonymous_access()
            .build()
            .unwrap(),
    );
    let alice = k.issuer.issue(&Identity::new("alice")).unwrap();
    assert_eq!(
        send(&required, bearer("/me", &[alice.as_str()]))
            .await
            .status,
        200
    );
    assert_eq!(send(&required, bearer("/me", &[])).await.status, 401);
    assert_eq!(
        send(&required, bearer("/me", &["not-a-jwt"])).await.status,
        401
    );
    assert_eq!(
        send(&required, bearer("/me", &[alice.as_str(), alice.as_str()]))
            .await
            .status,
        400
    );
    assert_eq!(send(&optional, bearer("/maybe", &[])).await.status, 200);
    // A revoked token: refused, also when it sits in the verified-token cache.
    let mallory = k.issuer.issue(&Identity::new("mallory")).unwrap();
    assert_eq!(
        send(&required, bearer("/me", &[mallory.as_str()]))
            .await
            .status,
        200
    );
    let later = SystemClock.now().saturating_add(Duration::from_secs(60));
    k.revocations
        .revoke(Revocation::subject_before("mallory", later, later))
        .await
        .unwrap();
    assert_eq!(
        send(&required, bearer("/me", &[mallory.as_str()]))
            .await
            .status,
        401
    );
    assert_decisions(
        &counted,
        &[
            ("jwt/accepted", 2),
            ("jwt/unauthenticated", 1),
            ("jwt/invalid_token", 2),
            ("jwt/invalid_request", 1),
            ("jwt/anonymous", 1),
        ],
    );
}

fn session_routes() -> Router {
    api()
        .route(
            "/login/{user}",
            post(
                |s: Session, axum::extract::Path(user): axum::extract::Path<String>| async move {
                    s.login(Identity::new(user)).await?;
                    Ok::<_, SessionError>("in")
                },
            ),
        )
        .route("/untouched", get(|| async { "hi" }))
        .route(
            "/refuse",
            get(|| async { Err::<(), _>(Rejection::new(RejectionKind::Forbidden, "not today")) }),
        )
}

#[tokio::test]
async fn the_session_layer_counts_when_the_session_is_first_read() {
    let counted = Counted::start();
    let store = ProbeStore::new(MemoryStore::new());
    let app = session_routes().layer(
        SessionLayer::builder(store.clone())
            .with_insecure_dev_cookie()
            .build()
            .unwrap(),
    );
    // Nobody asks: no decision.
    assert_eq!(send(&app, get_req("/untouched", None)).await.status, 200);
    assert_decisions(&counted, &[]);

    // A login reads the (absent) session first: anonymous; then the new session is accepted.
    let login = send(&app, post_req("/login/alice", None)).await;
    assert_eq!(login.status, 200);
    let cookie = login.cookie_pair();
    assert_eq!(send(&app, get_req("/me", Some(&cookie))).await.status, 200);
    // No session, and the `Identity` extractor refuses: anonymous, then the extractor's 401.
    assert_eq!(send(&app, get_req("/me", None)).await.status, 401);
    // A cross-site request, refused by the layer itself.
    let cross = Request::post("/login/alice")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, cross).await.status, 403);
    // A handler's own refusal.
    assert_eq!(send(&app, get_req("/refuse", None)).await.status, 403);
    // The store is down: the extractor answers 503.
    store.set_down(true);
    assert_eq!(send(&app, get_req("/me", Some(&cookie))).await.status, 503);
    assert_decisions(
        &counted,
        &[
            ("session/anonymous", 2),
            ("session/accepted", 1),
            ("session/forbidden", 1),
            ("extractor/unauthenticated", 1),
            ("extractor/unavailable", 1),
            ("handler/forbidden", 1),
        ],
    );
}

#[tokio::test]
async fn the_hybrid_layer_counts_both_paths_as_hybrid() {
    let counted = Counted::start();
    let k = keys();
    let app = session_routes().layer(HybridLayer::new(
        SessionLayer::builder(MemoryStore::new())
            .with_insecure_dev_cookie()
            .build()
            .unwrap(),
        JwtLayer::new(k.verifier.clone()),
    ));
    let alice = k.issuer.issue(&Identity::new("alice")).unwrap();
    assert_eq!(
        send(&app, bearer("/me", &[alice.as_str()])).await.status,
        200
    );
    assert_eq!(send(&app, bearer("/me", &["not-a-jwt"])).await.status, 401);
    let cookie = send(&app, post_req("/login/bob", None)).await.cookie_pair();
    assert_eq!(send(&app, get_req("/me", Some(&cookie))).await.status, 200);
    assert_eq!(send(&app, get_req("/maybe", None)).await.status, 200);
    assert_decisions(
        &counted,
        &[
            ("hybrid/accepted", 2),
            ("hybrid/invalid_token", 1),
            ("hybrid/anonymous", 2),
        ],
    );
}

#[tokio::test]
async fn a_guard_counts_what_it_admits_and_refuses() {
    let counted = Counted::start();
    let k = keys();
    let app = Router::new()
        .route("/reports", get(|| async { "reports" }))
        .route_layer(RequireAuth::identity().with_scope("reports:read"))
        .layer(
            JwtLayer::builder(k.verifier.clone())
                .with_anonymous_access()
                .build()
                .unwrap(),
        );
    let reader = k
        .issuer
        .issue(&Identity::new("alice").with_scope("reports:read"))
        .unwrap();
    let other = k.issuer.issue(&Identity::new("bob")).unwrap();
    assert_eq!(
        send(&app, bearer("/reports", &[reader.as_str()]))
            .await
            .status,
        200
    );
    assert_eq!(
        send(&app, bearer("/reports", &[other.as_str()]))
            .await
            .status,
        403
    );
    assert_eq!(send(&app, bearer("/reports", &[])).await.status, 401);
    assert_decisions(
        &counted,
        &[
            ("jwt/accepted", 2),
            ("jwt/anonymous", 1),
            ("guard/accepted", 1),
            ("guard/insufficient_scope", 1),
            ("guard/unauthenticated", 1),
        ],
    );
}

#[tokio::test]
async fn a_throttled_login_is_counted_by_the_limit_that_refused() {
    let counted = Counted::start();
    let throttle = LoginThrottle::builder()
        .with_store(Arc::new(MemoryThrottle::new()))
        .with_account_policy(ThrottlePolicy::per_account().with_free_failures(0))
        .build()
        .unwrap();
    let attempt = throttle.begin(None, "alice").await.unwrap();
    attempt.failed().await;
    let refusal = throttle.begin(None, "alice").await.unwrap_err();
    assert_eq!(refusal.kind(), RejectionKind::TooManyRequests);
    assert_eq!(
        counted.counters(LOGINS_THROTTLED_TOTAL),
        [("key=account".to_owned(), 1)]
    );
    // Rendered by the handler that got it.
    let _: http::Response<String> = refusal.render(auth_tower::rejection::Protocol::Http, "app");
    assert_decisions(&counted, &[("handler/too_many_requests", 1)]);
}

#[cfg(feature = "tonic")]
#[test]
fn a_refusal_as_a_grpc_status_is_counted_under_grpc() {
    let counted = Counted::start();
    let status = tonic::Status::from(Rejection::new(
        RejectionKind::InsufficientScope,
        "requires the scope \"admin\"",
    ));
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert_decisions(&counted, &[("grpc/insufficient_scope", 1)]);
}
