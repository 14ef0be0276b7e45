//! Writing and reading the [`AuthContext`]: which layer's word counts, in one place.
//!
//! - A layer that verified credentials (a bearer token) writes [`verified`]: it wins over
//!   anything an outer layer wrote.
//! - A session layer writes [`source`]: the session, asked lazily, unless an outer layer
//!   already verified the request.
//! - An optional layer that saw no credentials writes [`anonymous`], unless an outer layer
//!   wrote anything: the request is known to have passed an auth layer, so readers answer
//!   401 (gRPC 16), not "missing auth layer".
//!
//! Each writes the renderer of its layer's [`Style`] for the request's protocol, so a reader
//! that refuses answers as the layer would, and returns the voice in which the layer's response
//! future answers a handler's refusal (HTTP only: `None` when it did not write the context).

use crate::rejection::{Protocol, Rejection, RejectionKind, Renderer, Style, text};
use auth_core::__private::IdentitySource;
use auth_core::{AuthContext, Identity};
use http::Extensions;
use std::sync::Arc;

/// A layer verified the request's credentials as `identity`.
#[cfg(feature = "jwt")]
pub(crate) fn verified(
    extensions: &mut Extensions,
    identity: Arc<Identity>,
    style: &Style,
    protocol: Protocol,
) -> Option<Arc<Renderer>> {
    extensions
        .insert(AuthContext::verified_shared(identity).with_renderer(style.renderer(protocol)));
    handler_voice(style, protocol)
}

/// A session layer: `source` says who the request is from when first asked.
pub(crate) fn source(
    extensions: &mut Extensions,
    source: Arc<dyn IdentitySource>,
    style: &Style,
    protocol: Protocol,
) -> Option<Arc<Renderer>> {
    let outer_verified = extensions
        .get::<AuthContext>()
        .is_some_and(|cx| cx.verified_identity().is_some());
    if outer_verified {
        return None;
    }
    extensions.insert(AuthContext::from_source(source).with_renderer(style.renderer(protocol)));
    handler_voice(style, protocol)
}

/// An optional layer saw no credentials and lets the request on.
#[cfg(feature = "jwt")]
pub(crate) fn anonymous(
    extensions: &mut Extensions,
    style: &Style,
    protocol: Protocol,
) -> Option<Arc<Renderer>> {
    if extensions.get::<AuthContext>().is_some() {
        return None;
    }
    extensions.insert(AuthContext::anonymous().with_renderer(style.renderer(protocol)));
    handler_voice(style, protocol)
}

/// The voice a layer's response future answers a handler's refusal in: handlers' refusals
/// (axum responses) are HTTP; a gRPC handler answers with a `Status` of its own.
fn handler_voice(style: &Style, protocol: Protocol) -> Option<Arc<Renderer>> {
    match protocol {
        Protocol::Http => Some(style.voice(protocol).clone()),
        Protocol::Grpc => None,
    }
}

/// A reader (a guard) resolved a lazy source to `identity`: later readers find it without
/// asking the store again.
pub(crate) fn resolved(extensions: &mut Extensions, identity: Identity) {
    if let Some(cx) = extensions.remove::<AuthContext>() {
        extensions.insert(cx.resolved(identity));
    }
}

/// The context of a request, taken out before any await, for a reader that renders its own
/// refusals (a guard).
#[derive(Debug)]
pub(crate) struct Lookup(Option<AuthContext>);

impl Lookup {
    /// The identity (`None`: anonymous), or the refusal: a store failure, or no auth layer at
    /// all (500, a server bug, never read as anonymous).
    pub(crate) async fn resolve(self, reader: &str) -> Result<Option<Identity>, Rejection> {
        match self.0 {
            Some(cx) => cx.identity().await.map_err(|e| Rejection::from(&e)),
            None => Err(missing_layer(reader)),
        }
    }

    /// The voice of the layer that wrote the context (see [`voice`]).
    pub(crate) fn voice(&self) -> Option<Arc<Renderer>> {
        self.0.as_ref().and_then(Renderer::of_context)
    }

