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
//! checks its scope with [`IdentityExt::require_scope`](auth_tower::grpc::IdentityExt::require_scope).
//!
//! Users (a demo table in code): `alice`/`wonderland` with scope `greet`, `bob`/`builder`
//! without.

mod client;
mod proto;
mod server;

pub use client::{Client, PasswordLogin};
pub use proto::{GreetReply, GreetRequest, LoginRequest, LogoutReply, RefreshRequest, TokenReply};
pub use server::{AuthService, GreeterService};

use auth_tower::JwtLayer;
use auth_tower::auth_jwt::{
    Algorithm, Issuer, Key, RefreshStore, RefreshTokens, SharedKeySet, Verifier,
};
use auth_tower::grpc::BoxError;
use auth_tower::store::Revocations;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tower::Layer;

/// The issuer and audience of the example's tokens.
pub const ISSUER: &str = "https://grpc-example.invalid";
/// The audience.
pub const AUDIENCE: &str = "greeter";

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
            refresh_store: Arc::new(auth_tower::auth_jwt::MemoryRefreshStore::new()),
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
        let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256)?);
        let issuer = Issuer::builder()
            .with_issuer(ISSUER)
            .with_audience(AUDIENCE)
            .with_keys(keys.clone())
            .with_ttl(config.access_ttl)
            .build()?;
        let verifier = Verifier::builder()
            .with_issuer(ISSUER)
            .with_audience(AUDIENCE)
            .with_keys(keys)
            .with_revocations(config.revocations.clone())
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
