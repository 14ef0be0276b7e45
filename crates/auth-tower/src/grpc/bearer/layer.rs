//! [`AddBearerTokenLayer`] and its builder.

use super::AddBearerTokenService;
use super::error::TokenError;
use super::state::Shared;
use super::token::{BearerToken, TokenSource};
use auth_core::{Clock, SystemClock, Timestamp};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower_layer::Layer;

/// The default minimum refresh margin: a token is replaced when less than this (or
/// [`DEFAULT_REFRESH_PERCENT`] of its lifetime, whichever is more) remains.
pub(crate) const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(30);
/// The default refresh margin as a percentage of the token's lifetime.
pub(crate) const DEFAULT_REFRESH_PERCENT: u8 = 10;

/// Attaches `authorization: Bearer <token>` to every request of a tonic client (any
/// `http` client service) and refreshes the token before it expires.
///
/// - A token is replaced once less than `max(30 s, 10 % of its lifetime)` remains (see
///   [`AddBearerTokenLayerBuilder::with_refresh_margin`]), never later than half-way through a short one.
/// - Concurrent calls share one fetch: the first waits for it, the others for the first.
/// - If the fetch fails while the old token is still valid, the call goes with the old one
///   (and the next call tries again); if there is no valid token, the call fails with an
///   error that tonic turns into a [`Status`](tonic::Status) (UNAUTHENTICATED unless the source's error
///   carries a status, see [`TokenError::to_status`]). A call never goes without a token.
/// - Clones of the layer (and the services it makes) share one token.
///
/// ```
/// use auth_tower::Timestamp;
/// use auth_tower::grpc::{AddBearerTokenLayer, BearerToken, BoxError, TokenSource};
/// use std::time::{Duration, SystemTime};
/// use tower::{Layer, ServiceExt, service_fn};
///
/// #[derive(Debug)]
/// struct Login; // e.g. calls your Login rpc, or exchanges previous.refresh_token()
///
/// #[async_trait::async_trait]
/// impl TokenSource for Login {
///     async fn fetch(&self, _previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
///         let expires = SystemTime::now() + Duration::from_secs(300);
///         Ok(BearerToken::new("eyJ...", Timestamp::from_system_time(expires)))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// // In an application: `let channel = Channel::from_static("http://[::1]:50051").connect().await?;`
/// // and `GreeterClient::new(AddBearerTokenLayer::new(Login).layer(channel))`.
/// let channel = service_fn(|req: http::Request<()>| async move {
///     let auth = req.headers()["authorization"].to_str()?.to_owned();
///     Ok::<_, BoxError>(http::Response::new(auth))
/// });
/// let authed = AddBearerTokenLayer::new(Login).layer(channel);
/// let res = authed.oneshot(http::Request::new(())).await?;
/// assert_eq!(res.body(), "Bearer eyJ...");
/// # Ok::<(), BoxError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AddBearerTokenLayer {
    shared: Arc<Shared>,
}

/// Options for a [`AddBearerTokenLayer`].
#[derive(Debug)]
#[must_use]
pub struct AddBearerTokenLayerBuilder {
    source: Arc<dyn TokenSource>,
    clock: Arc<dyn Clock>,
    min_margin: Duration,
    percent: u8,
}

impl AddBearerTokenLayerBuilder {
    /// Refresh when less than `max(min, percent % of the token's lifetime)` remains (default
    /// 30 s and 10 %; `percent` is capped at 50). The margin is never more than half the
    /// lifetime, so a token shorter than twice `min` is still used for half its life.
    pub fn with_refresh_margin(mut self, min: Duration, percent: u8) -> Self {
        self.min_margin = min;
        self.percent = percent.min(50);
        self
    }

    /// The clock that decides when a token is due (default [`SystemClock`]).
    pub fn with_clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The layer.
    pub fn build(self) -> AddBearerTokenLayer {
        AddBearerTokenLayer {
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

impl AddBearerTokenLayer {
    /// Tokens from `source`, with the default margins.
    pub fn new(source: impl TokenSource) -> Self {
        Self::builder(source).build()
    }

    /// Tokens from `source`; set options, then [`build`](AddBearerTokenLayerBuilder::build).
    pub fn builder(source: impl TokenSource) -> AddBearerTokenLayerBuilder {
        AddBearerTokenLayerBuilder {
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

impl<S> Layer<S> for AddBearerTokenLayer {
    type Service = AddBearerTokenService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AddBearerTokenService {
            inner,
            shared: self.shared.clone(),
        }
    }
}
