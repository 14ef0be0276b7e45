//! A gRPC service on bearer JWTs with tonic, written without protoc: the messages are
//! hand-written `prost` structs and the services hand-written tower services (what
//! `tonic-build` would generate, minus the generality). The protocol, as a `.proto` would
//! say it:
//!
//! ```proto
//! package auth.example.v1;
//! service Auth {     // no token needed
//!   rpc Login(LoginRequest) returns (TokenReply);
//!   rpc Refresh(RefreshRequest) returns (TokenReply);
//!   rpc Logout(RefreshRequest) returns (LogoutReply);
//! }
//! service Greeter {  // behind JwtLayer; Greet needs the scope "greet"
//!   rpc Greet(GreetRequest) returns (GreetReply);
//! }
//! ```
//!
//! **Design.** The login service must be reachable without a token and everything else must
//! not. Rather than an optional `JwtLayer` on the whole server (which would make every new
//! service public unless its handlers remember to check), the layer goes on the `Greeter`
//! service only, in required mode: `add_service(JwtLayer::new(verifier).layer(greeter))`.
//! `Auth` is added bare. A request without a token never reaches `Greeter`'s code; `Greet`
//! checks its scope with [`IdentityExt::require_scope`].
//!
//! Users (a demo table in code): `alice`/`wonderland` with scope `greet`, `bob`/`builder`
//! without.

use auth_tower::grpc::{BearerToken, BoxError, IdentityExt, TokenSource, status_for_jwt_error};
use auth_tower::jwt_core::{
    Algorithm, Issuer, Key, KeySet, RefreshStore, RefreshTokens, SharedKeySet, TokenPair, Verifier,
};
use auth_tower::{Identity, JwtLayer, Revocations, Timestamp};
use http::uri::PathAndQuery;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::body::Body;
use tonic::server::{Grpc, NamedService};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;
use tower::{Layer, Service};

/// The issuer and audience of the example's tokens.
pub const ISSUER: &str = "https://grpc-example.invalid";
/// The audience.
pub const AUDIENCE: &str = "greeter";

/// `Auth.Login` request.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LoginRequest {
    /// User name.
    #[prost(string, tag = "1")]
    pub username: String,
    /// Password.
    #[prost(string, tag = "2")]
    pub password: String,
}

/// `Auth.Refresh` and `Auth.Logout` request.
#[derive(Clone, PartialEq, prost::Message)]
pub struct RefreshRequest {
    /// The refresh token from the last `TokenReply`.
    #[prost(string, tag = "1")]
    pub refresh_token: String,
}

/// A new token pair.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TokenReply {
    /// The access JWT, for `authorization: Bearer`.
    #[prost(string, tag = "1")]
    pub access_token: String,
    /// When it expires, in milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub expires_at_unix_ms: i64,
    /// The refresh token (single use: each refresh returns the next).
    #[prost(string, tag = "3")]
    pub refresh_token: String,
}

/// `Auth.Logout` reply.
#[derive(Clone, PartialEq, prost::Message)]
pub struct LogoutReply {}

/// `Greeter.Greet` request.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GreetRequest {
    /// Who to greet.
    #[prost(string, tag = "1")]
    pub name: String,
}

/// `Greeter.Greet` reply.
#[derive(Clone, PartialEq, prost::Message)]
pub struct GreetReply {
    /// The greeting.
    #[prost(string, tag = "1")]
    pub message: String,
}

/// What the app is built from.
#[derive(Debug, Clone)]
pub struct Config {
    /// Refresh-token families (memory or Redis).
    pub refresh_store: Arc<dyn RefreshStore>,
    /// The revocation list the verifier checks and logout writes to.
    pub revocations: Arc<dyn Revocations>,
    /// Access-token lifetime.
    pub access_ttl: Duration,
}

impl Config {
    /// In-memory stores, 5-minute access tokens.
    pub fn in_memory() -> Self {
        Self {
            refresh_store: Arc::new(auth_tower::jwt_core::MemoryRefreshStore::new()),
            revocations: Arc::new(auth_tower::MemoryStore::new()),
            access_ttl: Duration::from_secs(300),
        }
    }
}

/// The app: its token machinery and its two services.
#[derive(Debug, Clone)]
pub struct GrpcApp {
    tokens: RefreshTokens,
    verifier: Verifier,
}

