//! The session example over real HTTP on 127.0.0.1, with a cookie jar: the flows a browser
//! goes through, and the attacks it must resist.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::MemoryStore;
use e2e::{CookieJar, TestServer, client};
use examples::session_app;
use reqwest::Response;

const COOKIE: &str = "__Host-session";

async fn start() -> TestServer {
    // Secure cookie mode, as in production: our jar sends it over loopback http like a
    // browser treating 127.0.0.1 as a secure context.
    let layer = session_app::session_layer(MemoryStore::new(), false).unwrap();
    TestServer::start(session_app::router(layer)).await
}

/// Bump the counter: a POST (no GET changes state), same-origin as the page's script sends it.
async fn counter(server: &TestServer, jar: &mut CookieJar) -> serde_json::Value {
    let res = jar.send(server.form("/api/counter", "")).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn login_counter_logout_then_the_old_cookie_is_anonymous() {
    let server = start().await;
    let mut jar = CookieJar::new();

    let res = jar.send(client().get(server.url("/"))).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Sign in"));
    assert!(
        jar.get(COOKIE).is_none(),
        "visiting the login page creates no session"
    );

    let res = jar
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let logged_in = jar.get(COOKIE).expect("login sets the cookie").to_owned();

    assert_eq!(counter(&server, &mut jar).await["counter"], 1);
    let v = counter(&server, &mut jar).await;
    assert_eq!(v["counter"], 2);
    assert_eq!(v["subject"], "alice");
    let me: serde_json::Value = jar
        .send(client().get(server.url("/api/me")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["subject"], "alice");
    assert_eq!(me["roles"], serde_json::json!(["user"]));

    let res = jar.send(server.form("/logout", "")).await;
    assert_eq!(res.status(), 303);
    assert!(jar.get(COOKIE).is_none(), "logout clears the cookie");
    assert_eq!(
        jar.seen.last().unwrap(),
        &format!("{COOKIE}=; HttpOnly; SameSite=Lax; Secure; Path=/; Max-Age=0")
    );

    // Replaying the old cookie: anonymous.
    let mut old = CookieJar::new();
    old.absorb_pair(COOKIE, &logged_in);
    let res = old.send(client().get(server.url("/api/me"))).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers().get("www-authenticate").is_none(),
        "a session app sends no Bearer challenge"
    );
    let v = counter(&server, &mut old).await;
    assert_eq!(v["counter"], 1, "a fresh session, not the old one");
    assert_eq!(v["subject"], serde_json::Value::Null);
    assert_ne!(
        old.get(COOKIE),
        Some(logged_in.as_str()),
        "the old id is never adopted"
    );
}

#[tokio::test]
async fn session_id_changes_at_login_and_attributes_are_exact() {
    let server = start().await;
    let mut jar = CookieJar::new();
    counter(&server, &mut jar).await;
    let anonymous = jar
        .get(COOKIE)
        .expect("counter creates a session")
        .to_owned();
    let first = jar.seen[0].clone();
    assert_eq!(
        first,
        format!("{COOKIE}={anonymous}; HttpOnly; SameSite=Lax; Secure; Path=/"),
        "exact Set-Cookie: no Domain, no Max-Age (browser-session cookie)"
    );
    assert_eq!(anonymous.len(), 43);

    jar.send(server.form("/login", "username=bob&password=builder"))
        .await;
    let authenticated = jar.get(COOKIE).unwrap().to_owned();
    assert_ne!(authenticated, anonymous, "new session id at login");
    assert_eq!(
        counter(&server, &mut jar).await["counter"],
        2,
        "the pre-login data carried over"
    );
}

#[tokio::test]
async fn wrong_password_is_refused_and_creates_nothing() {
    let server = start().await;
    let mut jar = CookieJar::new();
    let res = jar
        .send(server.form("/login", "username=alice&password=nope"))
        .await;
    assert_eq!(res.status(), 401);
    assert!(jar.get(COOKIE).is_none());
}

#[tokio::test]
async fn cross_site_post_is_refused() {
    let server = start().await;
    let mut jar = CookieJar::new();
    jar.send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    assert!(jar.get(COOKIE).is_some());

    // A form on another site posting to our logout: the browser sends its Origin.
    let evil = client()
        .post(server.url("/logout"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site");
    let res = jar.send(evil).await;
    assert_eq!(res.status(), 403);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("cross-site request refused")
    );
    // Without fetch metadata (older browser), Origin alone decides.
    let evil = client()
        .post(server.url("/logout-everywhere"))
        .header("origin", "https://evil.example");
    assert_eq!(jar.send(evil).await.status(), 403);
    // Still logged in: nothing happened.
    let me = jar.send(client().get(server.url("/api/me"))).await;
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn sessions_page_lists_and_revokes_and_logout_everywhere_ends_all() {
    let server = start().await;
    let mut laptop = CookieJar::new();
    let mut phone = CookieJar::new();
    laptop
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    phone
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    let mut bob = CookieJar::new();
    bob.send(server.form("/login", "username=bob&password=builder"))
        .await;

    let page = laptop
        .send(client().get(server.url("/sessions")))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        page.matches("<li>").count(),
        2,
        "alice sees her two sessions only: {page}"
    );
    assert_eq!(page.matches("(this one)").count(), 1);

    // Revoke the phone's session from the laptop.
    let phone_key: serde_json::Value = phone
        .send(client().get(server.url("/api/me")))
        .await
        .json()
        .await
        .unwrap();
    let phone_key = phone_key["session"].as_str().unwrap().to_owned();
    let res = laptop
        .send(server.form(&format!("/sessions/{phone_key}/revoke"), ""))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        phone
            .send(client().get(server.url("/api/me")))
            .await
            .status(),
        401
    );

    // Bob cannot revoke alice's session.
    let laptop_key: serde_json::Value = laptop
        .send(client().get(server.url("/api/me")))
        .await
        .json()
        .await
        .unwrap();
    let laptop_key = laptop_key["session"].as_str().unwrap().to_owned();
    let res = bob
        .send(server.form(&format!("/sessions/{laptop_key}/revoke"), ""))
        .await;
    assert_eq!(res.status(), 404);
    let res = bob.send(server.form("/sessions/not-hex/revoke", "")).await;
    assert_eq!(res.status(), 400);

    phone
        .send(server.form("/login", "username=alice&password=wonderland"))
        .await;
    let res = laptop.send(server.form("/logout-everywhere", "")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        laptop
            .send(client().get(server.url("/api/me")))
            .await
            .status(),
        401
    );
    assert_eq!(
        phone
            .send(client().get(server.url("/api/me")))
            .await
            .status(),
        401
    );
    assert_eq!(
        bob.send(client().get(server.url("/api/me"))).await.status(),
        200,
        "bob is untouched"
    );
}

#[tokio::test]
async fn sessions_page_shows_each_browser_its_address_and_last_activity() {
    const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    let server = start().await;
    let mut laptop = CookieJar::new();
    let mut terminal = CookieJar::new();
    let login = "username=alice&password=wonderland";
    let res = laptop
        .send(
            server
                .form("/login", login)
                .header("user-agent", CHROME_LINUX),
        )
        .await;
    assert_eq!(res.status(), 303);
    terminal
        .send(
            server
                .form("/login", login)
                .header("user-agent", "curl/8.5.0"),
        )
        .await;
    // Later requests from another browser change nothing recorded at login.
    laptop
        .send(
            server
                .form("/api/counter", "")
                .header("user-agent", "Wget/1.21"),
        )
        .await;

    let page = laptop
        .send(client().get(server.url("/sessions")))
        .await
        .text()
        .await
        .unwrap();
    let mut rows: Vec<&str> = page
        .split("<li>")
        .skip(1)
        .map(|row| row.split(" <form").next().unwrap())
        .collect();
    // Oldest first, but two logins in the same millisecond have no order: compare as a set.
    rows.sort_unstable();
    assert_eq!(
        rows,
        [
            "Chrome on Linux, 127.0.0.1, last active just now (this one)",
            "curl, 127.0.0.1, last active just now",
        ],
        "{page}"
    );
    assert!(
        !page.contains("Wget"),
        "the device is the login's, not the last request's"
    );
}

#[tokio::test]
async fn malformed_cookies_over_the_wire_are_anonymous_never_500() {
    let server = start().await;
    let long = "x".repeat(6000);
    for value in [
        "",
        "a",
        "%00%01",
        "😀😀😀",
        long.as_str(),
        "=====",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ] {
        let res = server
            .form("/api/counter", "")
            .header("cookie", format!("{COOKIE}={value}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "cookie value {value:?}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["counter"], 1);
    }
}

trait AbsorbPair {
    fn absorb_pair(&mut self, name: &str, value: &str);
}

impl AbsorbPair for CookieJar {
    fn absorb_pair(&mut self, name: &str, value: &str) {
        let res = http_response_with_cookie(name, value);
        self.absorb(&res);
    }
}

fn http_response_with_cookie(name: &str, value: &str) -> Response {
    let res = axum::http::Response::builder()
        .header("set-cookie", format!("{name}={value}"))
        .body("")
        .unwrap();
    Response::from(res)
}

#[tokio::test]
async fn repeated_wrong_passwords_on_the_login_form_get_429_with_retry_after() {
    let server = start().await;
    let mut jar = CookieJar::new();
    for i in 0..5 {
        let res = jar
            .send(server.form("/login", "username=bob&password=nope"))
            .await;
        assert_eq!(res.status(), 401, "try {i}: a wrong password");
    }
    let res = jar
        .send(server.form("/login", "username=bob&password=builder"))
        .await;
    assert_eq!(res.status(), 429, "throttled, even with the right password");
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(
        jar.get(COOKIE).is_none(),
        "no session for a throttled login"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_050)).await;
    let res = jar
        .send(server.form("/login", "username=bob&password=builder"))
        .await;
    assert_eq!(res.status(), 303, "in once the lock has passed");
}
