//! Security review, finding 1, from outside: anonymous `POST /logout` requests with random
//! well-formed cookies against the hybrid example on Redis used to leave one entry each in the
//! shared revocation set (kept 12 h, held in memory by every instance, replayed on every
//! reconnect). Now nothing is recorded and nothing is published; a real logout still is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::auth_core::SessionId;
use auth_tower::auth_jwt::{Algorithm, Key, SharedKeySet};
use e2e::{CookieJar, TestServer};
use examples::hybrid_app::{self, Backends};
use futures_util::StreamExt as _;
use std::time::Duration;

const FLOOD: usize = 500;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_random_cookie_logout_flood_leaves_the_revocation_set_empty_and_publishes_nothing() {
    let url = test_support::redis_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("e2e-flood:{}-{nanos}:", std::process::id());
    let backends = Backends::redis(&url, &prefix).await.unwrap();
    let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256).unwrap());
    let app = hybrid_app::router(&backends, keys, &[9; 32], false).unwrap();
    let server = TestServer::start(app).await;

    let redis = redis::Client::open(url.as_str()).unwrap();
    let mut conn = redis.get_multiplexed_async_connection().await.unwrap();
    let mut pubsub = redis.get_async_pubsub().await.unwrap();
    pubsub.subscribe(format!("{prefix}rev:feed")).await.unwrap();
    let mut published = pubsub.into_on_message();

    let statuses = futures_util::stream::iter(0..FLOOD)
        .map(|_| {
            let cookie = format!(
                "__Host-session={}",
                SessionId::generate().unwrap().expose_cookie_value()
            );
            let req = server.form("/logout", "").header("cookie", cookie);
            async move { req.send().await.unwrap().status().as_u16() }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    assert!(
        statuses.iter().all(|&s| s == 303),
        "every logout answers as usual"
    );
    let entries: u64 = redis::cmd("ZCARD")
        .arg(format!("{prefix}rev"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        entries, 0,
        "{FLOOD} anonymous logouts grew the revocation set"
    );
    let heard = tokio::time::timeout(Duration::from_millis(300), published.next()).await;
    assert!(heard.is_err(), "an anonymous logout was published");

    // A real session's logout is recorded and published.
    let mut jar = CookieJar::new();
    let res = jar
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    assert_eq!(res.status(), 303);
    let res = jar.send(server.form("/logout", "")).await;
    assert_eq!(res.status(), 303);
    let message = tokio::time::timeout(Duration::from_secs(2), published.next())
        .await
        .expect("a real logout is published")
        .unwrap();
    assert!(message.get_payload::<String>().unwrap().contains("session"));
    let entries: u64 = redis::cmd("ZCARD")
        .arg(format!("{prefix}rev"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(entries, 1);
    let _: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}rev"))
        .query_async(&mut conn)
        .await
        .unwrap();
}