    /// What [`resolve`](Self::resolve) would answer, when that needs no I/O (a verified
    /// identity, anonymous, no auth layer), or the lookup when a lazy source must be asked.
    /// Clones only what the answer needs (the identity, or the source's handle).
    pub(crate) fn settle(extensions: &Extensions, reader: &str) -> Settled {
        match extensions.get::<AuthContext>() {
            None => Settled::Known(Err(missing_layer(reader))),
            Some(cx) if cx.has_source() => Settled::Lazy(Self(Some(cx.clone()))),
            Some(cx) => Settled::Known(Ok(cx.verified_identity().cloned())),
        }
    }
}

/// The renderer of the layer that wrote the request's context: a reader that refuses answers
/// in its voice (protocol, realm, body).
pub(crate) fn voice(extensions: &Extensions) -> Option<Arc<Renderer>> {
    extensions
        .get::<AuthContext>()
        .and_then(Renderer::of_context)
}

/// What a reader knows without I/O: the answer, or a lookup that must ask a lazy source.
#[derive(Debug)]
pub(crate) enum Settled {
    /// The identity (`None`: anonymous), or the refusal.
    Known(Result<Option<Identity>, Rejection>),
    /// A session's identity, to be loaded.
    Lazy(Lookup),
}

/// No auth layer ran under `reader`: a server bug (500), never read as anonymous.
fn missing_layer(reader: &str) -> Rejection {
    tracing::error!(target: "auth_tower::guard", reader, "used without an auth layer under it");
    Rejection::new(RejectionKind::Internal, text::missing_layer(reader))
}

#[cfg(all(test, feature = "jwt"))]
mod tests {
    use super::*;
    use crate::decision::Decider;
    use async_trait::async_trait;
    use auth_core::Error;

    struct Alice;

    #[async_trait]
    impl IdentitySource for Alice {
        async fn identity(&self) -> Result<Option<Identity>, Error> {
            Ok(Some(Identity::new("alice")))
        }
    }

    fn subject(extensions: &Extensions) -> Option<String> {
        let cx = extensions.get::<AuthContext>()?;
        if cx.is_anonymous() {
            return Some("anonymous".into());
        }
        if cx.has_source() {
            return Some("source".into());
        }
        cx.verified_identity().map(|i| i.subject().to_owned())
    }

    #[test]
    fn a_verified_identity_wins_in_either_order() {
        let style = Style::of(Decider::Session);
        let mut outer_session = Extensions::new();
        source(&mut outer_session, Arc::new(Alice), &style, Protocol::Http);
        verified(
            &mut outer_session,
            Arc::new(Identity::new("bob")),
            &style,
            Protocol::Http,
        );
        assert_eq!(subject(&outer_session).as_deref(), Some("bob"));

        let mut outer_bearer = Extensions::new();
        verified(
            &mut outer_bearer,
            Arc::new(Identity::new("bob")),
            &style,
            Protocol::Http,
        );
        source(&mut outer_bearer, Arc::new(Alice), &style, Protocol::Http);
        assert_eq!(subject(&outer_bearer).as_deref(), Some("bob"));
    }

    #[test]
    fn anonymous_only_where_nothing_was_written() {
        let style = Style::of(Decider::Session);
        let mut inner_optional = Extensions::new();
        source(&mut inner_optional, Arc::new(Alice), &style, Protocol::Http);
        anonymous(&mut inner_optional, &style, Protocol::Http);
        assert_eq!(subject(&inner_optional).as_deref(), Some("source"));

        let mut outer_optional = Extensions::new();
        anonymous(&mut outer_optional, &style, Protocol::Http);
        assert_eq!(subject(&outer_optional).as_deref(), Some("anonymous"));
        source(&mut outer_optional, Arc::new(Alice), &style, Protocol::Http);
        assert_eq!(subject(&outer_optional).as_deref(), Some("source"));
    }

    #[test]
    fn a_resolved_source_is_verified_from_then_on() {
        let style = Style::of(Decider::Session);
        let mut extensions = Extensions::new();
        source(&mut extensions, Arc::new(Alice), &style, Protocol::Grpc);
        resolved(&mut extensions, Identity::new("alice"));
        let cx = extensions.get::<AuthContext>().expect("context");
        assert_eq!(cx.verified_identity().map(Identity::subject), Some("alice"));
        assert!(cx.renderer().is_some(), "the layer's renderer is kept");
    }
}
