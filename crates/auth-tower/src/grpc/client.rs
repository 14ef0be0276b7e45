//! Client side: [`BearerLayer`] attaches a bearer token to every call and refreshes it before
//! it expires.

use super::BoxError;
use crate::macros::{ResponseFuture, inner_accessors};
use async_trait::async_trait;
use auth_core::{Clock, SystemClock, Timestamp};
use http::header::{AUTHORIZATION, HeaderValue};
use http::{Request, Response};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::{Code, Status};
use tower_layer::Layer;
use tower_service::Service;

/// An access token and when it expires (and, if the source wants one, a refresh token to
/// get the next). `Debug` shows neither token.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken {
    access: String,
    expires_at: Timestamp,
    refresh: Option<String>,
}

impl BearerToken {
    /// An access token valid until `expires_at`.
    pub fn new(access: impl Into<String>, expires_at: Timestamp) -> Self {
        Self {
            access: access.into(),
            expires_at,
            refresh: None,
        }
    }

    /// With a refresh token, which the [`TokenSource`] gets back as `previous`.
    #[must_use]
    pub fn with_refresh_token(mut self, refresh: impl Into<String>) -> Self {
        self.refresh = Some(refresh.into());
        self
    }

    /// The access token.
    pub fn access_token(&self) -> &str {
        &self.access
    }

    /// When the access token expires.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// The refresh token, if any.
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh.as_deref()
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BearerToken")
            .field("access", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("refresh", &self.refresh.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Where [`BearerLayer`] gets tokens: a login, a refresh-token exchange, a token file...
///
/// ```
/// use auth_tower::Timestamp;
/// use auth_tower::grpc::{BearerToken, BoxError, TokenSource};
///
/// #[derive(Debug)]
/// struct Static(String);
///
/// #[async_trait::async_trait]
/// impl TokenSource for Static {
///     async fn fetch(&self, _previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
///         Ok(BearerToken::new(self.0.clone(), Timestamp::from_unix_seconds(i64::MAX / 1000)))
///     }
/// }
/// ```
#[async_trait]
pub trait TokenSource: Send + Sync + fmt::Debug + 'static {
    /// A new token. `previous` is the last one fetched (expiring or expired), whose refresh
    /// token the source may exchange; `None` on the first call.
    ///
    /// # Errors
    /// Any failure: the call that needed the token fails with it (see [`TokenError`]). A
    /// [`tonic::Status`] in the error's chain keeps its code.
    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError>;
}

/// No token could be obtained for a call.
#[derive(Debug)]
pub struct TokenError {
    message: &'static str,
    source: Option<BoxError>,
}

impl TokenError {
    fn fetch(source: BoxError) -> Self {
        Self {
            message: "could not obtain an access token",
            source: Some(source),
        }
    }

    fn invalid(message: &'static str) -> Self {
        Self {
            message,
            source: None,
        }
    }

    /// As a status: the code of a [`Status`] in the source's chain (e.g. the login call's),
    /// else UNAUTHENTICATED; the message says that no token could be obtained, and why.
    pub fn to_status(&self) -> Status {
        let code = self
            .source
            .as_deref()
            .and_then(|e| find_status(e))
            .map_or(Code::Unauthenticated, |s| s.code());
        Status::new(code, self.to_string())
    }
}

fn find_status<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Status> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(status) = e.downcast_ref::<Status>() {
            return Some(status);
        }
        next = e.source();
    }
    None
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            // A status's own Display is a debug dump; its message is what the peer said.
            Some(source) => match source.downcast_ref::<Status>() {
                Some(status) => write!(f, "{}: {}", self.message, status.message()),
                None => write!(f, "{}: {source}", self.message),
            },
            None => f.write_str(self.message),
        }
    }
}

