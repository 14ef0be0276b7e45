//! [`AuthContext`]: the one request extension that says who a request is from.
//!
//! Every auth layer writes it and every reader reads it: the axum extractors (feature `axum`),
//! the guards, tonic's `IdentityExt`. It is framework-free: the rendering of a refusal is an
//! opaque [`RefusalRenderer`] handle that the layer provides, so a reader that has to refuse
//! answers in the protocol, realm and body the layer was configured with.

use crate::{Error, ErrorKind, Identity};
use async_trait::async_trait;
use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// What a client is told when it must authenticate: the one wording, in every layer and
/// reader of every crate.
pub const AUTHENTICATION_REQUIRED: &str = "authentication required";
/// What a client is told when a store or key set cannot be reached (503, fail closed): never
/// the store's own message.
pub const AUTHENTICATION_UNAVAILABLE: &str = "authentication temporarily unavailable";
/// What a client is told when authentication failed on the server's side (500): never the
/// error's own message.
pub const AUTHENTICATION_FAULT: &str = "authentication failed on the server";

/// Something that can say who a request is from, asked only when a reader wants to know (a
/// session layer: the session is loaded lazily, so a handler that never asks costs no store
/// call). Rarely implemented by users.
#[async_trait]
pub trait IdentitySource: Send + Sync + 'static {
    /// The identity, `None` if the request is anonymous.
    ///
    /// # Errors
    /// When the store behind it fails; the reader refuses the request with the layer's
    /// rendering of the error (a 503 for an unreachable store: fail closed).
    async fn identity(&self) -> Result<Option<Identity>, Error>;

    /// The same answer as [`identity`](Self::identity) when it is known without waiting (a
    /// session already loaded, or a store that answers from memory); `None`: ask `identity`.
    /// Readers ask this first, which spares them the boxed future of the `async` method on
    /// the hot path. The default knows nothing without waiting.
    fn identity_now(&self) -> Option<Result<Option<Identity>, Error>> {
        None
    }
}

/// What a reader of an [`AuthContext`] refuses a request for.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Refusal<'a> {
    /// The request is anonymous and the reader needs an identity (401, gRPC 16).
    Unauthenticated,
    /// The identity could not be resolved: the source failed (a 503 for a store that cannot be
    /// reached, a 500 for a value that cannot be read).
    Failed(&'a Error),
}

impl Refusal<'_> {
    /// What the client is told: [`AUTHENTICATION_REQUIRED`], [`AUTHENTICATION_UNAVAILABLE`]
    /// for a store that cannot be reached, [`AUTHENTICATION_FAULT`] for any other failure.
    pub fn description(&self) -> &'static str {
        match self {
            Self::Unauthenticated => AUTHENTICATION_REQUIRED,
            Self::Failed(e) if e.kind() == ErrorKind::Unavailable => AUTHENTICATION_UNAVAILABLE,
            Self::Failed(_) => AUTHENTICATION_FAULT,
        }
    }
}

/// How the layer that wrote an [`AuthContext`] answers a [`Refusal`]: the request's protocol
/// (HTTP or gRPC), the realm of its challenges, the body it was configured with.
///
/// Opaque to this crate, which knows no HTTP types: `auth-tower` implements it for its layers.
/// With feature `axum`, its `response` method is what the `Identity` extractor answers with;
/// an implementation that does not provide it (a crate built without axum support, unified
/// with one that has it) answers with the refusal's bare status and `Cache-Control: no-store`.
pub trait RefusalRenderer: fmt::Debug + Send + Sync + 'static {
    /// The renderer as `Any`, so the crate that made it gets its own type back (to render
    /// refusals this crate has no words for).
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;

    /// The response to `refusal`, rendered as the layer renders its own refusals.
    #[cfg(feature = "axum")]
    fn response(&self, refusal: Refusal<'_>) -> axum_core::response::Response {
        crate::extract::bare_refusal(refusal)
    }
}

/// Who a request is from, as the auth layers that saw it resolved it. Layers insert it into
/// the request extensions; readers never find "no context" unless no auth layer ran (a server
/// bug, which they answer with a 500 that says so, never as an anonymous request).
///
/// ```
/// use auth_core::{AuthContext, Identity};
/// let cx = AuthContext::verified(Identity::new("alice"));
/// assert_eq!(cx.verified_identity().map(Identity::subject), Some("alice"));
/// assert!(AuthContext::anonymous().is_anonymous());
/// ```
#[derive(Clone)]
pub struct AuthContext {
    state: State,
    renderer: Option<Arc<dyn RefusalRenderer>>,
}

#[derive(Clone)]
enum State {
    /// A layer verified the credentials (a bearer token), or a guard already resolved them.
    /// Shared: a verifier's cache and the context hold one identity, and readers clone it out
    /// once.
    Verified(Arc<Identity>),
    /// A source that knows, asked lazily (a cookie session).
    Source(Arc<dyn IdentitySource>),
    /// An auth layer ran and found no credentials, and lets the request on (optional mode).
    Anonymous,
}

impl AuthContext {
    /// A request whose credentials a layer has verified.
    pub fn verified(identity: Identity) -> Self {
        Self::verified_shared(Arc::new(identity))
    }

