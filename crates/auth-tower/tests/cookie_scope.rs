//! The session cookie's scope options as a browser sees them: `Domain`, `Path`, `SameSite` and
//! a persistent lifetime are written on login and repeated on logout (or the browser would
//! keep the cookie), and every combination a browser would refuse is refused by `build()`,
//! one test per rule.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_core::{ErrorKind, MemoryStore};
use auth_tower::session::SameSite;
use auth_tower::session::SessionLayerBuilder;
use auth_tower::{Identity, Session, SessionError, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::post;
use http::Request;
use std::time::Duration;
use tower::ServiceExt;

fn builder() -> SessionLayerBuilder {
    SessionLayer::builder(MemoryStore::new())
}

/// Log in, then log out with the cookie; the two `Set-Cookie` lines.
async fn login_and_logout(layer: SessionLayer, path: &str) -> (String, String) {
    let app = Router::new()
        .route(
            &format!("{path}/login"),
            post(|s: Session| async move {
                s.login(Identity::new("ada")).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        .route(
            &format!("{path}/logout"),
            post(|s: Session| async move {
                s.logout().await?;
                Ok::<_, SessionError>("out")
            }),
        )
        .layer(layer);
    let call = |uri: String, cookie: Option<String>| {
        let app = app.clone();
        async move {
            let mut req = Request::post(uri).header("sec-fetch-site", "same-origin");
            if let Some(c) = cookie {
                req = req.header("cookie", c);
            }
            let res = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(res.status(), 200);
            res.headers()["set-cookie"].to_str().unwrap().to_owned()
        }
    };
    let set = call(format!("{path}/login"), None).await;
    let pair = set.split(';').next().unwrap().to_owned();
    let cleared = call(format!("{path}/logout"), Some(pair)).await;
    (set, cleared)
}

fn attributes(line: &str) -> Vec<String> {
    let mut parts: Vec<String> = line
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_owned())
        .collect();
    parts.sort();
    parts
}

#[tokio::test]
async fn a_domain_cookie_is_secure_prefixed_and_cleared_with_the_same_domain() {
    let layer = builder().with_cookie_domain("example.com").build().unwrap();
    let (set, cleared) = login_and_logout(layer, "").await;
    assert!(set.starts_with("__Secure-session="), "{set}");
    assert_eq!(
        attributes(&set),
        [
            "Domain=example.com",
            "HttpOnly",
            "Path=/",
            "SameSite=Lax",
            "Secure"
        ]
    );
    assert!(cleared.starts_with("__Secure-session=;"), "{cleared}");
    assert!(attributes(&cleared).contains(&"Domain=example.com".to_owned()));
    assert!(attributes(&cleared).contains(&"Max-Age=0".to_owned()));
}

#[tokio::test]
async fn a_path_cookie_is_secure_prefixed_and_scoped_to_the_path() {
    let layer = builder().with_cookie_path("/app").build().unwrap();
    let (set, cleared) = login_and_logout(layer, "/app").await;
    assert!(set.starts_with("__Secure-session="), "{set}");
    assert!(attributes(&set).contains(&"Path=/app".to_owned()));
    assert!(attributes(&cleared).contains(&"Path=/app".to_owned()));
}

#[tokio::test]
async fn same_site_strict_and_none_are_written() {
    let (set, _) = login_and_logout(
        builder().with_same_site(SameSite::Strict).build().unwrap(),
        "",
    )
    .await;
    assert!(set.starts_with("__Host-session="), "{set}");
    assert!(attributes(&set).contains(&"SameSite=Strict".to_owned()));
    let (set, _) = login_and_logout(
        builder().with_same_site(SameSite::None).build().unwrap(),
        "",
    )
    .await;
    assert!(attributes(&set).contains(&"SameSite=None".to_owned()));
    assert!(attributes(&set).contains(&"Secure".to_owned()));
}

#[tokio::test]
async fn a_persistent_cookie_carries_the_absolute_timeout_as_max_age() {
    let layer = builder()
        .with_persistent_cookie()
        .with_absolute_timeout(Duration::from_secs(30 * 24 * 3600))
        .build()
        .unwrap();
    let (set, _) = login_and_logout(layer, "").await;
    assert!(
        attributes(&set).contains(&"Max-Age=2592000".to_owned()),
        "{set}"
    );
}

#[track_caller]
fn assert_refused(b: SessionLayerBuilder, says: &str) {
    let err = b.build().expect_err("a browser would refuse this cookie");
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains(says), "{err}");
}

#[test]
fn rule_same_site_none_needs_secure() {
    assert_refused(
        builder()
            .with_same_site(SameSite::None)
            .with_insecure_dev_cookie(),
        "SameSite=None needs a Secure cookie",
    );
}

#[test]
fn rule_a_domain_is_a_registrable_host_name() {
    for domain in [
        "com",
        "localhost",
        "127.0.0.1",
        "example.com:443",
        "exa mple.com",
        "",
    ] {
        assert_refused(builder().with_cookie_domain(domain), "cookie domain");
    }
}

#[test]
fn rule_a_path_is_absolute_and_attribute_safe() {
    for path in ["app", "/a;b", "/a b"] {
        assert_refused(builder().with_cookie_path(path), "cookie path");
    }
}

#[test]
fn rule_a_persistent_cookie_lives_at_most_400_days() {
    assert_refused(
        builder()
            .with_persistent_cookie()
            .with_idle_timeout(Duration::from_secs(3600))
            .with_absolute_timeout(Duration::from_secs(401 * 24 * 3600)),
        "400 days",
    );
    // A browser-session cookie carries no Max-Age: the same timeout is fine.
    let browser_session = builder()
        .with_idle_timeout(Duration::from_secs(3600))
        .with_absolute_timeout(Duration::from_secs(401 * 24 * 3600))
        .build();
    assert!(browser_session.is_ok());
}

#[test]
fn rule_the_name_carries_no_prefix_of_its_own() {
    for name in ["__Host-s", "__Secure-s", "__host-s"] {
        assert_refused(builder().with_cookie_name(name), "prefix");
    }
}
