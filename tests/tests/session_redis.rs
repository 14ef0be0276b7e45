//! The session example on Redis, over real HTTP: it works, and when Redis dies it fails
//! closed (503, never an authenticated pass, never a hang), then recovers without a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
use e2e::{CookieJar, TestServer, client};
use examples::session_app;
use std::time::{Duration, Instant};
use test_support::RedisServer;

fn login_request(server: &TestServer) -> reqwest::RequestBuilder {
    client()
        .post(server.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .body("username=alice&password=wonderland")
}

async fn login(server: &TestServer, jar: &mut CookieJar) {
    let res = login_request(server).send().await.unwrap();
    assert_eq!(res.status(), 303, "login");
    jar.absorb(&res);
}

async fn me(server: &TestServer, jar: &CookieJar) -> (u16, String) {
    let mut req = client()
        .get(server.url("/api/me"))
        .timeout(Duration::from_secs(5));
    if let Some(c) = jar.header() {
        req = req.header("cookie", c);
    }
    let res = req.send().await.expect("answered (no hang)");
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server on PATH"]
async fn redis_dies_503s_and_zero_authenticated_passes_then_recovers_within_a_second() {
    let mut redis = RedisServer::start();
    let config = RedisConfig::new(redis.url())
        .with_key_prefix("e2e:")
        .with_timeout(Duration::from_millis(200));
    let store = RedisStore::connect(&config).await.unwrap();
    let layer = session_app::session_layer(store, false).unwrap();
    let server = TestServer::start(session_app::router(layer)).await;

    let mut jar = CookieJar::new();
    login(&server, &mut jar).await;
    let (status, body) = me(&server, &jar).await;
    assert_eq!(status, 200);
    assert!(body.contains("alice"));

    // Load runs while Redis is killed underneath it.
    let load = {
        let jar = jar.clone();
        let base = server.url("");
        tokio::spawn(async move {
            let mut seen = Vec::new();
            let end = Instant::now() + Duration::from_millis(1500);
            while Instant::now() < end {
                let started = Instant::now();
                let res = client()
                    .get(format!("{base}/api/me"))
                    .header("cookie", jar.header().unwrap())
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await
                    .expect("every request is answered");
                seen.push((started, res.status().as_u16(), res.text().await.unwrap()));
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    redis.kill();
    let killed_at = Instant::now();
    let seen = load.await.unwrap();

    let after: Vec<_> = seen.iter().filter(|(t, _, _)| *t > killed_at).collect();
    assert!(
        after.len() >= 3,
        "requests ran while Redis was down: {}",
        after.len()
    );
    let passes = after
        .iter()
        .filter(|(_, s, b)| *s == 200 || b.contains("alice"))
        .count();
    let unavailable = after.iter().filter(|(_, s, _)| *s == 503).count();
    eprintln!(
        "while Redis was down: {} requests, {unavailable} x 503, {passes} authenticated passes",
        after.len()
    );
    assert_eq!(
        passes, 0,
        "no request passes as authenticated while the store is down"
    );
    assert_eq!(
        unavailable,
        after.len(),
        "every request while down is a 503"
    );

    // Login is refused too (the store cannot record it), cleanly.
    let res = login_request(&server).send().await.unwrap();
    assert_eq!(res.status(), 503);

    // Back up: the same server, no restart, serves again within a second. (This Redis keeps
    // nothing, so the old session is gone: 401 is the honest answer, and a new login works.)
    redis.restart();
    let restarted = Instant::now();
    let mut fresh = CookieJar::new();
    loop {
        let res = login_request(&server).send().await.unwrap();
        if res.status() == 303 {
            fresh.absorb(&res);
            break;
        }
        assert!(
            restarted.elapsed() < Duration::from_secs(1),
            "not back within 1 s: {}",
            res.status()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body) = me(&server, &fresh).await;
    let recovered = restarted.elapsed();
    eprintln!("recovered {recovered:?} after the restart");
    assert_eq!(status, 200, "{body}");
    assert!(recovered < Duration::from_secs(1));
    assert_eq!(
        me(&server, &jar).await.0,
        401,
        "the session lost with Redis is not authenticated"
    );
}

#[tokio::test]
#[ignore = "needs redis-server on PATH"]
async fn the_example_flow_on_redis() {
    let redis = RedisServer::start();
    let store = RedisStore::connect(&RedisConfig::new(redis.url()))
        .await
        .unwrap();
    let layer = session_app::session_layer(store, false).unwrap();
    let server = TestServer::start(session_app::router(layer)).await;
    let mut jar = CookieJar::new();
    login(&server, &mut jar).await;
    let before = jar.get("__Host-session").unwrap().to_owned();
    for n in 1..=3 {
        let res = server
            .form("/api/counter", "")
            .header("cookie", jar.header().unwrap())
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("set-cookie").is_none());
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["counter"], n);
        assert_eq!(v["subject"], "alice");
    }
    let res = client()
        .post(server.url("/logout"))
        .header("cookie", jar.header().unwrap())
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    jar.absorb(&res);
    assert!(jar.get("__Host-session").is_none());
    let mut old = CookieJar::new();
    old.absorb(&reqwest::Response::from(
        axum::http::Response::builder()
            .header("set-cookie", format!("__Host-session={before}"))
            .body("")
            .unwrap(),
    ));
    assert_eq!(
        me(&server, &old).await.0,
        401,
        "logged-out session is gone from Redis"
    );
}