    /// [`verified`](Self::verified) for an identity the caller shares (a verifier's cache
    /// entry): no copy is made until a reader asks for an owned one.
    pub fn verified_shared(identity: Arc<Identity>) -> Self {
        Self::of(State::Verified(identity))
    }

    /// A request whose identity `source` resolves when first asked (a session layer).
    #[doc(hidden)]
    pub fn from_source(source: Arc<dyn IdentitySource>) -> Self {
        Self::of(State::Source(source))
    }

    /// A request an auth layer saw without credentials and let through (optional mode):
    /// `Option<Identity>` is `None` and `Identity` is the layer's 401.
    pub fn anonymous() -> Self {
        Self::of(State::Anonymous)
    }

    fn of(state: State) -> Self {
        Self {
            state,
            renderer: None,
        }
    }

    /// Render refusals with `renderer` (the writing layer's protocol, realm and body).
    #[must_use]
    #[doc(hidden)]
    pub fn with_renderer(mut self, renderer: Arc<dyn RefusalRenderer>) -> Self {
        self.renderer = Some(renderer);
        self
    }

    /// The same request, now with `identity` resolved (a guard that asked the session puts it
    /// here, so later readers do not ask again); the renderer is kept.
    #[must_use]
    pub fn resolved(self, identity: Identity) -> Self {
        Self {
            state: State::Verified(Arc::new(identity)),
            renderer: self.renderer,
        }
    }

    /// The identity, if it is known without asking a source: verified by a layer, or
    /// resolved by a guard. `None` for anonymous requests and unasked sessions.
    pub fn verified_identity(&self) -> Option<&Identity> {
        match &self.state {
            State::Verified(identity) => Some(identity),
            State::Source(_) | State::Anonymous => None,
        }
    }

    /// Whether a layer let the request on without credentials.
    pub fn is_anonymous(&self) -> bool {
        matches!(self.state, State::Anonymous)
    }

    /// Whether the identity comes from a source that is asked lazily (a session).
    #[doc(hidden)]
    pub fn has_source(&self) -> bool {
        matches!(self.state, State::Source(_))
    }

    /// The identity, asking the source if there is one; `None` if the request is anonymous.
    ///
    /// # Errors
    /// When the source fails (see [`IdentitySource::identity`]).
    pub async fn identity(&self) -> Result<Option<Identity>, Error> {
        match &self.state {
            State::Verified(identity) => Ok(Some(Identity::clone(identity))),
            State::Source(source) => match source.identity_now() {
                Some(answer) => answer,
                None => source.identity().await,
            },
            State::Anonymous => Ok(None),
        }
    }

    /// How the writing layer renders refusals, if it said.
    #[doc(hidden)]
    pub fn renderer(&self) -> Option<&Arc<dyn RefusalRenderer>> {
        self.renderer.as_ref()
    }
}

impl fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Verified(_) => "verified",
            State::Source(_) => "source",
            State::Anonymous => "anonymous",
        };
        // The identity is personal data: its state only.
        f.debug_struct("AuthContext")
            .field("state", &state)
            .field("renderer", &self.renderer)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Option<Identity>);

    #[async_trait]
    impl IdentitySource for Fixed {
        async fn identity(&self) -> Result<Option<Identity>, Error> {
            Ok(self.0.clone())
        }
    }

    /// Answers at once with one identity, and with another when awaited.
    struct Ready;

    #[async_trait]
    impl IdentitySource for Ready {
        async fn identity(&self) -> Result<Option<Identity>, Error> {
            Ok(Some(Identity::new("awaited")))
        }

        fn identity_now(&self) -> Option<Result<Option<Identity>, Error>> {
            Some(Ok(Some(Identity::new("at once"))))
        }
    }

    #[tokio::test]
    async fn an_answer_without_waiting_is_taken_first() {
        let cx = AuthContext::from_source(Arc::new(Ready));
        assert_eq!(cx.identity().await.unwrap().unwrap().subject(), "at once");
        // A source that knows nothing at once is awaited (the default).
        let cx = AuthContext::from_source(Arc::new(Fixed(Some(Identity::new("b")))));
        assert!(Fixed(None).identity_now().is_none());
        assert_eq!(cx.identity().await.unwrap().unwrap().subject(), "b");
    }

    #[tokio::test]
    async fn each_state_resolves_as_it_says() {
        let verified = AuthContext::verified(Identity::new("a"));
        assert_eq!(verified.identity().await.unwrap().unwrap().subject(), "a");
        assert!(!verified.is_anonymous() && !verified.has_source());

        let lazy = AuthContext::from_source(Arc::new(Fixed(Some(Identity::new("b")))));
        assert!(
            lazy.verified_identity().is_none(),
            "a source is not asked synchronously"
        );
        assert_eq!(lazy.identity().await.unwrap().unwrap().subject(), "b");
        let resolved = lazy.resolved(Identity::new("b"));
        assert_eq!(resolved.verified_identity().unwrap().subject(), "b");

        let anonymous = AuthContext::anonymous();
        assert!(anonymous.is_anonymous());
        assert!(anonymous.identity().await.unwrap().is_none());
        assert_eq!(
            format!("{anonymous:?}"),
            "AuthContext { state: \"anonymous\", renderer: None }"
        );
    }
}