impl GrpcApp {
    /// Build the app with a fresh HMAC key and refresh secret.
    ///
    /// # Errors
    /// If a key cannot be made or a builder refuses its settings.
    pub fn new(config: Config) -> Result<Self, BoxError> {
        let keys = SharedKeySet::new(KeySet::single(Key::generate_hmac("k1", Algorithm::HS256)?)?);
        let issuer = Issuer::builder(ISSUER, AUDIENCE)
            .keys(keys.clone())
            .ttl(config.access_ttl)
            .build()?;
        let verifier = Verifier::builder(ISSUER, AUDIENCE)
            .keys(keys)
            .revocations(config.revocations.clone())
            .build()?;
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| format!("the OS random generator failed: {e}"))?;
        let tokens =
            RefreshTokens::builder(issuer, config.refresh_store, config.revocations, &secret)
                .build()?;
        Ok(Self { tokens, verifier })
    }

    /// The refresh-token service (for tests: log out, rotate).
    pub fn tokens(&self) -> &RefreshTokens {
        &self.tokens
    }

    /// The verifier `Greeter` is guarded with.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The login service, reachable without a token.
    pub fn auth_service(&self) -> AuthService {
        AuthService {
            tokens: self.tokens.clone(),
        }
    }

    /// The greeter, bare (no layer).
    pub fn greeter_service(&self) -> GreeterService {
        GreeterService
    }

    /// Both services: `Auth` open, `Greeter` behind a required [`JwtLayer`].
    pub fn routes(&self) -> tonic::service::Routes {
        tonic::service::Routes::new(self.auth_service())
            .add_service(JwtLayer::new(self.verifier.clone()).layer(self.greeter_service()))
    }

    /// Serve on `listener` until `shutdown` completes.
    ///
    /// # Errors
    /// A transport error.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), tonic::transport::Error> {
        tonic::transport::Server::builder()
            .add_routes(self.routes())
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(listener),
                shutdown,
            )
            .await
    }
}

/// The demo user table: the identity for a correct password.
fn check_password(username: &str, password: &str) -> Option<Identity> {
    match (username, password) {
        ("alice", "wonderland") => Some(Identity::new("alice").with_scope("greet")),
        ("bob", "builder") => Some(Identity::new("bob")),
        _ => None,
    }
}

fn reply(pair: &TokenPair) -> Response<TokenReply> {
    Response::new(TokenReply {
        access_token: pair.access.as_str().to_owned(),
        expires_at_unix_ms: pair.access.expires_at().as_unix_millis(),
        refresh_token: pair.refresh.as_str().to_owned(),
    })
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Infallible>> + Send + 'static>>;

/// The unary handler of one message pair.
fn grpc<Res, Req>() -> Grpc<ProstCodec<Res, Req>>
where
    Res: prost::Message + Send + 'static,
    Req: prost::Message + Default + Send + 'static,
{
    Grpc::new(ProstCodec::default())
}

fn unimplemented_method() -> http::Response<Body> {
    Status::unimplemented("no such method").into_http()
}

/// The `auth.example.v1.Auth` service.
#[derive(Debug, Clone)]
pub struct AuthService {
    tokens: RefreshTokens,
}

impl NamedService for AuthService {
    const NAME: &'static str = "auth.example.v1.Auth";
}

impl AuthService {
    async fn login(
        tokens: RefreshTokens,
        req: LoginRequest,
    ) -> Result<Response<TokenReply>, Status> {
        let Some(identity) = check_password(&req.username, &req.password) else {
            tracing::info!(user = %req.username, "login refused");
            return Err(Status::unauthenticated("wrong user name or password"));
        };
        let pair = tokens
            .start(&identity)
            .await
            .map_err(|e| status_for_jwt_error(&e))?;
        tracing::info!(user = %req.username, "logged in");
        Ok(reply(&pair))
    }
}

impl Service<http::Request<Body>> for AuthService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let tokens = self.tokens.clone();
        Box::pin(async move {
            Ok(match req.uri().path() {
                "/auth.example.v1.Auth/Login" => {
                    let login = tower::service_fn(move |r: Request<LoginRequest>| {
                        Self::login(tokens.clone(), r.into_inner())
                    });
                    grpc().unary(login, req).await
                }
                "/auth.example.v1.Auth/Refresh" => {
                    let refresh = tower::service_fn(move |r: Request<RefreshRequest>| {
                        let tokens = tokens.clone();
                        async move {
                            let pair = tokens
                                .refresh(&r.into_inner().refresh_token)
                                .await
                                .map_err(|e| status_for_jwt_error(&e))?;
                            Ok(reply(&pair))
                        }
                    });
                    grpc().unary(refresh, req).await
                }
                "/auth.example.v1.Auth/Logout" => {
                    let logout = tower::service_fn(move |r: Request<RefreshRequest>| {
                        let tokens = tokens.clone();
                        async move {
                            tokens
                                .revoke(&r.into_inner().refresh_token)
                                .await
                                .map_err(|e| status_for_jwt_error(&e))?;
                            Ok(Response::new(LogoutReply {}))
                        }
                    });
                    grpc().unary(logout, req).await
                }
                _ => unimplemented_method(),
            })
        })
    }
}

/// The `auth.example.v1.Greeter` service (put it behind a [`JwtLayer`]).
#[derive(Debug, Clone, Copy)]
pub struct GreeterService;

impl NamedService for GreeterService {
    const NAME: &'static str = "auth.example.v1.Greeter";
}

