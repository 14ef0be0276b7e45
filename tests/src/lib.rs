//! Harness for end-to-end tests: serve a router on 127.0.0.1:0, a small cookie jar that
//! records `Set-Cookie` exactly as sent (so tests can assert attributes), and a client for the
//! token endpoints ([`tokens`]).

pub mod guide;
pub mod oidc;
pub mod tokens;

/// The README's Rust snippets, compiled (and run) as this crate's doctests, so they keep
/// compiling as the API changes: `cargo test -p e2e --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
mod readme {}

use std::collections::BTreeMap;
use std::net::SocketAddr;

/// A server running on a loopback port; stopped when dropped.
#[derive(Debug)]
pub struct TestServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serve `app` on 127.0.0.1 on a free port, with each connection's address in the request
    /// extensions (`ConnectInfo<SocketAddr>`), as the examples serve.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    #[allow(clippy::unwrap_used)]
    pub async fn start(app: axum::Router) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start_on(listener, app)
    }

    /// Serve `app` on a listener bound beforehand: for an app that must know its own URL
    /// before it is built (an issuer publishing discovery metadata).
    ///
    /// # Panics
    /// If the listener has no local address.
    #[allow(clippy::unwrap_used)]
    pub fn start_on(listener: tokio::net::TcpListener, app: axum::Router) -> Self {
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let app = app.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, task }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The `host:port` the server answers on.
    pub fn authority(&self) -> String {
        self.addr.to_string()
    }
}

impl TestServer {
    /// A same-origin form POST to `path`, as a browser sends it (with `Origin` and
    /// `Sec-Fetch-Site`, so the cross-site check lets it through).
    pub fn form(&self, path: &str, body: &str) -> reqwest::RequestBuilder {
        client()
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .header("origin", format!("http://{}", self.authority()))
            .body(body.to_owned())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A browser-like cookie jar for one origin: keeps `name=value` pairs, honours `Max-Age=0`.
#[derive(Debug, Default, Clone)]
pub struct CookieJar {
    cookies: BTreeMap<String, String>,
    /// Every `Set-Cookie` header seen, verbatim, in order.
    pub seen: Vec<String>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record the `Set-Cookie` headers of `res`.
    pub fn absorb(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(line) = v.to_str() else { continue };
            self.seen.push(line.to_owned());
            let mut parts = line.split(';').map(str::trim);
            let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let removed = parts.any(|a| a.eq_ignore_ascii_case("max-age=0"));
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// Send `req` with this jar's cookies, and keep the ones the response sets.
    ///
    /// # Panics
    /// If the request fails.
    #[allow(clippy::unwrap_used)]
    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> reqwest::Response {
        let req = match self.header() {
            Some(c) => req.header("cookie", c),
            None => req,
        };
        let res = req.send().await.unwrap();
        self.absorb(&res);
        res
    }

    /// The `Cookie` header value to send, if any.
    pub fn header(&self) -> Option<String> {
        if self.cookies.is_empty() {
            return None;
        }
        Some(
            self.cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// The value of cookie `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }
}

/// A client whose connections come from `local` (any of 127.0.0.0/8 on Linux), so a server
/// sees distinct client addresses; otherwise like [`client`].
///
/// # Panics
/// If the client cannot be built.
#[allow(clippy::unwrap_used)]
pub fn client_from(local: std::net::IpAddr) -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(local)
        .build()
        .unwrap()
}

/// A client that does not follow redirects (so tests see each `Set-Cookie`).
///
/// # Panics
/// If the client cannot be built.
#[allow(clippy::unwrap_used)]
pub fn client() -> reqwest::Client {
    // Feature unification may build reqwest with rustls but no provider; any will do here.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}
