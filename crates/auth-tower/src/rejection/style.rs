//! [`Style`]: how one layer answers refusals (the realm of its challenges, and your body), and
//! the [`RefusalRenderer`] it hands readers of the identity context.

#[cfg(feature = "axum")]
use super::RejectionKind;
use super::{DEFAULT_REALM, ErrorBody, Protocol, Rejection};
use crate::body::text_body;
#[cfg(feature = "axum")]
use auth_core::Refusal;
use auth_core::RefusalRenderer;
use http::Response;
use std::sync::Arc;

/// A layer's rendering settings; cheap to clone. Holds one renderer per protocol, built when
/// the settings change, so writing the identity context costs a reference count, not an
/// allocation.
#[derive(Debug, Clone)]
pub(crate) struct Style {
    http: Arc<Renderer>,
    grpc: Arc<Renderer>,
}

/// The settings and the protocol of one kind of request: what readers of the identity
/// context render refusals with.
#[derive(Debug, Clone)]
pub(crate) struct Renderer {
    realm: Arc<str>,
    body: Option<ErrorBody>,
    protocol: Protocol,
}

impl Default for Style {
    fn default() -> Self {
        Self::new(Arc::from(DEFAULT_REALM), None)
    }
}

impl Style {
    fn new(realm: Arc<str>, body: Option<ErrorBody>) -> Self {
        let http = Renderer {
            realm,
            body,
            protocol: Protocol::Http,
        };
        let grpc = Renderer {
            protocol: Protocol::Grpc,
            ..http.clone()
        };
        Self {
            http: Arc::new(http),
            grpc: Arc::new(grpc),
        }
    }

    pub(crate) fn set_realm(&mut self, realm: impl Into<String>) {
        *self = Self::new(Arc::from(realm.into()), self.http.body.clone());
    }

    pub(crate) fn set_body(&mut self, body: ErrorBody) {
        *self = Self::new(self.http.realm.clone(), Some(body));
    }

    /// The renderer for requests in `protocol`, for the identity context.
    pub(crate) fn renderer(&self, protocol: Protocol) -> Arc<dyn RefusalRenderer> {
        match protocol {
            Protocol::Http => self.http.clone(),
            Protocol::Grpc => self.grpc.clone(),
        }
    }

    /// The response for `rejection` in `protocol`.
    pub(crate) fn render<B: Default + 'static>(
        &self,
        rejection: &Rejection,
        protocol: Protocol,
    ) -> Response<B> {
        match protocol {
            Protocol::Http => self.http.render(rejection),
            Protocol::Grpc => self.grpc.render(rejection),
        }
    }
}

impl Renderer {
    /// The response for `rejection`, in this renderer's protocol.
    pub(crate) fn render<B: Default + 'static>(&self, rejection: &Rejection) -> Response<B> {
        match (&self.body, self.protocol) {
            (Some(body), Protocol::Http) => {
                rejection.log(self.protocol);
                let (mut head, ()) = rejection.http_head(&self.realm).into_parts();
                let text = body.apply(rejection, &mut head);
                Response::from_parts(head, text_body(text))
            }
            _ => rejection.render(self.protocol, &self.realm),
        }
    }
}

/// The rejection for a refusal a reader of the identity context makes.
#[cfg(feature = "axum")]
fn rejection_for_refusal(refusal: Refusal<'_>) -> Rejection {
    match refusal {
        Refusal::Failed(e) => crate::session::rejection_for_store_error(e),
        _ => Rejection::new(RejectionKind::Unauthenticated, "authentication required"),
    }
}

impl RefusalRenderer for Renderer {
    #[cfg(feature = "axum")]
    fn response(&self, refusal: Refusal<'_>) -> axum_core::response::Response {
        self.render(&rejection_for_refusal(refusal))
    }
}
