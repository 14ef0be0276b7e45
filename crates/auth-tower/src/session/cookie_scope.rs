//! Where the session cookie is sent (`Domain`, `Path`, `SameSite`) and how long it lives, with
//! every combination a browser would refuse or silently change refused when the layer is
//! built (RFC 6265bis, the cookie prefixes and Chrome's 400-day cap).

use auth_core::Error;
use std::time::Duration;

/// The session cookie's `SameSite` attribute (default [`Lax`](Self::Lax)).
///
/// The layer's cross-site request check (on by default) refuses unsafe cross-site requests
/// whatever this says; `SameSite` is the browser's own, earlier line of defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SameSite {
    /// Sent only with requests from the same site: a link from another site arrives without
    /// the session (the user looks logged out on that first page).
    Strict,
    /// Sent with same-site requests and with top-level navigations from other sites (the
    /// default; what users expect of a login).
    #[default]
    Lax,
    /// Sent with cross-site requests too (an app embedded in another site's frame, a front end
    /// on another site). Browsers require `Secure` for it, so the layer does too.
    None,
}

impl SameSite {
    pub(super) fn as_cookie(self) -> cookie::SameSite {
        match self {
            Self::Strict => cookie::SameSite::Strict,
            Self::Lax => cookie::SameSite::Lax,
            Self::None => cookie::SameSite::None,
        }
    }
}

/// Browsers cap a cookie's lifetime at 400 days (RFC 6265bis §5.5, Chrome since 104): a longer
/// persistent session would lose its cookie while it still lives.
const MAX_COOKIE_LIFETIME: Duration = Duration::from_secs(400 * 24 * 3600);

/// The scope the builder was given, checked by [`check`](Self::check).
#[derive(Debug, Clone, Default)]
pub(super) struct CookieScope {
    pub(super) domain: Option<String>,
    pub(super) path: Option<String>,
    pub(super) same_site: SameSite,
}

impl CookieScope {
    /// Refuse what a browser would refuse or change; `secure` is whether the cookie is
    /// `Secure`, `lifetime` its `Max-Age` when persistent.
    pub(super) fn check(&self, secure: bool, lifetime: Option<Duration>) -> Result<(), Error> {
        if let Some(domain) = &self.domain {
            check_domain(domain)?;
        }
        if let Some(path) = &self.path {
            check_path(path)?;
        }
        if self.same_site == SameSite::None && !secure {
            return Err(Error::config(
                "SameSite=None needs a Secure cookie: browsers drop it otherwise (do not combine it \
                 with with_insecure_dev_cookie)",
            ));
        }
        if lifetime.is_some_and(|l| l > MAX_COOKIE_LIFETIME) {
            return Err(Error::config(
                "a persistent cookie lives at most 400 days in browsers: keep the absolute timeout \
                 within that",
            ));
        }
        Ok(())
    }

    /// The name prefix: `__Host-` (host-only, `Path=/`: no sibling subdomain can set or
    /// overwrite it) where possible, `__Secure-` for a secure cookie with a `Domain` or another
    /// path, none for a development cookie.
    pub(super) fn prefix(&self, secure: bool) -> &'static str {
        if !secure {
            ""
        } else if self.domain.is_none() && self.path.as_deref().is_none_or(|p| p == "/") {
            "__Host-"
        } else {
            "__Secure-"
        }
    }
}

/// A registrable host name: dot-separated labels of letters, digits and hyphens, at least two
/// labels (browsers refuse `Domain=com` and other public suffixes; single labels are the only
/// ones we can tell without the public suffix list), no IP address, no port.
fn check_domain(domain: &str) -> Result<(), Error> {
    let refuse = |why: &str| {
        Err(Error::config(format!(
            "cookie domain {domain:?} {why}; give a host name such as example.com"
        )))
    };
    let name = domain.strip_prefix('.').unwrap_or(domain);
    if name.is_empty() || name.len() > 253 {
        return refuse("is empty or too long");
    }
    if name.parse::<std::net::IpAddr>().is_ok() || name.starts_with('[') {
        return refuse("is an IP address, which cannot have subdomains");
    }
    let labels: Vec<&str> = name.split('.').collect();
    if labels.len() < 2 {
        return refuse("is a single label (browsers refuse top-level and public-suffix domains)");
    }
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if !labels.iter().all(label_ok) {
        return refuse("is not a host name (letters, digits, hyphens and dots; no port)");
    }
    Ok(())
}

/// An absolute path of visible ASCII without `;` (it would end the attribute).
fn check_path(path: &str) -> Result<(), Error> {
    if !path.starts_with('/') || !path.bytes().all(|b| b.is_ascii_graphic() && b != b';') {
        return Err(Error::config(format!(
            "cookie path {path:?} must start with '/' and contain no spaces, ';' or control \
             characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(domain: Option<&str>, path: Option<&str>, same_site: SameSite) -> CookieScope {
        CookieScope {
            domain: domain.map(str::to_owned),
            path: path.map(str::to_owned),
            same_site,
        }
    }

    #[test]
    fn the_prefix_is_host_only_where_the_browser_allows_it() {
        let host = scope(None, None, SameSite::Lax);
        assert_eq!(host.prefix(true), "__Host-");
        assert_eq!(
            scope(None, Some("/"), SameSite::Lax).prefix(true),
            "__Host-"
        );
        assert_eq!(
            scope(Some("example.com"), None, SameSite::Lax).prefix(true),
            "__Secure-"
        );
        assert_eq!(
            scope(None, Some("/app"), SameSite::Lax).prefix(true),
            "__Secure-"
        );
        assert_eq!(host.prefix(false), "");
    }

    #[test]
    fn domains_a_browser_refuses_are_refused() {
        for bad in [
            "",
            ".",
            "com",
            "localhost",
            "127.0.0.1",
            "[::1]",
            "example.com:8080",
            "exa mple.com",
            "-example.com",
            "example..com",
            "example.com.",
            "ex_ample.com",
        ] {
            let s = scope(Some(bad), None, SameSite::Lax);
            assert!(s.check(true, None).is_err(), "{bad:?}");
        }
        for good in [
            "example.com",
            ".example.com",
            "app.example.co.uk",
            "xn--bcher-kva.example",
        ] {
            let s = scope(Some(good), None, SameSite::Lax);
            assert!(s.check(true, None).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn paths_must_be_absolute_and_attribute_safe() {
        for bad in ["", "app", "/a;b", "/a b", "/caf\u{e9}"] {
            let s = scope(None, Some(bad), SameSite::Lax);
            assert!(s.check(true, None).is_err(), "{bad:?}");
        }
        assert!(
            scope(None, Some("/app/"), SameSite::Lax)
                .check(true, None)
                .is_ok()
        );
    }

    #[test]
    fn same_site_none_needs_secure() {
        let none = scope(None, None, SameSite::None);
        assert!(none.check(false, None).is_err());
        assert!(none.check(true, None).is_ok());
        assert!(
            scope(None, None, SameSite::Strict)
                .check(false, None)
                .is_ok()
        );
    }

    #[test]
    fn persistent_cookies_live_at_most_400_days() {
        let s = scope(None, None, SameSite::Lax);
        assert!(s.check(true, Some(MAX_COOKIE_LIFETIME)).is_ok());
        let longer = MAX_COOKIE_LIFETIME + Duration::from_secs(1);
        assert!(s.check(true, Some(longer)).is_err());
        assert!(
            s.check(true, None).is_ok(),
            "a browser-session cookie has no Max-Age"
        );
    }
}
