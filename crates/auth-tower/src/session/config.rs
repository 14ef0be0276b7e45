//! Session configuration, validated once when the layer is built.

mod builder;

pub use builder::SessionLayerBuilder;

use super::cookie_scope::SameSite;
use crate::cross_site::CrossSitePolicy;
use crate::rejection::Style;
use auth_core::{Clock, Error, Revocations, SessionStore};
use http::HeaderName;
use std::sync::Arc;
use std::time::Duration;

/// Default idle timeout: 30 minutes (OWASP Session Management cheat sheet, low-risk apps).
pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Default idle timeout of a session without an identity (until login): 5 minutes. Long
/// enough for a visitor to read a page and fill in a form (the login form's CSRF token, a
/// contact form) with the usual requests in between, each of which pushes it forward; short
/// enough that a client creating sessions without a cookie holds few at a time (a shared store
/// keeps about rate × 5 min of them, a sixth of what the 30 min idle timeout would).
pub(crate) const DEFAULT_ANONYMOUS_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Default absolute timeout: 12 hours.
pub(crate) const DEFAULT_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(12 * 60 * 60);
/// Default touch interval: the idle expiry is pushed forward at most once a minute, so a
/// read-only request inside that minute writes nothing.
pub(crate) const DEFAULT_TOUCH_INTERVAL: Duration = Duration::from_secs(60);
/// Default cookie name (sent as `__Host-session` when the cookie is secure).
pub(crate) const DEFAULT_COOKIE_NAME: &str = "session";

/// Everything the session service needs per request, shared by all requests.
#[derive(Debug, Clone)]
pub(crate) struct SessionConfig {
    pub(crate) store: Arc<dyn SessionStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cookie: CookieConfig,
    pub(crate) idle_timeout: Duration,
    /// The idle timeout of a session without an identity (never longer than `idle_timeout`).
    pub(crate) anonymous_idle_timeout: Duration,
    pub(crate) absolute_timeout: Duration,
    pub(crate) touch_interval: Duration,
    pub(crate) cross_site: CrossSitePolicy,
    pub(crate) style: Style,
    /// Consulted on every load, told of every logout.
    pub(crate) revocations: Option<Arc<dyn Revocations>>,
    /// The trusted proxy's header a login device's address is read from, and which entry
    /// from the right (`None`: the connection's).
    pub(crate) client_ip_header: Option<(HeaderName, usize)>,
}

/// How the session cookie is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookieConfig {
    /// The full name, prefix included.
    pub(crate) name: String,
    pub(crate) secure: bool,
    /// `Some(absolute timeout)` for a persistent cookie; `None` for a browser-session cookie.
    pub(crate) max_age: Option<Duration>,
    /// `Domain`, if any (then the prefix is `__Secure-`).
    pub(crate) domain: Option<String>,
    /// `Path` (default `/`).
    pub(crate) path: String,
    pub(crate) same_site: SameSite,
}

/// RFC 6265 cookie-name rules (an HTTP token), and no prefix of our own making.
pub(crate) fn validate_cookie_name(name: &str) -> Result<(), Error> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || name.len() > 64 || !name.bytes().all(token) {
        return Err(Error::config(format!(
            "cookie name {name:?} must be 1-64 characters of letters, digits and !#$%&'*+-.^_`|~"
        )));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("__host-") || lower.starts_with("__secure-") {
        return Err(Error::config(
            "give the cookie name without a __Host-/__Secure- prefix: the layer adds the right one",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
