//! A [`Rejection`] a handler returns (`who.require_role("admin")?`), answered in the voice of
//! the layer that authenticated the request.
//!
//! A handler cannot see the layer's realm and body, so its refusal is rendered with the
//! defaults and marked; the layer that wrote the request's identity context finds the mark on
//! the way out and renders the refusal again with its own settings ([`restyle`]). Without a
//! layer, the default rendering stands.

use super::{Rejection, Renderer};
use http::Response;
use http::header::{
    CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, LOCATION, RETRY_AFTER,
    WWW_AUTHENTICATE,
};

/// The headers a refusal's rendering sets: the layer's rendering decides them, and the default
/// rendering's are dropped (a session layer sends no `Bearer` challenge, say).
const REFUSAL_HEADERS: [HeaderName; 6] = [
    CACHE_CONTROL,
    CONTENT_LENGTH,
    CONTENT_TYPE,
    LOCATION,
    RETRY_AFTER,
    WWW_AUTHENTICATE,
];

/// The mark on a response rendered from a handler's [`Rejection`].
#[derive(Debug, Clone)]
struct HandlerRefusal(Rejection);

/// As a response from a handler: rendered for HTTP with the default realm and body, and
/// marked, so the layer that authenticated the request answers it with its realm and body.
#[cfg(feature = "axum")]
impl axum_core::response::IntoResponse for Rejection {
    fn into_response(self) -> axum_core::response::Response {
        let mut res: axum_core::response::Response =
            self.render(super::Protocol::Http, super::DEFAULT_REALM);
        res.extensions_mut().insert(HandlerRefusal(self));
        res
    }
}

/// Whether `res` is a handler's refusal (a look at the response's extensions, which most
/// responses do not have).
pub(crate) fn is_handler_refusal<B>(res: &Response<B>) -> bool {
    res.extensions().get::<HandlerRefusal>().is_some()
}

/// `res`, or, when it is a handler's refusal, that refusal rendered by `voice` (the layer's
/// renderer for HTTP). Headers the handler added around the refusal, and the response's other
/// extensions, are kept.
pub(crate) fn restyle<B: Default + 'static>(mut res: Response<B>, voice: &Renderer) -> Response<B> {
    let Some(HandlerRefusal(rejection)) = res.extensions_mut().remove::<HandlerRefusal>() else {
        return res;
    };
    // Counted and logged once, when the handler rendered it.
    let mut styled: Response<B> = voice.response(&rejection);
    let added: Vec<HeaderName> = res
        .headers()
        .keys()
        .filter(|name| !REFUSAL_HEADERS.contains(*name) && !styled.headers().contains_key(*name))
        .cloned()
        .collect();
    for name in added {
        for value in res.headers().get_all(&name) {
            styled.headers_mut().append(name.clone(), value.clone());
        }
    }
    *styled.extensions_mut() = std::mem::take(res.extensions_mut());
    styled
}
