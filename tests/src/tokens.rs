//! A client for the token endpoints of the `jwt-api` example: log in, refresh, log out, call
//! the API with a bearer token.

use crate::{client, client_from};
use std::net::IpAddr;
use std::time::Duration;

/// An access token and its refresh token, as a login or refresh returned them.
#[derive(Debug, Clone)]
pub struct Pair {
    /// The access JWT.
    pub access: String,
    /// The refresh token.
    pub refresh: String,
}

/// A status, the headers and the body of an answer.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }

    /// The token pair of a 200 token response.
    ///
    /// # Panics
    /// If this is not a 200 with both tokens.
    #[allow(clippy::unwrap_used)]
    pub fn pair(&self) -> Pair {
        assert_eq!(self.status, 200, "expected a token pair: {}", self.body);
        let body = self.json();
        Pair {
            access: body["access_token"].as_str().unwrap().to_owned(),
            refresh: body["refresh_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// Send `req` and read the whole answer.
///
/// # Panics
/// If the server does not answer within 5 s.
#[allow(clippy::expect_used)]
pub async fn send(req: reqwest::RequestBuilder) -> Answer {
    let res = req
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("answered");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.text().await.expect("a body");
    Answer {
        status,
        headers,
        body,
    }
}

/// `POST {base}/auth/{endpoint}` with a JSON body.
pub async fn post_json(base: &str, endpoint: &str, body: &serde_json::Value) -> Answer {
    send(
        client()
            .post(format!("{base}/auth/{endpoint}"))
            .header("content-type", "application/json")
            .body(body.to_string()),
    )
    .await
}

/// Log in; the answer (a pair on success).
pub async fn login(base: &str, username: &str, password: &str) -> Answer {
    post_json(
        base,
        "login",
        &serde_json::json!({"username": username, "password": password}),
    )
    .await
}

/// Log in from the loopback address `local` (e.g. `127.0.0.2`): the server sees it as the
/// client address.
///
/// # Panics
/// If `local` is not an IP address.
#[allow(clippy::expect_used)]
pub async fn login_from(base: &str, local: &str, username: &str, password: &str) -> Answer {
    let local: IpAddr = local.parse().expect("an IP address");
    send(
        client_from(local)
            .post(format!("{base}/auth/login"))
            .header("content-type", "application/json")
            .body(serde_json::json!({"username": username, "password": password}).to_string()),
    )
    .await
}

/// Exchange a refresh token.
pub async fn refresh(base: &str, refresh_token: &str) -> Answer {
    post_json(
        base,
        "refresh",
        &serde_json::json!({"refresh_token": refresh_token}),
    )
    .await
}

/// Log out with a refresh token.
pub async fn logout(base: &str, refresh_token: &str) -> Answer {
    post_json(
        base,
        "logout",
        &serde_json::json!({"refresh_token": refresh_token}),
    )
    .await
}

/// `GET {base}{path}` with `Authorization: Bearer {access}`.
pub async fn get_with(base: &str, path: &str, access: &str) -> Answer {
    send(
        client()
            .get(format!("{base}{path}"))
            .header("authorization", format!("Bearer {access}")),
    )
    .await
}
