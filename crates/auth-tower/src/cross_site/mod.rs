//! Cross-site request protection for cookie sessions (on by default).
//!
//! A browser attaches cookies to requests that other sites trigger, so a state-changing
//! request carrying a session cookie may not be what the user meant (CSRF). Modern browsers
//! say where a request comes from in `Sec-Fetch-Site` and `Origin`; we refuse unsafe methods
//! (anything but `GET`, `HEAD`, `OPTIONS`) unless:
//! - `Sec-Fetch-Site` is `same-origin` or `none` (typed in the address bar, a bookmark), or
//! - `Origin` is the request's own origin: the layer's scheme (https with `Secure` cookies,
//!   the default; http with the insecure development cookie) and the host and port of `Host`
//!   / the URI authority, or
//! - `Origin` is in the configured allow list (for a separate front-end origin).
//!
//! Origins are compared as scheme, host and port: the host without regard to
//! ASCII case, a default port (`:443` for https, `:80` for http) the same as none. So
//! `Origin: http://app.example` is not the https app `app.example`, and an allowed
//! `https://front.example:443` matches the `https://front.example` browsers send. An allowed
//! origin that no browser could ever send (a path or trailing `/`, a query, a fragment, user
//! info, `*`, a scheme other than http/https, a bad port) is refused when the layer is built.
//!
//! A request with neither header is let through: it does not come from a browser (curl, a
//! server, a mobile app), and browsers that would send cookies cross-site send `Origin` on
//! unsafe methods. An `Origin` that is not an http(s) origin (`null`, from a sandboxed frame
//! or a `file:` page) is refused. Refusals are 403.
//!
//! # Deployment caveat
//! Behind a proxy that rewrites `Host`, allow your public origin explicitly with
//! `with_allowed_origin("https://app.example.com")`; the same for a plain-http origin in
//! development when the layer assumes https. Safe methods are never checked, so keep state
//! changes off `GET`.

mod origin;

pub(crate) use origin::{Origin, Scheme};

use http::header::{HOST, ORIGIN};
use http::{Method, Request};

/// The name of the fetch-metadata header.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// The cross-site request policy of a session layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrossSitePolicy {
    pub(crate) enabled: bool,
    /// The scheme of the layer's own origin (the `Host` header has none).
    pub(crate) own_scheme: Scheme,
    /// Origins trusted besides our own.
    pub(crate) allowed_origins: Vec<Origin>,
}

impl Default for CrossSitePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            own_scheme: Scheme::Https,
            allowed_origins: Vec::new(),
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CrossSiteRefusal {
    /// `Sec-Fetch-Site` says the request comes from another site.
    FetchMetadata,
    /// `Origin` is neither ours nor allowed.
    Origin,
}

impl CrossSiteRefusal {
    pub(crate) const fn description(self) -> &'static str {
        match self {
            Self::FetchMetadata => "cross-site request refused (Sec-Fetch-Site)",
            Self::Origin => "cross-site request refused (Origin)",
        }
    }
}

impl CrossSitePolicy {
    /// Check `req`; `Err` names why it is refused.
    pub(crate) fn check<B>(&self, req: &Request<B>) -> Result<(), CrossSiteRefusal> {
        if !self.enabled || is_safe(req.method()) {
            return Ok(());
        }
        let headers = req.headers();
        let origin_header = headers.get(ORIGIN);
        // Not UTF-8 or not an http(s) origin ("null"): never ours, never allowed.
        let origin = origin_header
            .and_then(|v| v.to_str().ok())
            .and_then(|o| Origin::parse(o).ok());
        let allowed = origin
            .as_ref()
            .is_some_and(|o| self.allowed_origins.contains(o));
        if let Some(site) = headers.get(SEC_FETCH_SITE) {
            let site = site.as_bytes();
            if site.eq_ignore_ascii_case(b"same-origin") || site.eq_ignore_ascii_case(b"none") {
                return Ok(());
            }
            return if allowed {
                Ok(())
            } else {
                Err(CrossSiteRefusal::FetchMetadata)
            };
        }
        if origin_header.is_none() {
            return Ok(());
        }
        if allowed || origin.is_some_and(|o| self.is_own(&o, req)) {
            return Ok(());
        }
        Err(CrossSiteRefusal::Origin)
    }

