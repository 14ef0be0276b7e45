#![no_main]
//! The session layer's cross-site rules under arbitrary `Origin`, `Sec-Fetch-Site` and `Host`
//! headers and method: never a panic, only 200 (let through) or 403 (refused), and a request
//! let through is one a plain model of the rules also lets through. The model is written
//! independently of the layer's origin parser: it only lower-cases and drops default ports,
//! so it may refuse what the layer accepts only if the layer is looser than it should be.

use auth_tower::{MemoryStore, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::any;
use http::StatusCode;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tower::ServiceExt;

/// The one origin besides the app's own that the layer allows.
const ALLOWED: &str = "https://front.fuzz";

fn app() -> &'static (Router, tokio::runtime::Runtime) {
    static APP: OnceLock<(Router, tokio::runtime::Runtime)> = OnceLock::new();
    APP.get_or_init(|| {
        // The development cookie: the app's own origin is http://<Host>.
        let layer = SessionLayer::builder(MemoryStore::new())
            .with_insecure_dev_cookie()
            .with_allowed_origin(ALLOWED)
            .build()
            .expect("layer");
        let router = Router::new()
            .route("/", any(|| async { "ok" }))
            .layer(layer);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (router, rt)
    })
}

/// `origin` lower-cased, without the default port of its scheme.
fn normalise(origin: &str) -> String {
    let lower = origin.to_ascii_lowercase();
    for (scheme, port) in [("https://", ":443"), ("http://", ":80")] {
        if lower.starts_with(scheme)
            && let Some(stripped) = lower.strip_suffix(port)
        {
            return stripped.to_owned();
        }
    }
    lower
}

/// Whether the model lets the request through.
fn model_allows(
    method: &str,
    origin: Option<&str>,
    fetch_site: Option<&[u8]>,
    host: Option<&str>,
) -> bool {
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return true;
    }
    let allowed = origin.is_some_and(|o| normalise(o) == ALLOWED);
    if let Some(site) = fetch_site {
        return site.eq_ignore_ascii_case(b"same-origin")
            || site.eq_ignore_ascii_case(b"none")
            || allowed;
    }
    match origin {
        None => true,
        Some(o) => {
            allowed || host.is_some_and(|h| normalise(o) == normalise(&format!("http://{h}")))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // method byte, then NUL-separated Origin, Sec-Fetch-Site, Host; an empty part is absent.
    let Some((&m, rest)) = data.split_first() else {
        return;
    };
    let method = [
        "POST", "PUT", "DELETE", "PATCH", "GET", "HEAD", "OPTIONS", "PROPFIND",
    ][usize::from(m) % 8];
    let mut parts = rest.split(|b| *b == 0);
    let mut next = || parts.next().filter(|p| !p.is_empty());
    let (origin, fetch_site, host) = (next(), next(), next());

    let mut req = http::Request::builder().method(method).uri("/");
    for (name, value) in [
        ("origin", origin),
        ("sec-fetch-site", fetch_site),
        ("host", host),
    ] {
        if let Some(v) = value {
            req = req.header(name, v);
        }
    }
    let Ok(req) = req.body(Body::empty()) else {
        return; // not a valid header value: no request could carry it
    };
    let (router, rt) = app();
    let res = rt
        .block_on(router.clone().oneshot(req))
        .expect("infallible");
    let status = res.status();
    assert!(
        status == StatusCode::OK || status == StatusCode::FORBIDDEN,
        "unexpected status {status}"
    );
    if status == StatusCode::OK {
        // A non-UTF-8 Origin can only be let through where the model ignores Origin.
        let origin_text = match origin {
            Some(o) => match std::str::from_utf8(o) {
                Ok(o) => Some(o),
                Err(_) => Some("\u{0}not utf-8"),
            },
            None => None,
        };
        assert!(
            model_allows(
                method,
                origin_text,
                fetch_site,
                host.and_then(|h| std::str::from_utf8(h).ok())
            ),
            "let through: {method} origin={origin:?} sec-fetch-site={fetch_site:?} host={host:?}"
        );
    }
});
