//! [`LoginThrottleBuilder`]: a throttle's store, policies and client address source, checked
//! when it is built.

#[cfg(doc)]
use super::ThrottleKey;
use super::client::ClientSource;
use super::{Inner, LoginThrottle, MemoryThrottle, ThrottlePolicy, ThrottleStore};
use auth_core::Error;
use http::HeaderName;
use std::fmt;
use std::sync::Arc;

impl LoginThrottle {
    /// A throttle to configure.
    pub fn builder() -> LoginThrottleBuilder {
        LoginThrottleBuilder {
            store: None,
            account: ThrottlePolicy::per_account(),
            address: ThrottlePolicy::per_address(),
            source: ClientSource::Connection,
            bad_header: false,
        }
    }

    pub(super) fn from_builder(b: LoginThrottleBuilder) -> Self {
        Self {
            inner: Arc::new(Inner {
                store: b.store.unwrap_or_else(|| Arc::new(MemoryThrottle::new())),
                account: b.account,
                address: b.address,
                source: b.source,
            }),
        }
    }
}

/// Builds a [`LoginThrottle`]; see [`LoginThrottle::builder`].
///
/// ```
/// use auth_tower::throttle::{LoginThrottle, ThrottlePolicy};
/// use std::time::Duration;
/// let throttle = LoginThrottle::builder()
///     .with_account_policy(ThrottlePolicy::per_account().with_max_delay(Duration::from_secs(300)))
///     .with_client_ip_header("x-forwarded-for") // only behind a proxy that sets it
///     .build()?;
/// # Ok::<(), auth_tower::Error>(())
/// ```
#[must_use]
pub struct LoginThrottleBuilder {
    store: Option<Arc<dyn ThrottleStore>>,
    account: ThrottlePolicy,
    address: ThrottlePolicy,
    source: ClientSource,
    /// An invalid header name was given (refused by `build`).
    bad_header: bool,
}

impl LoginThrottleBuilder {
    /// Where counts live (default: a [`MemoryThrottle`] for this instance). Give every
    /// instance of a service the same shared store.
    pub fn with_store(mut self, store: Arc<dyn ThrottleStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The policy per account (default [`ThrottlePolicy::per_account`]).
    pub fn with_account_policy(mut self, policy: ThrottlePolicy) -> Self {
        self.account = policy;
        self
    }

    /// The policy per client address (default [`ThrottlePolicy::per_address`]).
    pub fn with_address_policy(mut self, policy: ThrottlePolicy) -> Self {
        self.address = policy;
        self
    }

    /// Read the client address from the rightmost entry of header `name`, which a trusted
    /// reverse proxy sets (e.g. `x-forwarded-for`, `x-real-ip`), instead of the connection's
    /// address. Only for an app every request reaches through that proxy: any client can
    /// send the header, and the proxy must append to (or overwrite) it. Only that entry is
    /// read (whatever the client put to its left changes nothing). A request whose entry is
    /// missing or unreadable counts as the one unknown client
    /// ([`ThrottleKey::unknown_address`]), never as the connection's address (the proxy's,
    /// shared by everyone): it can neither escape the address limit nor lock the proxy.
    pub fn with_client_ip_header(self, name: &str) -> Self {
        self.with_client_ip_header_hops(name, 1)
    }

    /// As [`with_client_ip_header`](Self::with_client_ip_header), behind `hops` proxies that
    /// each append the address they got the request from: the client's address is the
    /// `hops`-th entry from the right (2 for a CDN in front of a load balancer: the load
    /// balancer appends the CDN's address after the client's). Count only proxies the app
    /// cannot be reached without: an attacker who can skip one chooses the entry read.
    ///
    /// ```
    /// use auth_tower::throttle::LoginThrottle;
    /// let throttle = LoginThrottle::builder()
    ///     .with_client_ip_header_hops("x-forwarded-for", 2) // CDN, then load balancer
    ///     .build()?;
    /// # assert!(LoginThrottle::builder().with_client_ip_header_hops("x-forwarded-for", 0).build().is_err());
    /// # Ok::<(), auth_tower::Error>(())
    /// ```
    pub fn with_client_ip_header_hops(mut self, name: &str, hops: usize) -> Self {
        match HeaderName::try_from(name) {
            Ok(name) if hops > 0 => self.source = ClientSource::Header { name, hops },
            _ => self.bad_header = true,
        }
        self
    }

    /// Check the policy and header name and build the throttle.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](auth_core::ErrorKind::Config) for an unworkable policy, an
    /// invalid header name or a zero hop count.
    pub fn build(self) -> Result<LoginThrottle, Error> {
        if self.bad_header {
            return Err(Error::config(
                "the client address header name is invalid (or its hop count is zero)",
            ));
        }
        self.account.validate()?;
        self.address.validate()?;
        Ok(LoginThrottle::from_builder(self))
    }
}

impl fmt::Debug for LoginThrottleBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginThrottleBuilder")
            .field("account", &self.account)
            .field("address", &self.address)
            .field("client_address", &self.source)
            .finish_non_exhaustive()
    }
}
