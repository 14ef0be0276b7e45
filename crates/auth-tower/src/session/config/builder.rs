//! [`SessionLayerBuilder`]: the session layer's settings, each with its default, checked
//! together when the layer is built.

use super::{
    CookieConfig, DEFAULT_ABSOLUTE_TIMEOUT, DEFAULT_ANONYMOUS_IDLE_TIMEOUT, DEFAULT_COOKIE_NAME,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_TOUCH_INTERVAL, SessionConfig, validate_cookie_name,
};
use crate::cross_site::{CrossSitePolicy, Origin, Scheme};
use crate::decision::Decider;
use crate::rejection::{ErrorBody, Style};
#[cfg(doc)]
use crate::session::Session;
use crate::session::SessionLayer;
use crate::session::cookie_scope::{CookieScope, SameSite};
use auth_core::{Clock, Error, Revocations, SessionStore, SystemClock};
use http::HeaderName;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`SessionLayer`]; see its docs for an example.
#[derive(Debug)]
#[must_use]
pub struct SessionLayerBuilder {
    store: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
    cookie_name: String,
    secure: bool,
    persistent: bool,
    scope: CookieScope,
    idle_timeout: Duration,
    anonymous_idle_timeout: Duration,
    absolute_timeout: Duration,
    touch_interval: Duration,
    cross_site_enabled: bool,
    allowed_origins: Vec<String>,
    style: Style,
    revocations: Option<Arc<dyn Revocations>>,
    client_ip_header: Option<(String, usize)>,
}

impl SessionLayerBuilder {
    pub(crate) fn new(store: Arc<dyn SessionStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
            cookie_name: DEFAULT_COOKIE_NAME.to_owned(),
            secure: true,
            persistent: false,
            scope: CookieScope::default(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            anonymous_idle_timeout: DEFAULT_ANONYMOUS_IDLE_TIMEOUT,
            absolute_timeout: DEFAULT_ABSOLUTE_TIMEOUT,
            touch_interval: DEFAULT_TOUCH_INTERVAL,
            cross_site_enabled: true,
            allowed_origins: Vec::new(),
            style: Style::of(Decider::Session),
            revocations: None,
            client_ip_header: None,
        }
    }

    /// The cookie name without prefix (default `session`). With secure cookies (the default)
    /// it is sent as `__Host-<name>`, which browsers only accept with `Secure`, `Path=/` and
    /// no `Domain`, so a sibling subdomain cannot plant or overwrite it.
    pub fn with_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// **Development only**: drop `Secure` and the `__Host-` prefix, so the cookie works over
    /// plain `http://` on a browser or client that does not treat localhost as secure. Never
    /// use it in production: the session id would travel in clear text.
    pub fn with_insecure_dev_cookie(mut self) -> Self {
        self.secure = false;
        self
    }

    /// Send a persistent cookie (`Max-Age` = the absolute timeout) instead of the default
    /// browser-session cookie. OWASP recommends non-persistent session cookies; use this for
    /// "remember me".
    pub fn with_persistent_cookie(mut self) -> Self {
        self.persistent = true;
        self
    }

    /// Share the cookie with every subdomain of `domain` (`Domain=example.com`: sent to
    /// `app.example.com` and `api.example.com`). The name then gets the `__Secure-` prefix
    /// instead of `__Host-` (which forbids a domain), so a sibling subdomain you do not trust
    /// could set a cookie of that name: use it only when every subdomain is yours. An IP
    /// address, a single label (`localhost`, `com`) or a port makes [`build`](Self::build) fail.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer};
    /// let layer = SessionLayer::builder(MemoryStore::new())
    ///     .with_cookie_domain("example.com")
    ///     .build()?; // the cookie is `__Secure-session`, Domain=example.com
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_cookie_domain(mut self, domain: impl Into<String>) -> Self {
        self.scope.domain = Some(domain.into());
        self
    }

    /// Send the cookie only under `path` (default `/`). A path other than `/` gives the name
    /// the `__Secure-` prefix instead of `__Host-`. Not a security boundary between apps on
    /// one origin (they can read each other's pages); it keeps the cookie off other routes.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer};
    /// let layer = SessionLayer::builder(MemoryStore::new())
    ///     .with_cookie_path("/app")
    ///     .build()?;
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_cookie_path(mut self, path: impl Into<String>) -> Self {
        self.scope.path = Some(path.into());
        self
    }

