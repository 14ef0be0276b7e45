//! Reading a token request: a bounded body, as JSON or as an HTML form (RFC 6749 §4.3, §6).

use crate::rejection::OAuthError;
use axum::body::Body;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use http_body_util::{BodyExt, Limited};
use serde::Deserialize;
use std::fmt;

/// The members a token request may carry; others (`client_id`, `scope`...) are ignored.
#[derive(Default, Deserialize)]
pub(super) struct Params {
    pub(super) grant_type: Option<String>,
    pub(super) username: Option<String>,
    pub(super) password: Option<String>,
    pub(super) refresh_token: Option<String>,
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username.as_ref().map(|_| "<redacted>"))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// What a token request asks for. `Debug` shows neither the password nor the refresh token.
pub(super) enum Grant {
    /// `grant_type=password`.
    Password { username: String, password: String },
    /// `grant_type=refresh_token`.
    RefreshToken(String),
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password { .. } => f
                .debug_struct("Password")
                .field("username", &"<redacted>")
                .field("password", &"<redacted>")
                .finish(),
            Self::RefreshToken(_) => f.debug_tuple("RefreshToken").field(&"<redacted>").finish(),
        }
    }
}

/// Which grants an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Accepts {
    /// Both; `grant_type` is required (the OAuth 2.0 token endpoint).
    Any,
    /// Only `password`; `grant_type` may be left out.
    Password,
    /// Only `refresh_token`; `grant_type` may be left out.
    RefreshToken,
}

impl Params {
    /// The grant this request asks for, as `accepts` allows.
    pub(super) fn grant(self, accepts: Accepts) -> Result<Grant, OAuthError> {
        let grant_type = match (self.grant_type.as_deref(), accepts) {
            (Some(g), _) => g,
            (None, Accepts::Password) => "password",
            (None, Accepts::RefreshToken) => "refresh_token",
            (None, Accepts::Any) => {
                return Err(OAuthError::invalid_request("grant_type is required"));
            }
        };
        match (grant_type, accepts) {
            ("password", Accepts::Any | Accepts::Password) => {
                match (self.username, self.password) {
                    (Some(username), Some(password)) => Ok(Grant::Password { username, password }),
                    _ => Err(OAuthError::invalid_request(
                        "username and password are required",
                    )),
                }
            }
            ("refresh_token", Accepts::Any | Accepts::RefreshToken) => self
                .refresh_token
                .map(Grant::RefreshToken)
                .ok_or_else(|| OAuthError::invalid_request("refresh_token is required")),
            _ => Err(OAuthError::unsupported_grant_type()),
        }
    }
}

/// Read `body` (at most `limit` bytes) as JSON or as a form, as its `Content-Type` says.
pub(super) async fn read(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Params, OAuthError> {
    let format = Format::of(headers)?;
    let bytes = Limited::new(body, limit)
        .collect()
        .await
        .map_err(|_| {
            OAuthError::invalid_request(format!(
                "the request body could not be read or is larger than {limit} bytes"
            ))
        })?
        .to_bytes();
    match format {
        Format::Json => serde_json::from_slice(&bytes)
            .map_err(|_| OAuthError::invalid_request("the body is not a valid JSON object")),
        Format::Form => serde_urlencoded::from_bytes(&bytes).map_err(|_| {
            OAuthError::invalid_request("the body is not a valid form (or repeats a parameter)")
        }),
    }
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Json,
    Form,
}

impl Format {
    fn of(headers: &HeaderMap) -> Result<Self, OAuthError> {
        let essence = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::trim)
            .unwrap_or_default();
        if essence.eq_ignore_ascii_case("application/json") {
            Ok(Self::Json)
        } else if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            Ok(Self::Form)
        } else {
            Err(OAuthError::invalid_request(
                "the body must be application/json or application/x-www-form-urlencoded",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grant_debug_redacts_the_password() {
        let grant = Grant::Password {
            username: "alice".to_owned(),
            password: "hunter2-wonderland".to_owned(),
        };
        let shown = format!("{grant:?}");
        assert!(!shown.contains("hunter2-wonderland"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        let shown = format!("{:?}", Grant::RefreshToken("rt-secret-value".to_owned()));
        assert!(!shown.contains("rt-secret-value"), "{shown}");
    }
}
