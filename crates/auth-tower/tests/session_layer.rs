//! SessionLayer behaviour through an axum router (in process, no network).

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{ManualClock, MemoryStore, SessionId};
use auth_tower::{Identity, Session, SessionError, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::{get, post};
use common::{ProbeStore, get as get_req, post as post_req, send};
use http::Request;
use std::sync::Arc;
use std::time::Duration;

type Probe = Arc<ProbeStore<MemoryStore>>;

fn app_with(store: Probe, clock: Arc<ManualClock>, secure: bool) -> Router {
    // These tests follow anonymous sessions through the idle and absolute timeouts: give them
    // the full idle timeout (session_anonymous.rs covers the short anonymous one).
    let mut b = SessionLayer::builder(store)
        .with_clock(clock)
        .with_anonymous_idle_timeout(Duration::from_secs(30 * 60));
    if !secure {
        b = b.with_insecure_dev_cookie();
    }
    routes().layer(b.build().unwrap())
}

fn routes() -> Router {
    Router::new()
        .route("/untouched", get(|| async { "hi" }))
        .route(
            "/count",
            get(|s: Session| async move {
                let n = s.get::<u32>("n").await?.unwrap_or(0) + 1;
                s.insert("n", n).await?;
                Ok::<_, SessionError>(n.to_string())
            }),
        )
        .route(
            "/read",
            get(|s: Session| async move {
                Ok::<_, SessionError>(format!("{:?}", s.get::<u32>("n").await?))
            }),
        )
        .route(
            "/set/{name}",
            post(
                |s: Session, axum::extract::Path(name): axum::extract::Path<String>| async move {
                    s.insert(&name, true).await?;
                    Ok::<_, SessionError>("ok")
                },
            ),
        )
        .route(
            "/login/{user}",
            post(
                |s: Session, axum::extract::Path(user): axum::extract::Path<String>| async move {
                    s.login(Identity::new(user).with_role("user")).await?;
                    Ok::<_, SessionError>("in")
                },
            ),
        )
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
            "/key",
            get(|s: Session| async move {
                Ok::<_, SessionError>(s.key().await?.map(|k| k.to_hex()).unwrap_or_default())
            }),
        )
        .route(
            "/me",
            get(|who: Identity| async move { who.subject().to_owned() }),
        )
        .route(
            "/all",
            get(|s: Session| async move {
                let mut n = 0;
                for i in 0..32 {
                    if s.get::<bool>(&format!("f{i}")).await?.unwrap_or(false) {
                        n += 1;
                    }
                }
                Ok::<_, SessionError>(n.to_string())
            }),
        )
        .route(
            "/maybe",
            get(|who: Option<Identity>| async move {
                who.map_or("anonymous".to_owned(), |w| w.subject().to_owned())
            }),
        )
}

fn setup() -> (Probe, Arc<ManualClock>, Router) {
    let clock = Arc::new(ManualClock::new());
    let store = ProbeStore::new(MemoryStore::builder().with_clock(clock.clone()).build());
    let app = app_with(store.clone(), clock.clone(), true);
    (store, clock, app)
}

#[tokio::test]
async fn no_cookie_and_no_use_means_no_store_call_and_no_cookie() {
    let (store, _, app) = setup();
    let r = send(&app, get_req("/untouched", None)).await;
    assert_eq!(r.status, 200);
    assert!(r.set_cookies().is_empty());
    assert_eq!(store.calls(), 0);
    // A handler that only reads an anonymous session: no store call either (no cookie).
    let r = send(&app, get_req("/read", None)).await;
    assert_eq!(r.body, "None");
    assert_eq!(store.calls(), 0);
    assert!(r.set_cookies().is_empty(), "reading creates nothing");
}

#[tokio::test]
async fn cookie_is_not_looked_up_until_the_handler_asks() {
    let (store, _, app) = setup();
    let r = send(&app, get_req("/count", None)).await;
    let cookie = r.cookie_pair();
    let before = store.calls();
    let r = send(&app, get_req("/untouched", Some(&cookie))).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        store.calls(),
        before,
        "a valid cookie on a route that ignores the session costs nothing"
    );
}