    /// The cookie's `SameSite` (default [`SameSite::Lax`]). [`SameSite::None`] needs a
    /// `Secure` cookie, so it cannot be combined with
    /// [`with_insecure_dev_cookie`](Self::with_insecure_dev_cookie).
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer, session::SameSite};
    /// let layer = SessionLayer::builder(MemoryStore::new())
    ///     .with_same_site(SameSite::Strict)
    ///     .build()?;
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_same_site(mut self, same_site: SameSite) -> Self {
        self.scope.same_site = same_site;
        self
    }

    /// How long a session lives without being used (default 30 min).
    pub fn with_idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// How long a session without an identity (a visitor's CSRF token, cart or flash message,
    /// before login) lives without being used (default 5 min; never longer than the
    /// [idle timeout](Self::with_idle_timeout), which a login switches the session to). Each
    /// use pushes it forward, at least every half of it, so an active visitor keeps theirs.
    ///
    /// Any request without a cookie that writes to its session creates one, so this bounds
    /// what anonymous clients make the store hold. The memory store also has a capacity
    /// (`MemoryStore::builder().with_max_sessions`) and evicts anonymous sessions first. A
    /// shared store (Redis, PostgreSQL) expires each record at its idle expiry, so it holds
    /// about **anonymous session creations per second × this timeout** anonymous sessions: at
    /// 1,000 new visitors (or a client's 1,000 cookie-less writes) per second and 5 minutes,
    /// 300,000 keys of about 0.5-1 KB each (150-300 MB of Redis memory); size the store, or
    /// shorten this, for the rate you must absorb (rate-limit cookie-less writes upstream if
    /// it can be higher). Redis drops each key itself at its expiry. PostgreSQL never serves
    /// an expired row, and its cleanup task deletes expired rows every minute, at most 100,000
    /// per round by default: it holds about rate × (this timeout + 1 min) rows up to ~1,600
    /// creations per second, and falls behind above that.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer};
    /// use std::time::Duration;
    /// let layer = SessionLayer::builder(MemoryStore::new())
    ///     .with_anonymous_idle_timeout(Duration::from_secs(120))
    ///     .build()?;
    /// assert!(SessionLayer::builder(MemoryStore::new())
    ///     .with_anonymous_idle_timeout(Duration::ZERO)
    ///     .build()
    ///     .is_err());
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_anonymous_idle_timeout(mut self, timeout: Duration) -> Self {
        self.anonymous_idle_timeout = timeout;
        self
    }

    /// How long a session lives at most, however active (default 12 h).
    pub fn with_absolute_timeout(mut self, timeout: Duration) -> Self {
        self.absolute_timeout = timeout;
        self
    }

    /// How often the idle expiry may be pushed forward (default 60 s). A read-only request
    /// within this interval of the last touch writes nothing to the store.
    pub fn with_touch_interval(mut self, interval: Duration) -> Self {
        self.touch_interval = interval;
        self
    }

    /// Also accept unsafe cross-site requests whose `Origin` is `origin`
    /// (`scheme://host[:port]`), e.g. a front end served from another origin. Compared by
    /// scheme, host (any ASCII case) and port (a default port the same as none); an origin no
    /// browser can send (a path or trailing `/`, a query, user info, `*`, another scheme) makes
    /// [`build`](Self::build) fail.
    pub fn with_allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Turn cross-site request protection off. Only do this if something else protects
    /// state-changing requests (a CSRF token, or no cookie-authenticated writes at all).
    pub fn without_cross_site_protection(mut self) -> Self {
        self.cross_site_enabled = false;
        self
    }

    /// The clock (tests inject a `ManualClock`, feature `test-util`; share it with the store).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The realm named in `WWW-Authenticate: Bearer` challenges (default `app`). A session
    /// layer alone sends no challenge (it takes no bearer token, and cookies have no standard
    /// challenge: send browsers to your login page with [`ErrorBody::redirect_to_login`]); the
    /// realm is used when the layer is the cookie half of a `HybridLayer`.
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.style.set_realm(realm);
        self
    }

    /// Your body for HTTP refusals (JSON, an HTML page, a redirect to the login page); the
    /// status and headers are kept. See [`ErrorBody`].
    pub fn with_error_body(mut self, body: ErrorBody) -> Self {
        self.style.set_body(body);
        self
    }

    /// Share a revocation list with bearer tokens (`MemoryStore`, or `RedisRevocations` across
    /// instances). Then a revoked session key or subject watermark (a refresh-token reuse, an
    /// admin ban, "log out everywhere" from an API) also ends the cookie session, checked in
    /// process on every load; and every end of a logged-in session key
    /// ([`logout`](Session::logout), the id rotation of a new login, another user
    /// logging in on the same browser, [`revoke`](Session::revoke)) and
    /// [`logout_everywhere`](Session::logout_everywhere) publish revocations, so access
    /// tokens minted from those sessions die with them on every instance. Sessions without an
    /// identity publish nothing (nothing can have been minted from them).
    pub fn with_revocations(mut self, revocations: impl Revocations) -> Self {
        self.revocations = Some(Arc::new(revocations));
        self
    }

    /// Read the client address of a login device ([`Session::login_from`]) from the rightmost
    /// entry of header `name`, which your trusted reverse proxy sets (`x-forwarded-for`,
    /// `x-real-ip`, `forwarded`), instead of from the connection (which, behind a proxy, is
    /// always the proxy). Rightmost, because that is the entry your own proxy appended; what
    /// the client put to its left is the client's to choose. A missing or unreadable value
    /// records no address (never the proxy's, never an error for the request).
    ///
    /// Off by default, since any client can send such a header: name one only when every
    /// request reaches the app through a proxy that appends to (or overwrites) it. Give
    /// `LoginThrottleBuilder::with_client_ip_header` (feature `axum`) the same header: it reads
    /// it the same way (and counts a request without a readable entry as the one unknown
    /// client, never under the proxy's address). Behind more than one proxy, see
    /// [`with_client_ip_header_hops`](Self::with_client_ip_header_hops).
    ///
    /// [`Session::login_from`]: Session::login_from
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer};
    /// let layer = SessionLayer::builder(MemoryStore::new())
    ///     .with_client_ip_header("x-forwarded-for") // only behind a proxy that sets it
    ///     .build()?;
    /// assert!(SessionLayer::builder(MemoryStore::new()).with_client_ip_header("bad header").build().is_err());
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_client_ip_header(self, name: &str) -> Self {
        self.with_client_ip_header_hops(name, 1)
    }

    /// As [`with_client_ip_header`](Self::with_client_ip_header), behind `hops` trusted
    /// proxies that each append to header `name` (a CDN, then your load balancer: 2): the
    /// client address is the `hops`-th entry from the right, the one your outermost proxy
    /// appended. Only that entry is parsed: odd bytes elsewhere in the header change nothing.
    /// Give `LoginThrottleBuilder::with_client_ip_header_hops` the same count.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, SessionLayer};
    /// let layer = SessionLayer::builder(MemoryStore::new())
    ///     .with_client_ip_header_hops("x-forwarded-for", 2) // CDN, then load balancer
    ///     .build()?;
    /// assert!(SessionLayer::builder(MemoryStore::new()).with_client_ip_header_hops("x-forwarded-for", 0).build().is_err());
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_client_ip_header_hops(mut self, name: &str, hops: usize) -> Self {
        self.client_ip_header = Some((name.to_owned(), hops));
        self
    }

    /// Validate and build the layer.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for an invalid cookie name, a cookie
    /// a browser would refuse or cut short (a domain or path it rejects, `SameSite=None`
    /// without `Secure`, a persistent cookie over 400 days), zero or inconsistent timeouts, a
    /// malformed allowed origin, an invalid client address header name, or a revocation list
    /// whose horizon is shorter than the absolute timeout (it would forget a logout while the
    /// session lives).
    pub fn build(self) -> Result<SessionLayer, Error> {
        let client_ip_header = match &self.client_ip_header {
            None => None,
            Some((_, 0)) => {
                return Err(Error::config(
                    "the client address header's hop count must be at least 1",
                ));
            }
            Some((name, hops)) => Some((
                HeaderName::try_from(name.as_str())
                    .map_err(|_| Error::config("the client address header name is invalid"))?,
                *hops,
            )),
        };
        validate_cookie_name(&self.cookie_name)?;
        let max_age = self.persistent.then_some(self.absolute_timeout);
        self.scope.check(self.secure, max_age)?;
        if self.idle_timeout.is_zero()
            || self.absolute_timeout.is_zero()
            || self.anonymous_idle_timeout.is_zero()
        {
            return Err(Error::config("session timeouts must be greater than zero"));
        }
        if self.idle_timeout > self.absolute_timeout {
            return Err(Error::config(
                "the idle timeout must not be longer than the absolute timeout",
            ));
        }
        if self.touch_interval >= self.idle_timeout {
            return Err(Error::config(
                "the touch interval must be shorter than the idle timeout, or active sessions would expire",
            ));
        }
        if let Some(revocations) = &self.revocations {
            revocations
                .require_horizon("sessions (the absolute timeout)", self.absolute_timeout)?;
        }
        let allowed_origins = self
            .allowed_origins
            .iter()
            .map(|o| Origin::allowed(o))
            .collect::<Result<Vec<_>, _>>()?;
        if !self.secure {
            tracing::warn!(
                target: "auth_tower::session",
                "session cookie is not Secure: development only, never in production"
            );
        }
        let name = format!("{}{}", self.scope.prefix(self.secure), self.cookie_name);
        Ok(SessionLayer::from_config(SessionConfig {
            store: self.store,
            clock: self.clock,
            cookie: CookieConfig {
                name,
                secure: self.secure,
                max_age,
                domain: self
                    .scope
                    .domain
                    .map(|d| d.trim_start_matches('.').to_owned()),
                path: self.scope.path.unwrap_or_else(|| "/".to_owned()),
                same_site: self.scope.same_site,
            },
            idle_timeout: self.idle_timeout,
            anonymous_idle_timeout: self.anonymous_idle_timeout.min(self.idle_timeout),
            absolute_timeout: self.absolute_timeout,
            touch_interval: self.touch_interval,
            cross_site: CrossSitePolicy {
                enabled: self.cross_site_enabled,
                // A Secure cookie only travels over https, so the origin it was set for is https.
                own_scheme: if self.secure {
                    Scheme::Https
                } else {
                    Scheme::Http
                },
                allowed_origins,
            },
            style: self.style,
            revocations: self.revocations,
            client_ip_header,
        }))
    }
}
