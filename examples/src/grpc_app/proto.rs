//! The messages, as `prost` would generate them from the `.proto` in the module docs.

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