    /// Whether `origin` is the request's own: our scheme, and the host and port of the URI
    /// authority or the `Host` header.
    fn is_own<B>(&self, origin: &Origin, req: &Request<B>) -> bool {
        let authority = req
            .uri()
            .authority()
            .map(|a| a.as_str())
            .or_else(|| req.headers().get(HOST).and_then(|h| h.to_str().ok()));
        authority
            .and_then(|a| Origin::with_authority(self.own_scheme, a).ok())
            .is_some_and(|own| own == *origin)
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, headers: &[(&str, &str)]) -> Request<()> {
        let mut b = Request::builder()
            .method(method)
            .uri("/x")
            .header(HOST, "app.test:8080");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn decisions() {
        let p = CrossSitePolicy {
            enabled: true,
            own_scheme: Scheme::Http,
            allowed_origins: vec![Origin::allowed("https://front.test").unwrap()],
        };
        let ok = |m, h: &[(&str, &str)]| p.check(&req(m, h));
        assert_eq!(ok("GET", &[("sec-fetch-site", "cross-site")]), Ok(()));
        assert_eq!(ok("POST", &[]), Ok(()), "non-browser clients");
        assert_eq!(ok("POST", &[("sec-fetch-site", "same-origin")]), Ok(()));
        assert_eq!(ok("POST", &[("sec-fetch-site", "none")]), Ok(()));
        assert_eq!(
            ok(
                "POST",
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://evil.test")
                ]
            ),
            Err(CrossSiteRefusal::FetchMetadata)
        );
        assert_eq!(
            ok("POST", &[("sec-fetch-site", "same-site")]),
            Err(CrossSiteRefusal::FetchMetadata)
        );
        assert_eq!(
            ok(
                "DELETE",
                &[
                    ("sec-fetch-site", "cross-site"),
                    ("origin", "https://front.test")
                ]
            ),
            Ok(()),
            "allow-listed origin"
        );
        assert_eq!(
            ok("POST", &[("origin", "http://app.test:8080")]),
            Ok(()),
            "own origin"
        );
        assert_eq!(ok("POST", &[("origin", "http://APP.test:8080")]), Ok(()));
        assert_eq!(
            ok("POST", &[("origin", "http://app.test:9999")]),
            Err(CrossSiteRefusal::Origin)
        );
        assert_eq!(
            ok("POST", &[("origin", "null")]),
            Err(CrossSiteRefusal::Origin)
        );
        assert_eq!(
            ok("PUT", &[("origin", "https://evil.test")]),
            Err(CrossSiteRefusal::Origin)
        );
        let off = CrossSitePolicy {
            enabled: false,
            ..CrossSitePolicy::default()
        };
        assert_eq!(
            off.check(&req("POST", &[("origin", "https://evil.test")])),
            Ok(())
        );
    }

    #[test]
    fn own_origin_is_scheme_host_and_port() {
        let https = CrossSitePolicy::default();
        let ok = |p: &CrossSitePolicy, origin: &str, host: &str| {
            let req = Request::post("/x")
                .header(HOST, host)
                .header(ORIGIN, origin)
                .body(())
                .unwrap();
            p.check(&req).is_ok()
        };
        assert!(ok(&https, "https://app.test", "app.test"));
        assert!(ok(&https, "https://app.test", "app.test:443"));
        assert!(ok(&https, "https://app.test:443", "APP.test"));
        assert!(!ok(&https, "http://app.test", "app.test"), "scheme ignored");
        assert!(!ok(&https, "http://app.test:443", "app.test:443"));
        assert!(!ok(&https, "https://app.test:8443", "app.test"));
        assert!(
            !ok(&https, "https://app.test", "bad host"),
            "unparsable Host"
        );
        let http = CrossSitePolicy {
            own_scheme: Scheme::Http,
            ..CrossSitePolicy::default()
        };
        assert!(ok(&http, "http://app.test", "app.test:80"));
        assert!(!ok(&http, "https://app.test", "app.test"));
    }

    #[test]
    fn an_origin_header_that_is_not_an_origin_is_refused() {
        let p = CrossSitePolicy::default();
        let req = Request::post("/x")
            .header(HOST, "app.test")
            .header(
                ORIGIN,
                http::HeaderValue::from_bytes(b"https://app.test\xff").unwrap(),
            )
            .body(())
            .unwrap();
        assert_eq!(p.check(&req), Err(CrossSiteRefusal::Origin));
    }
}
