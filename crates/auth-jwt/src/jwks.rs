//! Publishing the public keys: [`JwksService`], a framework-neutral tower `Service` for
//! `/.well-known/jwks.json` (mount it in axum with `Router::route_service`).

use crate::keys::SharedKeySet;
use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use std::convert::Infallible;
use std::fmt;
use std::future::{Ready, ready};
use std::task::{Context, Poll};
use std::time::Duration;
use tower_service::Service;

/// The media type of a JWK Set (RFC 7517 §8.5).
pub const JWKS_CONTENT_TYPE: &str = "application/jwk-set+json";

/// The default `Cache-Control: max-age` of the JWKS response.
pub(crate) const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(300);

/// Serves the current JWKS document of a [`SharedKeySet`] to `GET` and `HEAD` (405 otherwise),
/// with `Content-Type: application/jwk-set+json` and a `Cache-Control: public, max-age`.
/// Rotation through the shared handle shows on the next request.
///
/// ```
/// use auth_jwt::{Algorithm, JwksService, Key, KeySet, SharedKeySet};
/// # let pem = include_bytes!("../tests/keys/ec256.pem");
/// let keys = SharedKeySet::from(Key::from_pem("k1", Algorithm::ES256, pem)?);
/// let response = JwksService::new(keys).response();
/// assert_eq!(response.status(), 200);
/// // With axum: Router::new().route_service("/.well-known/jwks.json", JwksService::new(keys))
/// # Ok::<(), auth_jwt::Error>(())
/// ```
#[derive(Clone)]
#[must_use]
pub struct JwksService {
    keys: SharedKeySet,
    cache_control: HeaderValue,
}

impl JwksService {
    /// A service publishing `keys`.
    pub fn new(keys: SharedKeySet) -> Self {
        Self {
            keys,
            cache_control: cache_control(DEFAULT_JWKS_MAX_AGE),
        }
    }

    /// How long clients may cache the document (default 5 minutes). Keep it shorter than the
    /// time between publishing a new key and signing with it.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.cache_control = cache_control(max_age);
        self
    }

    /// The `200` response with the current document.
    pub fn response(&self) -> Response<Full<Bytes>> {
        self.respond(&Method::GET)
    }

    fn respond(&self, method: &Method) -> Response<Full<Bytes>> {
        let mut response = if method == Method::GET || method == Method::HEAD {
            let body = if method == Method::GET {
                self.keys.snapshot().jwks_json()
            } else {
                Bytes::new()
            };
            let mut r = Response::new(Full::new(body));
            let headers = r.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(JWKS_CONTENT_TYPE));
            headers.insert(CACHE_CONTROL, self.cache_control.clone());
            r
        } else {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            r.headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            r
        };
        response.headers_mut().insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        response
    }
}

fn cache_control(max_age: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!("public, max-age={}", max_age.as_secs()))
        .unwrap_or_else(|_| HeaderValue::from_static("public, max-age=300"))
}

impl<B> Service<Request<B>> for JwksService {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ready(Ok(self.respond(request.method())))
    }
}

impl fmt::Debug for JwksService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksService")
            .field("keys", &self.keys)
            .field("cache_control", &self.cache_control)
            .finish()
    }
}