impl std::error::Error for TokenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The default minimum refresh margin: a token is replaced when less than this (or
/// [`DEFAULT_REFRESH_PERCENT`] of its lifetime, whichever is more) remains.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// The default refresh margin as a percentage of the token's lifetime.
pub const DEFAULT_REFRESH_PERCENT: u8 = 10;

/// Attaches `authorization: Bearer <token>` to every request of a tonic client (any
/// `http` client service) and refreshes the token before it expires.
///
/// - A token is replaced once less than `max(30 s, 10 % of its lifetime)` remains (see
///   [`BearerLayerBuilder::refresh_margin`]), never later than half-way through a short one.
/// - Concurrent calls share one fetch: the first waits for it, the others for the first.
/// - If the fetch fails while the old token is still valid, the call goes with the old one
///   (and the next call tries again); if there is no valid token, the call fails with an
///   error that tonic turns into a [`Status`] (UNAUTHENTICATED unless the source's error
///   carries a status, see [`TokenError::to_status`]). A call never goes without a token.
/// - Clones of the layer (and the services it makes) share one token.
///
/// ```no_run
/// use auth_tower::grpc::{BearerLayer, BearerToken, BoxError, TokenSource};
/// use tonic::transport::Channel;
/// use tower::ServiceBuilder;
///
/// #[derive(Debug)]
/// struct Login; // e.g. calls your Login rpc, or exchanges previous.refresh_token()
///
/// #[async_trait::async_trait]
/// impl TokenSource for Login {
///     async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
///         unimplemented!()
///     }
/// }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let channel = Channel::from_static("http://127.0.0.1:50051").connect().await?;
/// let authed = ServiceBuilder::new().layer(BearerLayer::new(Login)).service(channel);
/// // let mut client = GreeterClient::new(authed);
/// # let _ = authed;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BearerLayer {
    shared: Arc<Shared>,
}

/// Options for a [`BearerLayer`].
#[derive(Debug)]
#[must_use]
pub struct BearerLayerBuilder {
    source: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    min_margin: Duration,
    percent: u8,
}

impl BearerLayerBuilder {
    /// Refresh when less than `max(min, percent % of the token's lifetime)` remains (default
    /// 30 s and 10 %; `percent` is capped at 50). The margin is never more than half the
    /// lifetime, so a token shorter than twice `min` is still used for half its life.
    pub fn refresh_margin(mut self, min: Duration, percent: u8) -> Self {
        self.min_margin = min;
        self.percent = percent.min(50);
        self
    }

    /// The clock that decides when a token is due (default [`SystemClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The layer.
    pub fn build(self) -> BearerLayer {
        BearerLayer {
            shared: Arc::new(Shared {
                source: self.source,
                clock: self.clock,
                min_margin: self.min_margin,
                percent: self.percent,
                current: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
            }),
        }
    }
}

impl BearerLayer {
    /// Tokens from `source`, with the default margins.
    pub fn new(source: impl TokenSource) -> Self {
        Self::builder(source).build()
    }

    /// Tokens from `source`; set options, then [`build`](BearerLayerBuilder::build).
    pub fn builder(source: impl TokenSource) -> BearerLayerBuilder {
        BearerLayerBuilder {
            source: Arc::new(source),
            clock: Arc::new(SystemClock),
            min_margin: DEFAULT_REFRESH_MARGIN,
            percent: DEFAULT_REFRESH_PERCENT,
        }
    }

    /// The token the next call would carry, fetching one if it is due.
    ///
    /// # Errors
    /// As a call: no valid token and the fetch failed.
    pub async fn token(&self) -> Result<BearerToken, TokenError> {
        self.shared.current().await.map(|c| c.token)
    }

    /// Fetch a new token before the next call (e.g. after the server answered
    /// UNAUTHENTICATED because the token was revoked). The old one is passed to the source
    /// as `previous` and no longer sent.
    pub fn invalidate(&self) {
        let mut current = self.shared.lock();
        if let Some(c) = current.as_mut() {
            c.refresh_at = Timestamp::UNIX_EPOCH;
            c.usable = false;
        }
    }
}

impl<S> Layer<S> for BearerLayer {
    type Service = BearerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        BearerService {
            inner,
            shared: self.shared.clone(),
        }
    }
}