#[tokio::test]
async fn secure_cookie_attributes_are_exact() {
    let (_, _, app) = setup();
    let r = send(&app, get_req("/count", None)).await;
    let set = r.set_cookies();
    assert_eq!(set.len(), 1);
    let (pair, attrs) = set[0].split_once(';').unwrap();
    let (name, value) = pair.split_once('=').unwrap();
    assert_eq!(name, "__Host-session");
    assert!(
        SessionId::parse(value).is_ok(),
        "cookie value is a 43-char base64url id"
    );
    assert_eq!(attrs, " HttpOnly; SameSite=Lax; Secure; Path=/");
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn counter_persists_and_read_only_requests_write_nothing() {
    let (store, _, app) = setup();
    let r = send(&app, get_req("/count", None)).await;
    assert_eq!(r.body, "1");
    let cookie = r.cookie_pair();
    let r = send(&app, get_req("/count", Some(&cookie))).await;
    assert_eq!(r.body, "2");
    assert!(
        r.set_cookies().is_empty(),
        "an existing session does not resend its cookie"
    );
    // It read a live session: its answer is that user's, never cached (tests/private_responses.rs).
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let writes = store.writes();
    let r = send(&app, get_req("/read", Some(&cookie))).await;
    assert_eq!(r.body, "Some(2)");
    assert_eq!(
        store.writes(),
        writes,
        "read-only request inside the touch interval writes nothing"
    );
}

#[tokio::test]
async fn touch_is_throttled_and_idle_expiry_ends_the_session() {
    let (store, clock, app) = setup();
    let cookie = send(&app, get_req("/count", None)).await.cookie_pair();
    let writes = store.writes();
    clock.advance(Duration::from_secs(30));
    send(&app, get_req("/read", Some(&cookie))).await;
    assert_eq!(store.writes(), writes, "no touch inside the interval");
    clock.advance(Duration::from_secs(31));
    send(&app, get_req("/read", Some(&cookie))).await;
    assert_eq!(
        store.writes(),
        writes + 1,
        "one touch once the interval passed"
    );
    // Kept alive by the touch past the original idle expiry.
    clock.advance(Duration::from_secs(29 * 60));
    assert_eq!(
        send(&app, get_req("/read", Some(&cookie))).await.body,
        "Some(1)"
    );
    clock.advance(Duration::from_secs(30 * 60));
    let r = send(&app, get_req("/read", Some(&cookie))).await;
    assert_eq!(r.body, "None", "idle timeout ended it");
    assert!(
        r.set_cookies().is_empty(),
        "a dead cookie is left alone, never cleared or adopted"
    );
    let r = send(&app, get_req("/count", Some(&cookie))).await;
    assert_eq!(r.body, "1", "writing starts a new session");
    assert_ne!(r.cookie_pair(), cookie);
}

#[tokio::test]
async fn absolute_timeout_ends_even_an_active_session() {
    let clock = Arc::new(ManualClock::new());
    let store = ProbeStore::new(MemoryStore::builder().with_clock(clock.clone()).build());
    let layer = SessionLayer::builder(store)
        .with_clock(clock.clone())
        .with_idle_timeout(Duration::from_secs(600))
        .with_anonymous_idle_timeout(Duration::from_secs(600))
        .with_absolute_timeout(Duration::from_secs(1800))
        .build()
        .unwrap();
    let app = routes().layer(layer);
    let cookie = send(&app, get_req("/count", None)).await.cookie_pair();
    for _ in 0..5 {
        clock.advance(Duration::from_secs(300));
        assert_ne!(send(&app, get_req("/count", Some(&cookie))).await.body, "1");
    }
    clock.advance(Duration::from_secs(300));
    assert_eq!(
        send(&app, get_req("/count", Some(&cookie))).await.body,
        "1",
        "a new session after 30 min"
    );
}

#[tokio::test]
async fn login_rotates_the_id_and_keeps_the_data() {
    let (_, _, app) = setup();
    let anon = send(&app, get_req("/count", None)).await.cookie_pair();
    let r = send(&app, post_req("/login/alice", Some(&anon))).await;
    assert_eq!(r.status, 200);
    let authed = r.cookie_pair();
    assert_ne!(authed, anon, "session id changes at login");
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        send(&app, get_req("/me", Some(&authed))).await.body,
        "alice"
    );
    assert_eq!(
        send(&app, get_req("/read", Some(&authed))).await.body,
        "Some(1)",
        "data kept"
    );
    // The pre-login id is dead: presenting it is anonymous, and it is cleared.
    let r = send(&app, get_req("/maybe", Some(&anon))).await;
    assert_eq!(r.body, "anonymous");
    assert!(r.set_cookies().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_racing_a_login_never_clears_the_new_cookie() {
    // Request A (old cookie) loads the session and is held; request B logs in, rotating the
    // id; A then writes. A's save finds its session gone: its changes are dropped, and its
    // response must not carry a Set-Cookie that would delete B's new cookie in the browser.
    let clock = Arc::new(ManualClock::new());
    let store = ProbeStore::new(MemoryStore::builder().with_clock(clock.clone()).build());
    let loaded = Arc::new(tokio::sync::Notify::new());
    let release = Arc::new(tokio::sync::Notify::new());
    let layer = SessionLayer::builder(store)
        .with_clock(clock)
        .build()
        .unwrap();
    let (l, r) = (loaded.clone(), release.clone());
    let app = routes()
        .route(
            "/slow-write",
            get(move |s: Session| {
                let (loaded, release) = (l.clone(), r.clone());
                async move {
                    s.get::<u32>("n").await?;
                    loaded.notify_one();
                    release.notified().await;
                    s.insert("late", true).await?;
                    Ok::<_, SessionError>("slow")
                }
            }),
        )
        .layer(layer);
    let old = send(&app, get_req("/count", None)).await.cookie_pair();
    let slow = {
        let (app, old) = (app.clone(), old.clone());
        tokio::spawn(async move { send(&app, get_req("/slow-write", Some(&old))).await })
    };
    loaded.notified().await;
    let new = send(&app, post_req("/login/alice", Some(&old)))
        .await
        .cookie_pair();
    release.notify_one();
    let r = slow.await.unwrap();
    assert_eq!(r.status, 200);
    assert!(
        r.set_cookies().is_empty(),
        "the racing response leaves the cookie alone: {:?}",
        r.set_cookies()
    );
    assert_eq!(send(&app, get_req("/me", Some(&new))).await.body, "alice");
    assert_eq!(
        send(&app, get_req("/read", Some(&new))).await.body,
        "Some(1)"
    );
}

#[tokio::test]
async fn logging_in_as_someone_else_starts_empty() {
    let (_, _, app) = setup();
    let cookie = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let cookie = {
        let r = send(&app, get_req("/count", Some(&cookie))).await;
        assert!(r.set_cookies().is_empty());
        cookie
    };
    let bob = send(&app, post_req("/login/bob", Some(&cookie)))
        .await
        .cookie_pair();
    assert_eq!(
        send(&app, get_req("/read", Some(&bob))).await.body,
        "None",
        "alice's data did not carry over"
    );
    assert_eq!(
        send(&app, get_req("/maybe", Some(&cookie))).await.body,
        "anonymous"
    );
}

#[tokio::test]
async fn logout_deletes_and_clears_with_the_same_attributes() {
    let (_, _, app) = setup();
    let cookie = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let r = send(&app, post_req("/logout", Some(&cookie))).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.set_cookies(),
        vec!["__Host-session=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0".to_owned()]
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let r = send(&app, get_req("/me", Some(&cookie))).await;
    assert_eq!(r.status, 401, "old cookie is anonymous after logout");
    assert_eq!(
        r.header("www-authenticate"),
        None,
        "no Bearer challenge from sessions"
    );
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_of_the_subject() {
    let (_, _, app) = setup();
    let a = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let b = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let other = send(&app, post_req("/login/bob", None)).await.cookie_pair();
    let r = send(&app, post_req("/logout-everywhere", Some(&a))).await;
    assert_eq!(r.body, "2");
    assert_eq!(
        send(&app, get_req("/maybe", Some(&b))).await.body,
        "anonymous"
    );
    assert_eq!(
        send(&app, get_req("/maybe", Some(&other))).await.body,
        "bob"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_changing_different_values_both_land() {
    // Every handler loads the session, then waits until all 32 have loaded the same version,
    // and only then returns: the 32 saves race with identical starting records. A
    // whole-record save would keep one field; field-level saves keep all 32.
    let clock = Arc::new(ManualClock::new());
    let store = ProbeStore::new(MemoryStore::builder().with_clock(clock.clone()).build());
    let barrier = Arc::new(tokio::sync::Barrier::new(32));
    let layer = SessionLayer::builder(store)
        .with_clock(clock)
        .build()
        .unwrap();
    let app = routes()
        .route(
            "/sync-set/{name}",
            post(
                move |s: Session, axum::extract::Path(name): axum::extract::Path<String>| {
                    let barrier = barrier.clone();
                    async move {
                        s.insert(&name, true).await?;
                        barrier.wait().await;
                        Ok::<_, SessionError>("ok")
                    }
                },
            ),
        )
        .layer(layer);
    let cookie = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let mut tasks = Vec::new();
    for i in 0..32 {
        let app = app.clone();
        let cookie = cookie.clone();
        tasks.push(tokio::spawn(async move {
            send(&app, post_req(&format!("/sync-set/f{i}"), Some(&cookie)))
                .await
                .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let r = send(&app, get_req("/all", Some(&cookie))).await;
    assert_eq!(r.body, "32", "every concurrent field-level save landed");
}

#[tokio::test]
async fn malformed_cookies_never_reach_the_store_nor_fail() {
    let (store, _, app) = setup();
    let long = "A".repeat(8000);
    let id = SessionId::generate().unwrap().expose_cookie_value();
    let cases = [
        "__Host-session=".to_owned(),
        "__Host-session=x".to_owned(),
        format!("__Host-session={long}"),
        format!("__Host-session={id}="),
        format!("__Host-session={}", &id[..42]),
        "__Host-session=%FF%FE%00".to_owned(),
        "__Host-session=\"quoted\"".to_owned(),
        "__Host-session=../../etc/passwd".to_owned(),
        "__Host-session=Ω≈ç√∫˜µ≤≥÷".to_owned(),
        "=;;;==;__Host-session".to_owned(),
    ];
    for cookie in &cases {
        let req = Request::get("/maybe")
            .header("cookie", cookie.as_bytes())
            .body(Body::empty())
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, 200, "cookie {cookie:?}");
        assert_eq!(r.body, "anonymous");
    }
    assert_eq!(store.calls(), 0, "no malformed cookie caused a store call");
    // A well-formed but unknown id is looked up once, never adopted.
    let r = send(
        &app,
        get_req("/count", Some(&format!("__Host-session={id}"))),
    )
    .await;
    assert_eq!(r.body, "1");
    assert_ne!(
        r.cookie_pair(),
        format!("__Host-session={id}"),
        "the client's id is never adopted"
    );
}

/// Security review 2, finding 7: one cookie that is not visible ASCII anywhere in the
/// `Cookie` header (`theme=café`, which a sibling subdomain or a same-site script can set)
/// made the whole header unreadable, and the logged-in user looked anonymous.
#[tokio::test]
async fn a_non_ascii_cookie_beside_the_session_does_not_log_the_user_out() {
    let (_, _, app) = setup();
    let r = send(&app, get_req("/count", None)).await;
    let pair = r.cookie_pair();
    for header in [
        format!("{pair}; theme=caf\u{e9}"),
        format!("theme=caf\u{e9}; {pair}"),
        format!("\u{1f36a}=1;{pair};x=\u{2603}"),
    ] {
        let req = Request::get("/count")
            .header("cookie", header.as_bytes())
            .body(Body::empty())
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, 200, "{header:?}");
        assert_ne!(r.body, "1", "the session was read through {header:?}");
    }
}

#[tokio::test]
async fn store_failure_fails_closed_with_503() {
    let (store, _, app) = setup();
    let cookie = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    store.set_down(true);
    for path in ["/me", "/maybe", "/count", "/read"] {
        let r = send(&app, get_req(path, Some(&cookie))).await;
        assert_eq!(r.status, 503, "{path}");
        assert_ne!(r.body, "alice");
    }
    let r = send(&app, post_req("/logout", Some(&cookie))).await;
    assert_eq!(
        r.status, 503,
        "a logout that could not happen must not look done"
    );
    // gRPC callers get a trailers-only UNAVAILABLE.
    let r = send(&app, common::grpc(get_req("/me", Some(&cookie)))).await;
    common::assert_grpc_refusal(&r, "14");
    // The same headers over HTTP/1.1 are not gRPC: a plain 503.
    let r = send(&app, common::fake_grpc_http1(get_req("/me", Some(&cookie)))).await;
    common::assert_http_refusal(&r, 503);
    store.set_down(false);
    assert_eq!(
        send(&app, get_req("/me", Some(&cookie))).await.body,
        "alice",
        "back when the store is"
    );
}

#[tokio::test]
async fn save_failure_after_the_handler_turns_the_response_into_503() {
    let (store, _, app) = setup();
    let cookie = send(&app, get_req("/count", None)).await.cookie_pair();
    store.set_writes_down(true);
    let r = send(&app, get_req("/count", Some(&cookie))).await;
    assert_eq!(
        r.status, 503,
        "the handler ran, but its change was not saved: not a 200"
    );
    assert!(r.set_cookies().is_empty());
    store.set_writes_down(false);
    assert_eq!(
        send(&app, get_req("/count", Some(&cookie))).await.body,
        "2",
        "the failed write did not land"
    );
    // A brand-new session that cannot be created is a 503 too, and sets no cookie.
    store.set_writes_down(true);
    let r = send(&app, get_req("/count", None)).await;
    assert_eq!(r.status, 503);
    assert!(r.set_cookies().is_empty());
}

#[tokio::test]
async fn cross_site_unsafe_requests_are_refused() {
    let (store, _, app) = setup();
    let req = Request::post("/login/alice")
        .header("origin", "https://evil.example")
        .header("host", "app.example")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("cross-site"));
    assert_eq!(store.calls(), 0);
    let req = Request::post("/login/alice")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.status, 403);
    let req = Request::post("/login/alice")
        .header("sec-fetch-site", "same-origin")
        .header("origin", "https://app.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.status, 200);
    let req = Request::post("/login/alice")
        .header("origin", "https://app.example")
        .header("host", "app.example")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.status, 200, "own origin");
}

/// Issue 9 finding 7: without `Sec-Fetch-Site` the `Origin` used to be compared by host only,
/// so `http://app.example` (any page on the plain-http origin, or a network attacker's
/// injection there) passed as the https app's own origin.
#[tokio::test]
async fn cross_site_origin_must_match_scheme_host_and_port() {
    let (_, _, app) = setup(); // Secure cookies: the app's own origin is https
    let post = |origin: &str, host: &str| {
        Request::post("/login/alice")
            .header("origin", origin)
            .header("host", host)
            .body(Body::empty())
            .unwrap()
    };
    let cases = [
        ("http://app.example", "app.example", 403),
        ("http://app.example:443", "app.example", 403),
        ("https://app.example:8443", "app.example", 403),
        ("https://app.example", "app.example:8443", 403),
        ("https://app.example.evil", "app.example", 403),
        ("https://app.example", "app.example", 200),
        ("https://APP.Example", "app.example", 200),
        ("https://app.example", "app.example:443", 200),
        ("https://app.example:8443", "APP.example:8443", 200),
    ];
    for (origin, host, status) in cases {
        let r = send(&app, post(origin, host)).await;
        assert_eq!(r.status, status, "Origin {origin}, Host {host}: {}", r.body);
    }
}

#[tokio::test]
async fn allowed_origins_match_with_default_ports_normalised() {
    let layer = SessionLayer::builder(MemoryStore::new())
        .with_allowed_origin("https://front.example:443")
        .with_allowed_origin("HTTP://Other.Example:80")
        .with_allowed_origin("https://[::1]:8443")
        .build()
        .unwrap();
    let app = routes().layer(layer);
    let post = |origin: &str, cross_site: bool| {
        let mut b = Request::post("/login/alice")
            .header("origin", origin)
            .header("host", "app.example");
        if cross_site {
            b = b.header("sec-fetch-site", "cross-site");
        }
        b.body(Body::empty()).unwrap()
    };
    let cases = [
        ("https://front.example", 200),
        ("https://FRONT.example", 200),
        ("http://other.example", 200),
        ("https://[::1]:8443", 200),
        ("http://front.example", 403),
        ("https://front.example:8443", 403),
        ("https://other.example", 403),
        ("https://[::1]", 403),
        ("null", 403),
    ];
    for (origin, status) in cases {
        for cross_site in [false, true] {
            let r = send(&app, post(origin, cross_site)).await;
            assert_eq!(
                r.status, status,
                "{origin} cross_site={cross_site}: {}",
                r.body
            );
        }
    }
}

#[test]
fn allowed_origins_that_can_never_match_are_refused_at_build_time() {
    for bad in [
        "https://front.example/",
        "https://front.example/app",
        "https://front.example?x=1",
        "https://front.example#top",
        "https://user:pass@front.example",
        "https://user@front.example",
        "*",
        "https://*.example.com",
        "ftp://front.example",
        "ws://front.example",
        "null",
        "front.example",
        "//front.example",
        "https://",
        "https://front.example:0",
        "https://front.example:65536",
        "https://front.example:",
        "https://front.example:8o",
        " https://front.example",
        "https://front.example ",
        "https://fr ont.example",
        "https://bücher.example",
        "https://[::1",
        "",
    ] {
        let err = SessionLayer::builder(MemoryStore::new())
            .with_allowed_origin(bad)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), auth_core::ErrorKind::Config, "{bad:?}");
        assert!(err.to_string().contains("origin"), "{bad:?}: {err}");
    }
}

#[tokio::test]
async fn http1_with_a_grpc_content_type_gets_an_http_refusal() {
    let (_, _, app) = setup();
    let r = send(&app, common::fake_grpc_http1(get_req("/me", None))).await;
    common::assert_http_refusal(&r, 401);
    let cross_site = Request::post("/login/alice")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    let r = send(&app, common::fake_grpc_http1(cross_site)).await;
    common::assert_http_refusal(&r, 403);
    // Real gRPC (HTTP/2 + te: trailers) still gets its status.
    let r = send(&app, common::grpc(get_req("/me", None))).await;
    common::assert_grpc_refusal(&r, "16");
}

#[tokio::test]
async fn extractors_without_the_layer_say_what_is_missing() {
    let app = routes();
    let r = send(&app, get_req("/me", None)).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Did you add SessionLayer"), "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"), "/me");
    let r = send(&app, get_req("/count", None)).await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Did you add SessionLayer"), "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"), "/count");
    let r = send(&app, get_req("/maybe", None)).await;
    assert_eq!(
        r.status, 500,
        "Option<Identity> does not turn a missing layer into anonymous"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"), "/maybe");
}

#[tokio::test]
async fn works_alongside_tower_cookies() {
    let (_, clock, _) = setup();
    let store = ProbeStore::new(MemoryStore::builder().with_clock(clock.clone()).build());
    let layer = SessionLayer::builder(store)
        .with_clock(clock)
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/both",
            get(|s: Session, jar: tower_cookies::Cookies| async move {
                jar.add(tower_cookies::Cookie::new("theme", "dark"));
                s.insert("n", 1).await?;
                Ok::<_, SessionError>("ok")
            }),
        )
        .layer(layer)
        .layer(tower_cookies::CookieManagerLayer::new());
    let r = send(&app, get_req("/both", None)).await;
    let set = r.set_cookies();
    assert_eq!(set.len(), 2, "{set:?}");
    assert!(set.iter().any(|c| c == "theme=dark"));
    assert!(set.iter().any(|c| c.starts_with("__Host-session=")));
}

fn app_with_revocations(store: MemoryStore, clock: Arc<ManualClock>) -> Router {
    let layer = SessionLayer::builder(ProbeStore::new(store.clone()))
        .with_clock(clock)
        .with_revocations(store)
        .build()
        .unwrap();
    routes().layer(layer)
}

#[tokio::test]
async fn a_revoked_session_key_ends_the_cookie_session() {
    use auth_core::{Clock, Revocation, Revocations};
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder().with_clock(clock.clone()).build();
    let app = app_with_revocations(store.clone(), clock.clone());
    let cookie = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let other = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let key = send(&app, get_req("/key", Some(&cookie))).await.body;
    // Elsewhere (a refresh-token reuse, an admin) revokes this session's key.
    let key = auth_core::SessionKey::from_hex(&key).unwrap();
    let until = clock.now().saturating_add(Duration::from_secs(3600));
    store.revoke(Revocation::session(key, until)).await.unwrap();
    assert_eq!(
        send(&app, get_req("/maybe", Some(&cookie))).await.body,
        "anonymous"
    );
    assert_eq!(
        send(&app, get_req("/maybe", Some(&other))).await.body,
        "alice",
        "only that session"
    );
    // A subject watermark ends every session authenticated before it.
    clock.advance(Duration::from_millis(5));
    store
        .revoke(Revocation::subject_before("alice", clock.now(), until))
        .await
        .unwrap();
    assert_eq!(
        send(&app, get_req("/maybe", Some(&other))).await.body,
        "anonymous"
    );
    // A login after the watermark is not affected.
    clock.advance(Duration::from_millis(5));
    let fresh = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    assert_eq!(
        send(&app, get_req("/maybe", Some(&fresh))).await.body,
        "alice"
    );
}

#[tokio::test]
async fn logout_and_logout_everywhere_publish_revocations() {
    use auth_core::{Clock, RevocationProbe, Revocations};
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder().with_clock(clock.clone()).build();
    let mut feed = store.subscribe();
    let app = app_with_revocations(store.clone(), clock.clone());
    let cookie = send(&app, post_req("/login/alice", None))
        .await
        .cookie_pair();
    let key =
        auth_core::SessionKey::from_hex(&send(&app, get_req("/key", Some(&cookie))).await.body)
            .unwrap();
    send(&app, post_req("/logout", Some(&cookie))).await;
    let probe = RevocationProbe {
        session: Some(&key),
        ..Default::default()
    };
    assert!(
        store.is_revoked(&probe).unwrap(),
        "access tokens with this sid die with the session"
    );
    assert!(feed.try_recv().is_ok(), "published on the feed");

    let before = clock.now();
    let a = send(&app, post_req("/login/bob", None)).await.cookie_pair();
    clock.advance(Duration::from_millis(5));
    send(&app, post_req("/logout-everywhere", Some(&a))).await;
    let old_token = RevocationProbe {
        subject: Some("bob"),
        issued_at: Some(before),
        ..Default::default()
    };
    assert!(
        store.is_revoked(&old_token).unwrap(),
        "bob's tokens issued before are revoked"
    );
    // A credential issued in the very millisecond of the call (the manual clock has not
    // moved), before it, is revoked too: the watermark is just past the call's time.
    let same_millisecond = RevocationProbe {
        subject: Some("bob"),
        issued_at: Some(clock.now()),
        ..Default::default()
    };
    assert!(
        store.is_revoked(&same_millisecond).unwrap(),
        "bob's tokens issued in the same millisecond are revoked"
    );
}
