//! [`CheckCredentials`]: the one thing an application supplies to the token endpoints, and the
//! [`LoginAttempt`] it is given.

use auth_core::Identity;
use http::HeaderMap;
use http::request::Parts;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

/// A login to check: the credentials, and the request they came with (client address,
/// headers, method, URI, extensions), so the application can audit it or add its own checks
/// (a device cookie, a CAPTCHA header, an allow-list).
///
/// `Debug` shows neither the username nor the password.
pub struct LoginAttempt {
    username: String,
    password: String,
    client_addr: Option<IpAddr>,
    parts: Parts,
}

impl LoginAttempt {
    pub(super) fn new(
        username: String,
        password: String,
        client_addr: Option<IpAddr>,
        parts: Parts,
    ) -> Self {
        Self {
            username,
            password,
            client_addr,
            parts,
        }
    }

    /// The username, as sent.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, as sent. Never log it.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The client address, as the endpoints' [`LoginThrottle`](crate::throttle::LoginThrottle)
    /// reads it (the connection's, or a trusted proxy header's); `None` when the app is not
    /// served with `into_make_service_with_connect_info::<SocketAddr>()`.
    pub fn client_addr(&self) -> Option<IpAddr> {
        self.client_addr
    }

    /// The request's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The request's method, URI, version, headers and extensions (the body was the
    /// credentials).
    pub fn parts(&self) -> &Parts {
        &self.parts
    }
}

impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("username", &"<redacted>")
            .field("password", &"<redacted>")
            .field("client_addr", &self.client_addr)
            .field("uri", &self.parts.uri)
            .finish_non_exhaustive()
    }
}

/// Checks a username and password at login; the application's part of the token endpoints.
///
/// Answer `Ok(Some(identity))` for good credentials (with the roles and scopes its access
/// tokens should carry), `Ok(None)` for a wrong username or password (the client gets a 400
/// `invalid_grant`, the same for both), and `Err` when the check itself could not be made,
/// e.g. the user database is down (the client gets a 503 `temporarily_unavailable`).
///
/// Compare password hashes in constant time, and spend the same time on an unknown user as on
/// a wrong password, so the answer's timing does not tell which usernames exist. The
/// endpoints' login throttle runs before the check (a throttled login never reaches it) and
/// counts every `Ok(None)`.
///
/// Implement it on a type with an `async fn`:
///
/// ```
/// use auth_tower::Identity;
/// use auth_tower::tokens::{CheckCredentials, LoginAttempt};
///
/// struct Users;
///
/// impl CheckCredentials for Users {
///     type Error = std::io::Error;
///
///     async fn check(&self, login: LoginAttempt) -> Result<Option<Identity>, Self::Error> {
///         // Audit who tried, from where (never the password).
///         tracing::info!(client = ?login.client_addr(), "login attempt");
///         Ok((login.username() == "alice" && login.password() == "wonderland")
///             .then(|| Identity::new("alice").with_scope("reports:read")))
///     }
/// }
/// ```
///
/// or pass a closure taking the [`LoginAttempt`]:
///
/// ```
/// use auth_tower::Identity;
/// use auth_tower::tokens::{CheckCredentials, LoginAttempt};
///
/// fn assert_checks(_: impl CheckCredentials) {}
/// assert_checks(|login: LoginAttempt| async move {
///     let ok = login.username() == "bob" && login.password() == "builder";
///     Ok::<_, std::io::Error>(ok.then(|| Identity::new("bob")))
/// });
/// ```
pub trait CheckCredentials: Send + Sync + 'static {
    /// Why a check could not be made (logged; the client sees only a 503).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The identity `login` logs in as, if its password is right.
    fn check(
        &self,
        login: LoginAttempt,
    ) -> impl Future<Output = Result<Option<Identity>, Self::Error>> + Send;
}

impl<F, Fut, E> CheckCredentials for F
where
    F: Fn(LoginAttempt) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Identity>, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn check(
        &self,
        login: LoginAttempt,
    ) -> impl Future<Output = Result<Option<Identity>, E>> + Send {
        self(login)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type CheckFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Identity>, BoxError>> + Send + 'a>>;

/// [`CheckCredentials`] behind a pointer, so the endpoints need no type parameter.
pub(super) trait DynCheck: Send + Sync + 'static {
    fn check(&self, login: LoginAttempt) -> CheckFuture<'_>;
}

impl<C: CheckCredentials> DynCheck for C {
    fn check(&self, login: LoginAttempt) -> CheckFuture<'_> {
        Box::pin(async move {
            CheckCredentials::check(self, login)
                .await
                .map_err(|e| Box::new(e) as BoxError)
        })
    }
}
