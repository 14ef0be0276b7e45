//! Security review (issue 19), finding 4, from outside: on the hybrid example, a token minted
//! from a session (`POST /account/token`) used to outlive a second login on the same browser
//! followed by a logout (the login rotated the session id and never revoked the old one), and
//! another user logging in on the same browser. Now both revoke what the old id minted: the
//! token gets 401 on `/api/me`, on the memory store and on Redis.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::auth_jwt::{Algorithm, Key, SharedKeySet};
use e2e::{CookieJar, TestServer, client};
use examples::hybrid_app::{self, Backends};
use serde_json::Value;

async fn start(backends: &Backends) -> TestServer {
    let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256).unwrap());
    let app = hybrid_app::router(backends, keys, &[9; 32], false).unwrap();
    TestServer::start(app).await
}

async fn login(server: &TestServer, jar: &mut CookieJar, user: &str, password: &str) {
    let res = jar
        .send(server.form("/login", &format!("username={user}&password={password}")))
        .await;
    assert_eq!(res.status(), 303, "login as {user}");
}

/// An access token bound to the jar's session, as the account page's script gets it.
async fn mint(server: &TestServer, jar: &mut CookieJar) -> String {
    let res = jar.send(server.form("/account/token", "")).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

async fn bearer_me(server: &TestServer, token: &str) -> u16 {
    client()
        .get(server.url("/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn cookie_me(server: &TestServer, jar: &mut CookieJar) -> u16 {
    jar.send(client().get(server.url("/api/me")))
        .await
        .status()
        .as_u16()
}

/// Log in, mint a token, log in again, log out: the token dies with the logout.
async fn relogin_then_logout_revokes_the_first_token(backends: &Backends) {
    let server = start(backends).await;
    let mut jar = CookieJar::new();
    login(&server, &mut jar, "alice", "wonderland").await;
    let token = mint(&server, &mut jar).await;
    assert_eq!(bearer_me(&server, &token).await, 200);
    let first = jar.header().unwrap();
    login(&server, &mut jar, "alice", "wonderland").await;
    assert_ne!(jar.header().unwrap(), first, "the id rotates at login");
    assert_eq!(cookie_me(&server, &mut jar).await, 200);
    let res = jar.send(server.form("/logout", "")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(cookie_me(&server, &mut jar).await, 401, "the cookie is out");
    assert_eq!(
        bearer_me(&server, &token).await,
        401,
        "a token minted before the second login outlived the logout"
    );
}

/// Alice mints a token, then bob logs in on the same browser: alice's token dies.
async fn another_user_on_the_browser_revokes_the_previous_token(backends: &Backends) {
    let server = start(backends).await;
    let mut jar = CookieJar::new();
    login(&server, &mut jar, "alice", "wonderland").await;
    let token = mint(&server, &mut jar).await;
    assert_eq!(bearer_me(&server, &token).await, 200);
    login(&server, &mut jar, "bob", "builder").await;
    assert_eq!(cookie_me(&server, &mut jar).await, 200);
    assert_eq!(bearer_me(&server, &token).await, 401);
}

#[tokio::test]
async fn a_relogin_then_logout_revokes_the_token_minted_before_it_in_memory() {
    let backends = Backends::memory();
    relogin_then_logout_revokes_the_first_token(&backends).await;
    another_user_on_the_browser_revokes_the_previous_token(&backends).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn a_relogin_then_logout_revokes_the_token_minted_before_it_on_redis() {
    let url = test_support::redis_url();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let prefix = format!("e2e-relogin:{}-{nanos}:", std::process::id());
    let backends = Backends::redis(&url, &prefix).await.unwrap();
    relogin_then_logout_revokes_the_first_token(&backends).await;
    another_user_on_the_browser_revokes_the_previous_token(&backends).await;
}
