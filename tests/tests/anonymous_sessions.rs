//! Security review (issue 19), finding 3, from outside: any request without a cookie that
//! writes to its session creates one (`wrk` on the session example's counter made 117k sessions
//! and 127 MB in 20 s). Now the memory store has a capacity and evicts anonymous sessions
//! first, so a flood stays under it while a logged-in user keeps getting 200; on Redis the
//! anonymous sessions carry the short anonymous idle timeout (5 min), so the keys they hold are
//! bounded by their creation rate x 5 min; and no `GET` of the example changes state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::MemoryStore;
use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
use e2e::{CookieJar, TestServer, client};
use examples::session_app;
use futures_util::StreamExt as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

const COOKIE: &str = "__Host-session";
const FLOOD: usize = 20_000;
const CAPACITY: usize = 2_000;

/// A same-origin POST as the page's script sends it, with no cookie unless `cookie` is given.
fn post(
    c: &reqwest::Client,
    server: &TestServer,
    path: &str,
    cookie: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut req = c
        .post(server.url(path))
        .header("sec-fetch-site", "same-origin")
        .header("origin", format!("http://{}", server.authority()));
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req
}

async fn login(server: &TestServer) -> CookieJar {
    let mut jar = CookieJar::new();
    let res = jar
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    assert_eq!(res.status(), 303);
    jar
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookieless_session_flood_stays_under_the_memory_store_capacity_while_a_user_works() {
    let store = MemoryStore::builder().with_max_sessions(CAPACITY).build();
    let layer = session_app::session_layer(store.clone(), false).unwrap();
    let server = Arc::new(TestServer::start(session_app::router(layer)).await);
    let user = login(&server).await.header().unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let user_checks = {
        let (server, done, user) = (server.clone(), done.clone(), user.clone());
        tokio::spawn(async move {
            let c = client();
            let mut checks = 0usize;
            let mut last = 0u64;
            while !done.load(Ordering::SeqCst) || checks < 20 {
                let res = c
                    .get(server.url("/api/me"))
                    .header("cookie", &user)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    res.status(),
                    200,
                    "the logged-in user was refused mid-flood"
                );
                let res = post(&c, &server, "/api/counter", Some(&user))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200);
                let v: serde_json::Value = res.json().await.unwrap();
                assert_eq!(v["subject"], "alice");
                let n = v["counter"].as_u64().unwrap();
                assert_eq!(n, last + 1, "the user's session kept its counter");
                last = n;
                checks += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            checks
        })
    };

    let c = client();
    let peak = Arc::new(AtomicUsize::new(0));
    let created = futures_util::stream::iter(0..FLOOD)
        .map(|_| {
            let req = post(&c, &server, "/api/counter", None);
            let (store, peak) = (store.clone(), peak.clone());
            async move {
                let res = req.send().await.unwrap();
                peak.fetch_max(store.len(), Ordering::SeqCst);
                (
                    res.status().as_u16(),
                    res.headers().contains_key("set-cookie"),
                )
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    done.store(true, Ordering::SeqCst);
    let checks = user_checks.await.unwrap();

    assert!(
        created
            .iter()
            .all(|&(status, cookie)| status == 200 && cookie),
        "every cookie-less write is served, and gets a session"
    );
    let peak = peak.load(Ordering::SeqCst);
    assert!(
        peak <= CAPACITY && store.len() <= CAPACITY,
        "{FLOOD} cookie-less writes: peak {peak} sessions, now {}, capacity {CAPACITY}",
        store.len()
    );
    assert!(checks >= 20, "the user was checked {checks} times");
}

#[tokio::test]
async fn no_get_of_the_session_example_writes_to_a_session() {
    let store = MemoryStore::new();
    let layer = session_app::session_layer(store.clone(), false).unwrap();
    let server = TestServer::start(session_app::router(layer)).await;
    // Anonymous GETs store nothing.
    for path in ["/", "/api/counter", "/sessions", "/api/me"] {
        let res = client().get(server.url(path)).send().await.unwrap();
        assert!(res.headers().get("set-cookie").is_none(), "GET {path}");
    }
    assert_eq!(store.len(), 0, "an anonymous GET created a session");
    // A logged-in user's GETs leave the counter alone; the counter is a POST.
    let mut jar = login(&server).await;
    for _ in 0..3 {
        let res = jar.send(client().get(server.url("/"))).await;
        assert!(res.text().await.unwrap().contains("counted 0 time(s)"));
    }
    let res = jar.send(client().get(server.url("/api/counter"))).await;
    assert_eq!(res.status(), 405, "the counter is POST only");
    let res = jar.send(server.form("/counter", "")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let res = jar.send(client().get(server.url("/"))).await;
    assert!(res.text().await.unwrap().contains("counted 1 time(s)"));
    let res = jar.send(server.form("/api/counter", "")).await;
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["counter"], 2);
    assert!(jar.get(COOKIE).is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn on_redis_anonymous_session_keys_expire_in_five_minutes_and_logged_in_ones_in_thirty() {
    let url = test_support::redis_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("e2e-anon:{}-{nanos}:", std::process::id());
    let store = RedisStore::connect(&RedisConfig::new(url.as_str()).with_key_prefix(&prefix))
        .await
        .unwrap();
    let layer = session_app::session_layer(store, false).unwrap();
    let server = TestServer::start(session_app::router(layer)).await;
    let redis = redis::Client::open(url.as_str()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let session_keys = |conn: &mut redis::aio::MultiplexedConnection| {
        let mut conn = conn.clone();
        let pattern = format!("{prefix}s:*");
        async move {
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(pattern)
                .query_async(&mut conn)
                .await
                .unwrap();
            keys
        }
    };
    let pttl = |conn: &mut redis::aio::MultiplexedConnection, key: String| {
        let mut conn = conn.clone();
        async move {
            let ms: i64 = redis::cmd("PTTL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap();
            ms
        }
    };

    let c = client();
    for _ in 0..200 {
        let res = post(&c, &server, "/api/counter", None)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let keys = session_keys(&mut conn).await;
    assert_eq!(keys.len(), 200, "one key per cookie-less write");
    for key in keys {
        let ms = pttl(&mut conn, key).await;
        assert!(
            ms > 0 && ms <= 5 * 60 * 1000,
            "an anonymous session key lives {ms} ms, more than the 5 min anonymous idle timeout"
        );
    }

    // A login moves the session to the full 30 min idle timeout.
    let mut jar = CookieJar::new();
    let res = jar.send(post(&c, &server, "/api/counter", None)).await;
    assert_eq!(res.status(), 200);
    let before: std::collections::BTreeSet<String> =
        session_keys(&mut conn).await.into_iter().collect();
    let res = jar
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    assert_eq!(res.status(), 303);
    let after: Vec<String> = session_keys(&mut conn)
        .await
        .into_iter()
        .filter(|k| !before.contains(k))
        .collect();
    assert_eq!(after.len(), 1, "the login's rotated session");
    let ms = pttl(&mut conn, after[0].clone()).await;
    assert!(
        ms > 25 * 60 * 1000 && ms <= 30 * 60 * 1000,
        "a logged-in session key lives {ms} ms"
    );
}
