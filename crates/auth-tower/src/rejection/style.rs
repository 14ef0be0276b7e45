//! [`Style`]: how one layer answers refusals (the realm of its challenges, and your body, and
//! which `layer` its decisions are counted under), and the [`RefusalRenderer`] it hands readers
//! of the identity context.

#[cfg(feature = "axum")]
use super::RejectionKind;
use super::{DEFAULT_REALM, ErrorBody, Protocol, Rejection};
use crate::body::text_body;
use crate::decision::Decider;
#[cfg(feature = "axum")]
use auth_core::__private::Refusal;
use auth_core::__private::RefusalRenderer;
use http::Response;
use std::sync::Arc;

/// A layer's rendering settings; cheap to clone. Holds one renderer per protocol, built when
/// the settings change, so writing the identity context costs a reference count, not an
/// allocation. There is no default: each layer says who it is ([`Style::of`]).
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
    /// Whose decisions these are (the layer's own refusals are counted under it).
    decider: Decider,
}

impl Style {
    /// The default settings of a layer whose decisions are counted under `decider`.
    pub(crate) fn of(decider: Decider) -> Self {
        Self::new(Arc::from(DEFAULT_REALM), None, decider)
    }

    fn new(realm: Arc<str>, body: Option<ErrorBody>, decider: Decider) -> Self {
        let http = Renderer {
            realm,
            body,
            protocol: Protocol::Http,
            decider,
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
        *self = Self::new(
            Arc::from(realm.into()),
            self.http.body.clone(),
            self.decider(),
        );
    }

    pub(crate) fn set_body(&mut self, body: ErrorBody) {
        *self = Self::new(self.http.realm.clone(), Some(body), self.decider());
    }

    /// Count this layer's decisions under `decider` (the hybrid layer, over the settings of
    /// the session and JWT layers it is built from).
    #[cfg(feature = "jwt")]
    pub(crate) fn set_decider(&mut self, decider: Decider) {
        *self = Self::new(self.http.realm.clone(), self.http.body.clone(), decider);
    }

    /// Whose decisions this layer's are.
    pub(crate) fn decider(&self) -> Decider {
        self.http.decider
    }

    /// The renderer for requests in `protocol`, for the identity context and for the
    /// response future (which restyles a handler's refusal, [`super::restyle`]).
    pub(crate) fn voice(&self, protocol: Protocol) -> &Arc<Renderer> {
        match protocol {
            Protocol::Http => &self.http,
            Protocol::Grpc => &self.grpc,
        }
    }

    /// [`voice`](Self::voice), as the identity context holds it.
    pub(crate) fn renderer(&self, protocol: Protocol) -> Arc<dyn RefusalRenderer> {
        self.voice(protocol).clone()
    }

    /// The response for `rejection` in `protocol`: the layer's own refusal.
    pub(crate) fn render<B: Default + 'static>(
        &self,
        rejection: &Rejection,
        protocol: Protocol,
    ) -> Response<B> {
        self.render_as(rejection, protocol, self.decider())
    }

    /// The response for `rejection` in `protocol`, with this layer's settings, for a refusal
    /// `decider` made (an extractor, a handler).
    pub(crate) fn render_as<B: Default + 'static>(
        &self,
        rejection: &Rejection,
        protocol: Protocol,
        decider: Decider,
    ) -> Response<B> {
        match protocol {
            Protocol::Http => self.http.render(rejection, decider),
            Protocol::Grpc => self.grpc.render(rejection, decider),
        }
    }
}

impl Renderer {
    /// The response for `rejection`, a refusal by `decider`, in this renderer's protocol.
    pub(crate) fn render<B: Default + 'static>(
        &self,
        rejection: &Rejection,
        decider: Decider,
    ) -> Response<B> {
        rejection.log(self.protocol, decider);
        self.response(rejection)
    }

    /// The response for `rejection`, neither logged nor counted (a refusal counted already).
    pub(crate) fn response<B: Default + 'static>(&self, rejection: &Rejection) -> Response<B> {
        match (&self.body, self.protocol) {
            (Some(body), Protocol::Http) => {
                let (mut head, ()) = rejection.http_head(self.challenge_realm()).into_parts();
                let text = body.apply(rejection, &mut head);
                Response::from_parts(head, text_body(text))
            }
            (None, Protocol::Http) => rejection.render_http(self.challenge_realm()),
            (_, Protocol::Grpc) => rejection.render_grpc(),
        }
    }

    /// This renderer with another realm and body where given (a guard's own).
    pub(crate) fn overridden(&self, realm: Option<Arc<str>>, body: Option<ErrorBody>) -> Self {
        Self {
            realm: realm.unwrap_or_else(|| self.realm.clone()),
            body: body.or_else(|| self.body.clone()),
            ..self.clone()
        }
    }

    /// The realm of the `Bearer` challenges, or `None` for a session layer alone: it takes no
    /// bearer token, and cookies have no standard challenge, so its 401s carry none (a
    /// `HybridLayer`'s cookie path does challenge: a bearer token is welcome there).
    fn challenge_realm(&self) -> Option<&str> {
        match self.decider {
            Decider::Session => None,
            _ => Some(&self.realm),
        }
    }

    /// The renderer of the layer that wrote `cx`, if one of this crate's layers did.
    pub(crate) fn of_context(cx: &auth_core::AuthContext) -> Option<Arc<Self>> {
        cx.renderer()?.clone().into_any().downcast::<Self>().ok()
    }
}

/// The rejection for a refusal a reader of the identity context makes.
#[cfg(feature = "axum")]
fn rejection_for_refusal(refusal: Refusal<'_>) -> Rejection {
    match refusal {
        Refusal::Failed(e) => Rejection::from(e),
        _ => Rejection::new(RejectionKind::Unauthenticated, refusal.description()),
    }
}

impl RefusalRenderer for Renderer {
    fn into_any(self: Arc<Self>) -> Arc<dyn std::any::Any + Send + Sync> {
        self
    }

    #[cfg(feature = "axum")]
    fn response(&self, refusal: Refusal<'_>) -> axum_core::response::Response {
        // Only extractors ask (the `Identity` extractor of auth-core).
        self.render(&rejection_for_refusal(refusal), Decider::Extractor)
    }
}