async fn greet(req: Request<GreetRequest>) -> Result<Response<GreetReply>, Status> {
    let who = req.require_scope("greet")?;
    let message = format!("Hello {}, from {}!", req.get_ref().name, who.subject());
    Ok(Response::new(GreetReply { message }))
}

impl Service<http::Request<Body>> for GreeterService {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        Box::pin(async move {
            Ok(match req.uri().path() {
                "/auth.example.v1.Greeter/Greet" => {
                    grpc().unary(tower::service_fn(greet), req).await
                }
                _ => unimplemented_method(),
            })
        })
    }
}

/// Hand-written clients for both services, over any tonic transport (a `Channel`, or a
/// `Channel` behind `BearerLayer`).
#[derive(Debug, Clone)]
pub struct Client<T> {
    inner: tonic::client::Grpc<T>,
}

impl<T> Client<T>
where
    T: tonic::client::GrpcService<Body>,
    T::Error: Into<BoxError>,
    T::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    <T::ResponseBody as http_body::Body>::Error: Into<BoxError> + Send,
{
    /// A client over `transport`.
    pub fn new(transport: T) -> Self {
        Self {
            inner: tonic::client::Grpc::new(transport),
        }
    }

    async fn unary<Req, Res>(&mut self, path: &'static str, req: Req) -> Result<Res, Status>
    where
        Req: prost::Message + Send + Sync + 'static,
        Res: prost::Message + Default + Send + Sync + 'static,
    {
        self.inner
            .ready()
            .await
            .map_err(|e| Status::unavailable(format!("service not ready: {}", e.into())))?;
        let path = PathAndQuery::from_static(path);
        let res = self
            .inner
            .unary(Request::new(req), path, ProstCodec::default())
            .await?;
        Ok(res.into_inner())
    }

    /// `Auth.Login`.
    ///
    /// # Errors
    /// The server's status.
    pub async fn login(&mut self, username: &str, password: &str) -> Result<TokenReply, Status> {
        let req = LoginRequest {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        self.unary("/auth.example.v1.Auth/Login", req).await
    }

    /// `Auth.Refresh`.
    ///
    /// # Errors
    /// The server's status.
    pub async fn refresh(&mut self, refresh_token: &str) -> Result<TokenReply, Status> {
        let req = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.unary("/auth.example.v1.Auth/Refresh", req).await
    }

    /// `Auth.Logout`.
    ///
    /// # Errors
    /// The server's status.
    pub async fn logout(&mut self, refresh_token: &str) -> Result<(), Status> {
        let req = RefreshRequest {
            refresh_token: refresh_token.to_owned(),
        };
        self.unary::<_, LogoutReply>("/auth.example.v1.Auth/Logout", req)
            .await
            .map(drop)
    }

    /// `Greeter.Greet` with a request of your own (e.g. with extra metadata).
    ///
    /// # Errors
    /// The server's status.
    pub async fn greet_request(
        &mut self,
        req: Request<GreetRequest>,
    ) -> Result<GreetReply, Status> {
        self.inner
            .ready()
            .await
            .map_err(|e| Status::unavailable(format!("service not ready: {}", e.into())))?;
        let path = PathAndQuery::from_static("/auth.example.v1.Greeter/Greet");
        let res = self.inner.unary(req, path, ProstCodec::default()).await?;
        Ok(res.into_inner())
    }

    /// `Greeter.Greet`.
    ///
    /// # Errors
    /// The server's status.
    pub async fn greet(&mut self, name: &str) -> Result<String, Status> {
        let req = GreetRequest {
            name: name.to_owned(),
        };
        self.unary::<_, GreetReply>("/auth.example.v1.Greeter/Greet", req)
            .await
            .map(|r| r.message)
    }
}

/// A [`TokenSource`] that logs in with a password, then rotates with the refresh token
/// (logging in again if the refresh token is refused).
#[derive(Debug, Clone)]
pub struct PasswordLogin {
    auth: Client<tonic::transport::Channel>,
    username: String,
    password: String,
}

impl PasswordLogin {
    /// Log in to the `Auth` service on `channel` as `username`.
    pub fn new(
        channel: tonic::transport::Channel,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            auth: Client::new(channel),
            username: username.into(),
            password: password.into(),
        }
    }
}

fn bearer(reply: TokenReply) -> BearerToken {
    BearerToken::new(
        reply.access_token,
        Timestamp::from_unix_millis(reply.expires_at_unix_ms),
    )
    .with_refresh_token(reply.refresh_token)
}

#[async_trait::async_trait]
impl TokenSource for PasswordLogin {
    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
        let mut auth = self.auth.clone();
        if let Some(refresh) = previous.and_then(BearerToken::refresh_token) {
            match auth.refresh(refresh).await {
                Ok(reply) => return Ok(bearer(reply)),
                Err(status) if status.code() == tonic::Code::Unauthenticated => {
                    tracing::info!("refresh token refused; logging in again");
                }
                Err(status) => return Err(status.into()),
            }
        }
        Ok(bearer(auth.login(&self.username, &self.password).await?))
    }
}