#[derive(Debug)]
struct Shared {
    source: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    min_margin: Duration,
    percent: u8,
    current: Mutex<Option<Current>>,
    /// Held while fetching: the single flight.
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Current {
    token: BearerToken,
    header: HeaderValue,
    refresh_at: Timestamp,
    /// False once invalidated: never sent again.
    usable: bool,
}

impl fmt::Debug for Current {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Current")
            .field("token", &self.token)
            .field("refresh_at", &self.refresh_at)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Current>> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current token if it is not due for a refresh.
    fn fresh(&self) -> Option<Current> {
        let now = self.clock.now();
        self.lock()
            .as_ref()
            .filter(|c| c.usable && now < c.refresh_at)
            .cloned()
    }

    async fn current(&self) -> Result<Current, TokenError> {
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let _flight = self.refresh.lock().await;
        // Another call may have refreshed while this one waited.
        if let Some(c) = self.fresh() {
            return Ok(c);
        }
        let previous = self.lock().clone();
        match self.fetch(previous.as_ref().map(|c| &c.token)).await {
            Ok(next) => {
                *self.lock() = Some(next.clone());
                Ok(next)
            }
            Err(error) => match previous {
                Some(c) if c.usable && self.clock.now() < c.token.expires_at => {
                    tracing::warn!(target: "auth::grpc", %error, "token refresh failed; the current token is still valid");
                    Ok(c)
                }
                _ => {
                    tracing::warn!(target: "auth::grpc", %error, "no access token for the call");
                    Err(error)
                }
            },
        }
    }

    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<Current, TokenError> {
        let token = self
            .source
            .fetch(previous)
            .await
            .map_err(TokenError::fetch)?;
        let now = self.clock.now();
        if token.expires_at <= now {
            return Err(TokenError::invalid(
                "the token source returned an expired token",
            ));
        }
        let mut header = HeaderValue::try_from(format!("Bearer {}", token.access))
            .map_err(|_| TokenError::invalid("the access token is not a valid header value"))?;
        header.set_sensitive(true);
        let lifetime = token.expires_at.duration_since(now);
        let margin = self
            .min_margin
            .max(lifetime * u32::from(self.percent) / 100)
            .min(lifetime / 2);
        tracing::debug!(target: "auth::grpc", expires_at = %token.expires_at, "new access token");
        Ok(Current {
            refresh_at: token.expires_at.saturating_sub(margin),
            token,
            header,
            usable: true,
        })
    }
}

/// The service [`BearerLayer`] wraps around a client (a tonic `Channel`).
#[derive(Debug, Clone)]
pub struct BearerService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for BearerService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ReqBody: Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = BoxError;
    type Future = ResponseFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let shared = self.shared.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let current = shared
                .current()
                .await
                .map_err(|e| BoxError::from(e.to_status()))?;
            req.headers_mut().insert(AUTHORIZATION, current.header);
            inner.call(req).await.map_err(Into::into)
        })
    }
}

