//! The device a session is logged in from: the user agent and client address read at login
//! (`Session::login_from`), the address from the connection or, only when the app names one,
//! a trusted proxy's header; listed by `Session::sessions()`, unchanged by later requests.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{ManualClock, MemoryStore};
use auth_tower::{Identity, Session, SessionError, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::routing::{get, post};
use common::send;
use http::Request;
use http::request::Parts;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const FIREFOX_WINDOWS: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0";

fn app(layer: SessionLayer) -> Router {
    Router::new()
        .route(
            "/login",
            post(|s: Session, request: Parts| async move {
                s.login_from(&request, Identity::new("alice")).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        .route(
            "/login-without-device",
            post(|s: Session| async move {
                s.login(Identity::new("alice")).await?;
                Ok::<_, SessionError>("in")
            }),
        )
        .route(
            "/count",
            post(|s: Session| async move {
                let n = s.get::<u32>("n").await?.unwrap_or(0) + 1;
                s.insert("n", n).await?;
                Ok::<_, SessionError>(n.to_string())
            }),
        )
        .route(
            "/devices",
            get(|s: Session| async move {
                let lines: Vec<String> = s
                    .sessions()
                    .await?
                    .into_iter()
                    .map(|e| match e.record.device {
                        None => "none".to_owned(),
                        Some(d) => format!(
                            "{}|{}",
                            d.describe(),
                            d.address().map_or("-".to_owned(), |a| a.to_string())
                        ),
                    })
                    .collect();
                Ok::<_, SessionError>(lines.join("\n"))
            }),
        )
        .layer(layer)
}

fn layer() -> SessionLayer {
    SessionLayer::builder(MemoryStore::new())
        .with_insecure_dev_cookie()
        .build()
        .unwrap()
}

/// A request as a client at `connection` (axum's `ConnectInfo`) sends it.
struct Req<'a> {
    method: &'a str,
    uri: &'a str,
    cookie: Option<&'a str>,
    user_agent: Option<&'a str>,
    connection: Option<&'a str>,
    headers: &'a [(&'a str, &'a [u8])],
}

impl<'a> Req<'a> {
    fn post(uri: &'a str) -> Self {
        Self {
            method: "POST",
            uri,
            cookie: None,
            user_agent: Some(CHROME_LINUX),
            connection: Some("127.0.0.9:50000"),
            headers: &[],
        }
    }
    fn get(uri: &'a str, cookie: &'a str) -> Self {
        Self {
            method: "GET",
            cookie: Some(cookie),
            ..Self::post(uri)
        }
    }
    fn build(&self) -> Request<Body> {
        let mut b = Request::builder().method(self.method).uri(self.uri);
        if let Some(c) = self.cookie {
            b = b.header("cookie", c);
        }
        if let Some(ua) = self.user_agent {
            b = b.header("user-agent", ua);
        }
        for (k, v) in self.headers {
            b = b.header(*k, *v);
        }
        let mut req = b.body(Body::empty()).unwrap();
        if let Some(addr) = self.connection {
            req.extensions_mut()
                .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
        }
        req
    }
}

/// Log in with `login`, then read the devices page with the new cookie.
async fn login_then_devices(app: &Router, login: Req<'_>) -> String {
    let r = send(app, login.build()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let cookie = r.cookie_pair();
    let page = send(app, Req::get("/devices", &cookie).build()).await;
    assert_eq!(page.status, 200);
    page.body
}

#[tokio::test]
async fn user_agent_and_address_come_from_the_login_request_and_its_connection() {
    // Each case on a fresh store: one session of alice's per devices page.
    assert_eq!(
        login_then_devices(&app(layer()), Req::post("/login")).await,
        "Chrome on Linux|127.0.0.9"
    );

    // A hyper or tower server's plain `SocketAddr` extension does as well.
    let router = app(layer());
    let r = Req {
        connection: None,
        ..Req::post("/login")
    };
    let mut req = r.build();
    req.extensions_mut()
        .insert("192.0.2.44:1234".parse::<SocketAddr>().unwrap());
    let login = send(&router, req).await;
    let page = send(&router, Req::get("/devices", &login.cookie_pair()).build()).await;
    assert_eq!(page.body, "Chrome on Linux|192.0.2.44");

    // Nothing known: still a device, described as such.
    let r = Req {
        connection: None,
        user_agent: None,
        ..Req::post("/login")
    };
    assert_eq!(
        login_then_devices(&app(layer()), r).await,
        "unknown browser|-"
    );
}

#[tokio::test]
async fn forwarding_headers_are_ignored_unless_the_app_names_one() {
    let spoofed: &[(&str, &[u8])] = &[
        ("x-forwarded-for", b"6.6.6.6"),
        ("x-real-ip", b"6.6.6.7"),
        ("forwarded", b"for=6.6.6.8"),
    ];
    let app = app(layer());
    let r = Req {
        headers: spoofed,
        ..Req::post("/login")
    };
    assert_eq!(
        login_then_devices(&app, r).await,
        "Chrome on Linux|127.0.0.9",
        "by default the connection's address, whatever the client claims"
    );
}

#[tokio::test]
async fn a_trusted_header_gives_its_rightmost_address_and_garbage_gives_none() {
    let trusting = || {
        let layer = SessionLayer::builder(MemoryStore::new())
            .with_insecure_dev_cookie()
            .with_client_ip_header("x-forwarded-for")
            .build()
            .unwrap();
        app(layer)
    };
    for (value, expected) in [
        (&b"6.6.6.6, 203.0.113.7"[..], "Chrome on Linux|203.0.113.7"),
        (b"[2001:db8::9]:443", "Chrome on Linux|2001:db8::9"),
        // Unreadable: no address (never the proxy's, never a refusal of the login).
        (b"not an address", "Chrome on Linux|-"),
        (b"\xff\xfe", "Chrome on Linux|-"),
    ] {
        let headers: &[(&str, &[u8])] = &[("x-forwarded-for", value)];
        let r = Req {
            headers,
            ..Req::post("/login")
        };
        assert_eq!(
            login_then_devices(&trusting(), r).await,
            expected,
            "{value:?}"
        );
    }
    // No header at all: the connection is the proxy's, so no address either.
    assert_eq!(
        login_then_devices(&trusting(), Req::post("/login")).await,
        "Chrome on Linux|-"
    );
}

#[tokio::test]
async fn later_requests_from_another_agent_leave_the_device_alone_until_the_next_login() {
    let clock = Arc::new(ManualClock::new());
    let store = MemoryStore::builder().with_clock(clock.clone()).build();
    let layer = SessionLayer::builder(store)
        .with_clock(clock.clone())
        .with_insecure_dev_cookie()
        .build()
        .unwrap();
    let app = app(layer);
    let login = send(&app, Req::post("/login").build()).await;
    let cookie = login.cookie_pair();
    for _ in 0..3 {
        // Past the touch interval, so each request writes its value and a touch.
        clock.advance(Duration::from_secs(120));
        let r = Req {
            cookie: Some(&cookie),
            user_agent: Some(FIREFOX_WINDOWS),
            connection: Some("198.51.100.3:4000"),
            ..Req::post("/count")
        };
        assert_eq!(send(&app, r.build()).await.status, 200);
    }
    let page = send(&app, Req::get("/devices", &cookie).build()).await;
    assert_eq!(page.body, "Chrome on Linux|127.0.0.9");

    // A login that does not hand over its request keeps the recorded device.
    let r = Req {
        cookie: Some(&cookie),
        user_agent: Some(FIREFOX_WINDOWS),
        ..Req::post("/login-without-device")
    };
    let relogin = send(&app, r.build()).await;
    let cookie = relogin.cookie_pair();
    let page = send(&app, Req::get("/devices", &cookie).build()).await;
    assert_eq!(page.body, "Chrome on Linux|127.0.0.9");

    // The next login that does records the new one.
    let r = Req {
        cookie: Some(&cookie),
        user_agent: Some(FIREFOX_WINDOWS),
        connection: Some("198.51.100.3:4000"),
        ..Req::post("/login")
    };
    let relogin = send(&app, r.build()).await;
    let page = send(&app, Req::get("/devices", &relogin.cookie_pair()).build()).await;
    assert_eq!(page.body, "Firefox on Windows|198.51.100.3");
}

#[tokio::test]
async fn a_login_without_the_request_records_no_device() {
    let app = app(layer());
    assert_eq!(
        login_then_devices(&app, Req::post("/login-without-device")).await,
        "none"
    );
}
