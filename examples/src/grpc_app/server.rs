//! The two services, hand-written as tonic would generate them.

use super::proto::*;

use auth_tower::Identity;
use auth_tower::auth_jwt::{RefreshTokens, TokenPair};
use auth_tower::grpc::{IdentityExt, status_for_jwt_error};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::body::Body;
use tonic::server::{Grpc, NamedService};
use tonic::{Request, Response, Status};
use tonic_prost::ProstCodec;
use tower::Service;

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
    pub(super) tokens: RefreshTokens,
}

impl NamedService for AuthService {
    const NAME: &'static str = "auth.example.v1.Auth";
}

impl AuthService {
    /// The service, starting, rotating and ending refresh-token families with `tokens` (the
    /// `grpc_server` example builds it so; [`GrpcApp`](super::GrpcApp) builds its own).
    pub fn new(tokens: RefreshTokens) -> Self {
        Self { tokens }
    }

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

/// The `auth.example.v1.Greeter` service (put it behind a [`JwtLayer`](auth_tower::JwtLayer)).
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
