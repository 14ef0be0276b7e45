//! [`HybridService`]: sends each request to the bearer or the cookie path.

use crate::jwt::layer::JwtConfig;
use crate::macros::{inner_accessors, opaque_future};
use crate::service::{InnerService, take_ready};
use crate::session::config::SessionConfig;
use http::header::AUTHORIZATION;
use http::{Request, Response};
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// The service [`HybridLayer`](super::HybridLayer) wraps around yours.
#[derive(Debug, Clone)]
pub struct HybridService<S> {
    inner: S,
    session: Arc<SessionConfig>,
    jwt: Arc<JwtConfig>,
}

impl<S> HybridService<S> {
    pub(super) fn new(inner: S, session: Arc<SessionConfig>, jwt: Arc<JwtConfig>) -> Self {
        Self {
            inner,
            session,
            jwt,
        }
    }
}

opaque_future! {
    /// The response future of [`HybridService`]: the bearer path's or the cookie path's, as
    /// [`jwt::ResponseFuture`](crate::jwt::ResponseFuture) and
    /// [`session::ResponseFuture`](crate::session::ResponseFuture) describe them (a refusal
    /// decided without I/O is ready at once, with nothing allocated).
    pub struct ResponseFuture after crate::session::service::Commit;
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for HybridService<S>
where
    S: InnerService<Request<ReqBody>, Response = Response<ResBody>>,
    ReqBody: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(
        &mut self,
        #[cfg_attr(not(feature = "axum"), allow(unused_mut))] mut req: Request<ReqBody>,
    ) -> Self::Future {
        let inner = take_ready(&mut self.inner);
        let state = if has_bearer_credentials(&req) {
            tracing::trace!(target: "auth_tower::hybrid", "bearer request");
            #[cfg(feature = "axum")]
            {
                let marker = crate::session::BearerRequest {
                    protocol: crate::rejection::Protocol::of(&req),
                    style: self.jwt.style.clone(),
                };
                req.extensions_mut().insert(marker);
            }
            crate::jwt::service::serve(inner, &self.jwt, req)
        } else {
            tracing::trace!(target: "auth_tower::hybrid", "cookie request");
            crate::session::service::serve(inner, self.session.clone(), req)
        };
        ResponseFuture::new(state)
    }
}

/// Whether the request presents bearer credentials, valid or not: anything but "no
/// `Authorization` header, or another scheme" goes to the bearer path, so a malformed or
/// duplicated bearer header is refused there and never falls back to the cookie.
///
/// The same split as [`auth_jwt::bearer_token`]'s `MissingToken`, decided from the scheme
/// alone: the token itself is checked once, on the bearer path.
fn has_bearer_credentials<B>(req: &Request<B>) -> bool {
    let mut values = req.headers().get_all(AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return false;
    };
    if values.next().is_some() {
        return true;
    }
    let Ok(value) = value.to_str() else {
        return true; // refused as malformed on the bearer path
    };
    let scheme = value.split_once(' ').map_or(value, |(scheme, _)| scheme);
    scheme.eq_ignore_ascii_case("bearer")
}

inner_accessors!(HybridService);

#[cfg(test)]
mod tests {
    use super::*;

    /// The cheap split agrees with `bearer_token`'s idea of "no bearer credentials".
    #[test]
    fn agrees_with_bearer_token() {
        let cases: &[&[&[u8]]] = &[
            &[],
            &[b"Bearer a.b.c"],
            &[b"bearer  a.b.c"],
            &[b"Bearer"],
            &[b"Bearer "],
            &[b"Bearer a b"],
            &[b"Bearer \xc3\xa9"],
            &[b"Basic dXNlcjpwdw=="],
            &[b"Basic \xc3\xa9"],
            &[b"Bearerx a"],
            &[b"Basic a", b"Basic b"],
            &[b"Bearer a", b"Basic b"],
        ];
        for values in cases {
            let mut b = Request::builder();
            for v in *values {
                b = b.header(AUTHORIZATION, http::HeaderValue::from_bytes(v).unwrap());
            }
            let req = b.body(()).unwrap();
            let expected = !matches!(
                auth_jwt::bearer_token(req.headers()),
                Err(e) if e.kind() == auth_jwt::ErrorKind::MissingToken
            );
            assert_eq!(has_bearer_credentials(&req), expected, "{values:?}");
        }
    }
}
