//! The hybrid example over real HTTP on 127.0.0.1: a browser on a cookie and an API client on
//! bearer tokens reach the same routes as the same user; a bad bearer token never falls back
//! to the cookie; every refusal's status and `WWW-Authenticate` asserted exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::auth_jwt::{Algorithm, Key, SharedKeySet};
use e2e::{CookieJar, TestServer, client};
use examples::hybrid_app::{self, Backends};
use reqwest::Response;
use serde_json::Value;

async fn start() -> TestServer {
    let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256).unwrap());
    let app = hybrid_app::router(&Backends::memory(), keys, &[9; 32], false).unwrap();
    TestServer::start(app).await
}

async fn browser_login(server: &TestServer, user: &str, password: &str) -> CookieJar {
    let mut jar = CookieJar::new();
    let res = jar
        .send(server.form("/login", &format!("username={user}&password={password}")))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account");
    jar
}

async fn api_login(server: &TestServer, user: &str, password: &str) -> String {
    let res = client()
        .post(server.url("/auth/login"))
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

fn www(res: &Response) -> Option<&str> {
    res.headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn browser_and_api_client_are_the_same_user() {
    let server = start().await;
    let mut jar = browser_login(&server, "alice", "wonderland").await;
    let res = jar.send(client().get(server.url("/api/me"))).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["subject"], "alice");
    assert_eq!(me["via"], "Session");

    let token = api_login(&server, "alice", "wonderland").await;
    let res = client()
        .get(server.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["subject"], "alice");
    assert_eq!(me["via"], "Jwt");

    // The scope comes with the user either way.
    let res = jar.send(client().get(server.url("/api/notes"))).await;
    assert_eq!(res.status(), 200);
    let notes: Value = res.json().await.unwrap();
    assert_eq!(notes["owner"], "alice", "by cookie: {notes}");
    let res = client()
        .get(server.url("/api/notes"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let notes: Value = res.json().await.unwrap();
    assert_eq!(notes["owner"], "alice", "by token: {notes}");
}

#[tokio::test]
async fn refusals_are_exact() {
    let server = start().await;
    // No credentials: bare challenge, JSON body.
    let res = client().get(server.url("/api/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(www(&res), Some("Bearer realm=\"app\""));
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "unauthenticated");

    // A page redirects to the login form instead.
    let res = client().get(server.url("/account")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");

    // bob has no notes:read: 403 insufficient_scope, by cookie and by token alike.
    let token = api_login(&server, "bob", "builder").await;
    let res = client()
        .get(server.url("/api/notes"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        www(&res),
        Some(
            "Bearer realm=\"app\", error=\"insufficient_scope\", error_description=\"requires the scope \\\"notes:read\\\"\""
        )
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");
    let mut jar = browser_login(&server, "bob", "builder").await;
    let res = jar.send(client().get(server.url("/api/notes"))).await;
    assert_eq!(res.status(), 403);
    // The same refusal as for the token: a missing scope, not a missing session.
    assert_eq!(
        www(&res),
        Some(
            "Bearer realm=\"app\", error=\"insufficient_scope\", error_description=\"requires the scope \\\"notes:read\\\"\""
        )
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "insufficient_scope");

    // A malformed token.
    let res = client()
        .get(server.url("/api/me"))
        .bearer_auth("not-a-jwt")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(
        www(&res),
        Some(
            "Bearer realm=\"app\", error=\"invalid_token\", error_description=\"a token is exactly three dot-separated segments (no JWE, no JSON serialization)\""
        )
    );
}

#[tokio::test]
async fn a_bad_bearer_token_never_falls_back_to_a_good_cookie() {
    let server = start().await;
    let mut jar = browser_login(&server, "alice", "wonderland").await;
    let res = jar
        .send(client().get(server.url("/api/me")).bearer_auth("x.y.z"))
        .await;
    assert_eq!(res.status(), 401);
    assert!(
        www(&res)
            .unwrap()
            .starts_with("Bearer realm=\"app\", error=\"invalid_token\""),
        "{:?}",
        www(&res)
    );
    let res = jar
        .send(
            client()
                .get(server.url("/api/me"))
                .header("authorization", "Bearer a")
                .header("authorization", "Bearer b"),
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        www(&res),
        Some(
            "Bearer realm=\"app\", error=\"invalid_request\", error_description=\"more than one Authorization header\""
        )
    );
    // Another scheme (a proxy's Basic credentials) is not a bearer request: the cookie works.
    let res = jar
        .send(
            client()
                .get(server.url("/api/me"))
                .header("authorization", "Basic dXNlcjpwYXNz"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["subject"], "alice", "{me}");
    assert_eq!(me["via"], "Session", "the cookie authenticated it: {me}");
}

#[tokio::test]
async fn a_session_bound_token_dies_with_the_web_session() {
    let server = start().await;
    let mut jar = browser_login(&server, "alice", "wonderland").await;
    let res = jar.send(server.form("/account/token", "")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let me = || {
        client()
            .get(server.url("/api/me"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(me().await.unwrap().status(), 200);

    // A bearer request cannot mint session tokens: that handler needs the cookie.
    let res = client()
        .post(server.url("/account/token"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        www(&res),
        None,
        "not a scope problem of the token: no challenge"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "forbidden", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("session cookie"),
        "{body}"
    );

    let res = jar.send(server.form("/logout", "")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        jar.get("__Host-session"),
        None,
        "the logout cleared the cookie"
    );
    let res = me().await.unwrap();
    assert_eq!(res.status(), 401, "the token outlived its session");
    assert!(
        www(&res).unwrap().contains("error=\"invalid_token\""),
        "{:?}",
        www(&res)
    );
}

#[tokio::test]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn on_redis_a_session_bound_token_dies_with_the_web_session() {
    let url = test_support::redis_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("e2e-hybrid:{}-{nanos}:", std::process::id());
    let backends = Backends::redis(&url, &prefix).await.unwrap();
    let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256).unwrap());
    let app = hybrid_app::router(&backends, keys, &[9; 32], false).unwrap();
    let server = TestServer::start(app).await;

    let mut jar = browser_login(&server, "alice", "wonderland").await;
    let res = jar.send(client().get(server.url("/api/me"))).await;
    assert_eq!(res.status(), 200);
    let who: Value = res.json().await.unwrap();
    assert_eq!(who["subject"], "alice", "{who}");
    assert_eq!(who["via"], "Session", "{who}");
    let res = jar.send(server.form("/account/token", "")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap().to_owned();
    let me = || {
        client()
            .get(server.url("/api/me"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(me().await.unwrap().status(), 200);

    let res = jar.send(server.form("/logout", "")).await;
    assert_eq!(res.status(), 303);
    // The revocation goes through Redis and comes back over pub/sub; allow it a moment.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
    loop {
        let res = me().await.unwrap();
        if res.status() == 401 {
            assert!(
                www(&res).unwrap().contains("error=\"invalid_token\""),
                "refused as a revoked token: {:?}",
                www(&res)
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the token still works a second after the logout"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // And an API login works on Redis too.
    let token = api_login(&server, "bob", "builder").await;
    let res = client()
        .get(server.url("/api/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let who: Value = res.json().await.unwrap();
    assert_eq!(who["subject"], "bob", "{who}");
    assert_eq!(who["via"], "Jwt", "{who}");
}

#[tokio::test]
async fn the_form_login_and_the_api_login_share_one_throttle() {
    let server = start().await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = server
            .form("/login", "username=alice&password=wrong")
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    for _ in 0..4 {
        let res = client()
            .post(server.url("/auth/login"))
            .json(&serde_json::json!({"username": "alice", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
        }
        statuses.push(res.status().as_u16());
    }
    let first = statuses.iter().position(|&s| s == 429);
    assert_eq!(
        first,
        Some(5),
        "5 attempts in a row across both logins, then 429: {statuses:?}"
    );
    let res = server
        .form("/login", "username=alice&password=wonderland")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "the form is locked too");
    assert!(res.headers().contains_key("retry-after"));
}
