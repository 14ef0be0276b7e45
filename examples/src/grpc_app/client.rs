//! A hand-written client for both services, and a token source that logs in with it.

use super::proto::*;

use auth_tower::Timestamp;
use auth_tower::grpc::{BearerToken, BoxError, TokenSource};
use http::uri::PathAndQuery;
use tonic::body::Body;
use tonic::{Request, Status};
use tonic_prost::ProstCodec;

/// Hand-written clients for both services, over any tonic transport (a `Channel`, or a
/// `Channel` behind `AddBearerTokenLayer`).
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
