//! Cross-site request protection for cookie sessions (on by default).
//!
//! A browser attaches cookies to requests that other sites trigger, so a state-changing
//! request carrying a session cookie may not be what the user meant (CSRF). Modern browsers
//! say where a request comes from in `Sec-Fetch-Site` and `Origin`; we refuse unsafe methods
//! (anything but `GET`, `HEAD`, `OPTIONS`) unless:
//! - `Sec-Fetch-Site` is `same-origin` or `none` (typed in the address bar, a bookmark), or
//! - `Origin` is the request's own origin (its host matches `Host` / the URI authority), or
//! - `Origin` is in the configured allow list (for a separate front-end origin).
//!
//! A request with neither header is let through: it does not come from a browser (curl, a
//! server, a mobile app), and browsers that would send cookies cross-site send `Origin` on
//! unsafe methods. Refusals are 403.
//!
//! # Deployment caveat
//! Behind a proxy that rewrites `Host`, allow your public origin explicitly with
//! `with_allowed_origin("https://app.example.com")`. Safe methods are never checked, so keep
//! state changes off `GET`.

use auth_core::Error;
use http::header::{HOST, ORIGIN};
use http::{Method, Request};

/// The name of the fetch-metadata header.
const SEC_FETCH_SITE: &str = "sec-fetch-site";

/// The cross-site request policy of a session layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CrossSitePolicy {
    pub(crate) enabled: bool,
    /// Normalized `scheme://host[:port]`, lower case.
    pub(crate) allowed_origins: Vec<String>,
}

impl Default for CrossSitePolicy {
    fn default() -> Self {
        Self {
            enabled: true,
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
        let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
        let allowed = |o: &str| {
            self.allowed_origins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(o))
        };
        if let Some(site) = headers.get(SEC_FETCH_SITE) {
            let site = site.as_bytes();
            if site.eq_ignore_ascii_case(b"same-origin") || site.eq_ignore_ascii_case(b"none") {
                return Ok(());
            }
            return match origin {
                Some(o) if allowed(o) => Ok(()),
                _ => Err(CrossSiteRefusal::FetchMetadata),
            };
        }
        let Some(origin) = origin else {
            return Ok(());
        };
        if allowed(origin) || is_same_origin(origin, req) {
            return Ok(());
        }
        Err(CrossSiteRefusal::Origin)
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether `origin`'s host[:port] is the request's own authority.
fn is_same_origin<B>(origin: &str, req: &Request<B>) -> bool {
    let Some((_, host)) = origin.split_once("://") else {
        return false; // "null" and other opaque origins are never same-origin
    };
    let own = req
        .uri()
        .authority()
        .map(|a| a.as_str())
        .or_else(|| req.headers().get(HOST).and_then(|h| h.to_str().ok()));
    own.is_some_and(|own| !own.is_empty() && own.eq_ignore_ascii_case(host))
}

/// Normalize an allow-list entry to `scheme://host[:port]`, refusing anything else.
pub(crate) fn normalize_origin(origin: &str) -> Result<String, Error> {
    let bad = || {
        Error::config(format!(
            "allowed origin {origin:?} must be scheme://host[:port] with no path, e.g. https://app.example.com"
        ))
    };
    let uri: http::Uri = origin.parse().map_err(|_| bad())?;
    let scheme = uri.scheme_str().ok_or_else(bad)?;
    let authority = uri.authority().ok_or_else(bad)?;
    if !matches!(scheme, "http" | "https")
        || authority.as_str().contains('@')
        || !matches!(uri.path(), "" | "/")
        || uri.query().is_some()
        || origin.ends_with('/')
    {
        return Err(bad());
    }
    Ok(format!(
        "{scheme}://{}",
        authority.as_str().to_ascii_lowercase()
    ))
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
            allowed_origins: vec![normalize_origin("https://front.test").unwrap()],
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
            allowed_origins: vec![],
        };
        assert_eq!(
            off.check(&req("POST", &[("origin", "https://evil.test")])),
            Ok(())
        );
    }

    #[test]
    fn allow_list_entries_are_validated() {
        assert_eq!(
            normalize_origin("https://A.example.com:8443").unwrap(),
            "https://a.example.com:8443"
        );
        for bad in [
            "a.example.com",
            "https://a.example.com/",
            "https://a/path",
            "ftp://a",
            "https://u@a",
            "",
        ] {
            assert!(normalize_origin(bad).is_err(), "accepted {bad:?}");
        }
    }
}