inner_accessors!(BearerService);

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::ManualClock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tower::{ServiceExt, service_fn};

    /// Hands out `t1`, `t2`, ... valid for `ttl`, after `delay`; fails while `fail` is set.
    #[derive(Debug)]
    struct Counter {
        clock: Arc<ManualClock>,
        ttl: Duration,
        delay: Duration,
        calls: AtomicUsize,
        fail: std::sync::atomic::AtomicBool,
        previous: Mutex<Vec<Option<String>>>,
    }

    #[async_trait]
    impl TokenSource for Counter {
        async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
            tokio::time::sleep(self.delay).await;
            self.previous
                .lock()
                .unwrap()
                .push(previous.map(|p| p.access_token().to_owned()));
            if self.fail.load(Ordering::SeqCst) {
                return Err(Status::unavailable("login service down").into());
            }
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(BearerToken::new(
                format!("t{n}"),
                self.clock.now().saturating_add(self.ttl),
            ))
        }
    }

    fn setup(ttl: Duration, delay: Duration) -> (Arc<ManualClock>, Arc<Counter>, BearerLayer) {
        let clock = Arc::new(ManualClock::new());
        let counter = Arc::new(Counter {
            clock: clock.clone(),
            ttl,
            delay,
            calls: AtomicUsize::new(0),
            fail: false.into(),
            previous: Mutex::new(Vec::new()),
        });
        #[derive(Debug)]
        struct Shared(Arc<Counter>);
        #[async_trait]
        impl TokenSource for Shared {
            async fn fetch(&self, p: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
                self.0.fetch(p).await
            }
        }
        let layer = BearerLayer::builder(Shared(counter.clone()))
            .clock(clock.clone())
            .build();
        (clock, counter, layer)
    }

    /// A client that answers with the `authorization` header it was sent.
    async fn call(layer: &BearerLayer) -> Result<String, BoxError> {
        let inner = service_fn(|req: Request<()>| async move {
            let auth = req.headers()[AUTHORIZATION].to_str().unwrap().to_owned();
            Ok::<_, std::convert::Infallible>(Response::new(auth))
        });
        let res = layer.layer(inner).oneshot(Request::new(())).await?;
        Ok(res.into_body())
    }

    #[tokio::test]
    async fn attaches_and_reuses_until_the_margin() {
        let (clock, counter, layer) = setup(Duration::from_secs(600), Duration::ZERO);
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        // Margin: max(30 s, 10 % of 600 s) = 60 s.
        clock.advance(Duration::from_secs(539));
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        clock.advance(Duration::from_secs(1));
        assert_eq!(call(&layer).await.unwrap(), "Bearer t2");
        assert_eq!(counter.calls.load(Ordering::SeqCst), 2);
        assert_eq!(
            *counter.previous.lock().unwrap(),
            vec![None, Some("t1".to_owned())]
        );
    }

    #[tokio::test]
    async fn short_tokens_are_used_for_half_their_life() {
        let (clock, _, layer) = setup(Duration::from_secs(20), Duration::ZERO);
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        clock.advance(Duration::from_secs(9));
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        clock.advance(Duration::from_secs(1));
        assert_eq!(call(&layer).await.unwrap(), "Bearer t2");
    }

    #[tokio::test]
    async fn concurrent_calls_share_one_fetch() {
        let (_, counter, layer) = setup(Duration::from_secs(600), Duration::from_millis(50));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let layer = layer.clone();
            set.spawn(async move { call(&layer).await.unwrap() });
        }
        while let Some(auth) = set.join_next().await {
            assert_eq!(auth.unwrap(), "Bearer t1");
        }
        assert_eq!(counter.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_fails_the_call_unless_the_old_token_is_valid() {
        let (clock, counter, layer) = setup(Duration::from_secs(600), Duration::ZERO);
        counter.fail.store(true, Ordering::SeqCst);
        let err = call(&layer).await.unwrap_err();
        let status = err.downcast_ref::<Status>().unwrap();
        // The source's status code is kept; the message says what failed.
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(
            status.message(),
            "could not obtain an access token: login service down"
        );

        counter.fail.store(false, Ordering::SeqCst);
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        counter.fail.store(true, Ordering::SeqCst);
        clock.advance(Duration::from_secs(580)); // due, still valid: the old token goes
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        clock.advance(Duration::from_secs(20)); // expired
        assert!(call(&layer).await.is_err());
    }

    #[tokio::test]
    async fn invalidate_fetches_again_and_never_resends() {
        let (_, counter, layer) = setup(Duration::from_secs(600), Duration::ZERO);
        assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
        layer.invalidate();
        counter.fail.store(true, Ordering::SeqCst);
        assert!(call(&layer).await.is_err());
        counter.fail.store(false, Ordering::SeqCst);
        assert_eq!(call(&layer).await.unwrap(), "Bearer t2");
        assert_eq!(layer.token().await.unwrap().access_token(), "t2");
    }

    #[test]
    fn debug_hides_tokens() {
        let t = BearerToken::new("secret-access", Timestamp::UNIX_EPOCH)
            .with_refresh_token("secret-refresh");
        assert!(!format!("{t:?}").contains("secret"));
    }
}
