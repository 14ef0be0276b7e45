//! gRPC with tonic (feature `tonic`).
//!
//! **Server.** [`JwtLayer`](crate::JwtLayer) and [`RequireAuth`](crate::RequireAuth) work on
//! tonic servers as they are: a gRPC request (HTTP/2 with `content-type: application/grpc*`
//! and `te: trailers`, as tonic sends; see [`Protocol::of`](crate::rejection::Protocol::of)) is refused
//! with a trailers-only response carrying `grpc-status` UNAUTHENTICATED (16), PERMISSION_DENIED
//! (7), INVALID_ARGUMENT (3) or UNAVAILABLE (14), so clients see a proper
//! [`tonic::Status`]. Put the layer on the whole server (`Server::builder().layer(..)`), or on
//! one service (`add_service(JwtLayer::new(v).layer(svc))`: the layered services are
//! [`NamedService`] when the wrapped one is), and check scopes or roles in handlers with
//! [`IdentityExt`].
//!
//! ```no_run
//! use auth_tower::JwtLayer;
//! use auth_tower::auth_jwt::{Algorithm, Key, KeySet, SharedKeySet, Verifier};
//! use tonic::service::Routes;
//! use tonic::transport::Server;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
//! let verifier = Verifier::builder()
//!     .with_issuer("https://issuer.example")
//!     .with_audience("api")
//!     .with_keys(keys)
//!     .build()?;
//! let routes = Routes::default(); // add your services here
//! Server::builder()
//!     .layer(JwtLayer::new(verifier))
//!     .add_routes(routes)
//!     .serve("127.0.0.1:50051".parse()?)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! **Client.** [`AddBearerTokenLayer`] wraps a tonic `Channel`: it attaches `authorization: Bearer
//! <token>` to every call and gets a new token from your [`TokenSource`] shortly before the
//! current one expires, one fetch for all concurrent calls.
//!
//! ```no_run
//! use auth_tower::grpc::{AddBearerTokenLayer, BearerToken, BoxError, TokenSource};
//! use tonic::transport::Channel;
//! use tower::Layer;
//!
//! #[derive(Debug)]
//! struct Login; // calls your Login rpc, or exchanges `previous.refresh_token()`
//!
//! #[async_trait::async_trait]
//! impl TokenSource for Login {
//!     async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
//!         // Call your Login rpc (or Refresh, with `previous.and_then(|t| t.refresh_token())`).
//!         let (access, expires_at) = call_login_rpc().await?;
//!         Ok(BearerToken::new(access, expires_at))
//!     }
//! }
//! # async fn call_login_rpc() -> Result<(String, auth_tower::Timestamp), BoxError> {
//! #     Err("not wired up in this example".into())
//! }
//!
//! # async fn run() -> Result<(), BoxError> {
//! let channel = Channel::from_static("http://127.0.0.1:50051").connect().await?;
//! // What a generated `GreeterClient::new(..)` takes, and wraps in `tonic::client::Grpc`:
//! let mut grpc = tonic::client::Grpc::new(AddBearerTokenLayer::new(Login).layer(channel));
//! grpc.ready().await?;
//! # Ok(()) }
//! ```

mod bearer;
mod server;

/// The response future of [`AddBearerTokenService`].
pub use bearer::ResponseFuture as BearerFuture;
pub use bearer::{
    AddBearerTokenLayer, AddBearerTokenLayerBuilder, AddBearerTokenService, BearerToken,
    TokenError, TokenErrorKind, TokenSource,
};
pub use server::{IdentityExt, status_for_jwt_error};

use tonic::server::NamedService;

impl<S: NamedService> NamedService for crate::jwt::JwtService<S> {
    const NAME: &'static str = S::NAME;
}

impl<S: NamedService> NamedService for crate::guard::RequireAuthService<S> {
    const NAME: &'static str = S::NAME;
}

/// The boxed error of [`TokenSource`] and of [`AddBearerTokenService`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
