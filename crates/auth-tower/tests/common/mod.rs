//! Test support: a store that counts calls, a store that fails, and a request helper.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use async_trait::async_trait;
use auth_core::{
    Error, SaveOutcome, SessionChanges, SessionEntry, SessionKey, SessionRecord, SessionStore,
};
use axum::Router;
use axum::body::Body;
use http::{Request, Response};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tower::ServiceExt;

/// Counts every call by kind and delegates to an inner store; can be switched to failing.
#[derive(Debug)]
pub struct ProbeStore<S> {
    pub inner: S,
    pub loads: AtomicUsize,
    pub writes: AtomicUsize,
    pub down: AtomicBool,
    pub writes_down: AtomicBool,
}

impl<S> ProbeStore<S> {
    pub fn new(inner: S) -> Arc<Self> {
        Arc::new(Self {
            inner,
            loads: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
            down: AtomicBool::new(false),
            writes_down: AtomicBool::new(false),
        })
    }
    pub fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
    pub fn calls(&self) -> usize {
        self.loads() + self.writes()
    }
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
    fn check(&self) -> Result<(), Error> {
        if self.down.load(Ordering::SeqCst) {
            Err(Error::unavailable("test store is down"))
        } else {
            Ok(())
        }
    }
    /// Fail writes only: loads work, so handlers run and the save after them fails.
    pub fn set_writes_down(&self, down: bool) {
        self.writes_down.store(down, Ordering::SeqCst);
    }
    fn write(&self) -> Result<(), Error> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if self.writes_down.load(Ordering::SeqCst) {
            return Err(Error::unavailable("test store refuses writes"));
        }
        self.check()
    }
    fn read(&self) -> Result<(), Error> {
        self.loads.fetch_add(1, Ordering::SeqCst);
        self.check()
    }
}

#[async_trait]
impl<S: SessionStore> SessionStore for ProbeStore<S> {
    async fn create(&self, key: &SessionKey, record: &SessionRecord) -> Result<(), Error> {
        self.write()?;
        self.inner.create(key, record).await
    }
    async fn load(&self, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
        self.read()?;
        self.inner.load(key).await
    }
    async fn save(&self, key: &SessionKey, changes: &SessionChanges) -> Result<SaveOutcome, Error> {
        self.write()?;
        self.inner.save(key, changes).await
    }
    async fn delete(&self, key: &SessionKey) -> Result<bool, Error> {
        self.write()?;
        self.inner.delete(key).await
    }
    async fn rotate(
        &self,
        old: &SessionKey,
        new: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<SessionRecord>, Error> {
        self.write()?;
        self.inner.rotate(old, new, changes).await
    }
    async fn delete_subject(&self, subject: &str) -> Result<u64, Error> {
        self.write()?;
        self.inner.delete_subject(subject).await
    }
    async fn list_subject(&self, subject: &str) -> Result<Vec<SessionEntry>, Error> {
        self.read()?;
        self.inner.list_subject(subject).await
    }
}

/// A response with its body read.
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }
    /// The `name=value` pair of the one Set-Cookie, for the next request's Cookie header.
    pub fn cookie_pair(&self) -> String {
        let all = self.set_cookies();
        assert_eq!(all.len(), 1, "expected exactly one Set-Cookie, got {all:?}");
        all[0].split(';').next().unwrap().to_owned()
    }
}

pub async fn send(app: &Router, req: Request<Body>) -> Reply {
    let res: Response<Body> = app.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn get(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(uri);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(Body::empty()).unwrap()
}

pub fn post(uri: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::post(uri);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(Body::empty()).unwrap()
}

/// `req` as a real gRPC call sends it: HTTP/2, `content-type: application/grpc`, `te: trailers`
/// (what tonic's client puts on every call).
pub fn grpc(mut req: Request<Body>) -> Request<Body> {
    *req.version_mut() = http::Version::HTTP_2;
    let headers = req.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    headers.insert(http::header::TE, http::HeaderValue::from_static("trailers"));
    req
}

/// `req` over HTTP/1.1 with the headers a forward-auth proxy copies from a client that claims
/// gRPC (`content-type: application/grpc`, even `te: trailers`).
pub fn fake_grpc_http1(mut req: Request<Body>) -> Request<Body> {
    *req.version_mut() = http::Version::HTTP_11;
    let headers = req.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    headers.insert(http::header::TE, http::HeaderValue::from_static("trailers"));
    req
}

/// An HTTP refusal with `status`: never a 2xx carrying `grpc-status`, and `no-store`.
#[track_caller]
pub fn assert_http_refusal(r: &Reply, status: u16) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(
        r.header("grpc-status"),
        None,
        "an HTTP refusal has no grpc-status"
    );
    assert_ne!(r.header("content-type"), Some("application/grpc"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

/// A gRPC trailers-only refusal with `code`, `no-store`.
#[track_caller]
pub fn assert_grpc_refusal(r: &Reply, code: &str) {
    assert_eq!(r.status, 200, "trailers-only");
    assert_eq!(r.header("grpc-status"), Some(code));
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

/// An issuer and a verifier for `https://issuer.test`, audience `api`, on one fresh HS256 key;
/// the verifier checks `revocations`.
#[cfg(feature = "jwt")]
pub fn hs256_issuer_and_verifier(
    revocations: impl auth_core::Revocations,
) -> (auth_tower::auth_jwt::Issuer, auth_tower::auth_jwt::Verifier) {
    use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
    let keys = SharedKeySet::from(Key::generate_hmac("k1", Algorithm::HS256).unwrap());
    let issuer = Issuer::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(keys)
        .with_revocations(revocations)
        .build()
        .unwrap();
    (issuer, verifier)
}
