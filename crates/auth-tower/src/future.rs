//! The state machine behind every layer's response future (each service names its own,
//! see [`opaque_future!`](crate::macros::opaque_future)).
//!
//! A request is answered one of four ways, and only the last allocates a future:
//! - **ready**: refused in `call` (cross-site, malformed header, bad token, a guard that says
//!   no): the rendered response, returned at the first poll;
//! - **inner**: the inner service's future as is (a verified bearer token, a guard that says
//!   yes), with the voice of the layer that wrote the identity context, to answer a handler's
//!   refusal as the layer would ([`restyle`]);
//! - **after**: the inner future, then the layer's work on its response ([`AfterResponse`],
//!   the session layer's commit): at once when there is nothing to write (most requests) or
//!   only a touch (written as a task after the response), else boxed, since it awaits the
//!   store;
//! - **boxed**: work that awaits something before the inner service runs (a JWKS refetch for an
//!   unknown key, a session load for a guard).

use crate::rejection::{Renderer, is_handler_refusal, restyle};
use http::Response;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

/// A boxed future, for the steps that await something we cannot name.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What a layer does with the inner service's response before it is answered (the session
/// layer's commit: write the session, set the cookie). A layer with nothing to do names
/// [`Nothing`].
pub(crate) trait AfterResponse: Send + 'static {
    /// Entered while the inner future is polled (the request's span).
    fn enter(&self) -> tracing::span::Entered<'_>;

    /// The answer to `res`: at once, or once something was awaited.
    fn finish<B, E>(self, res: Response<B>) -> Finished<B, E>
    where
        B: Default + Send + 'static,
        E: 'static;
}

/// What [`AfterResponse::finish`] gives.
pub(crate) enum Finished<B, E> {
    /// Nothing to await: the response.
    Now(Response<B>),
    /// Something is awaited first (the store is written).
    Later(BoxFuture<Result<Response<B>, E>>),
}

/// The work of a layer that does nothing after the response (it cannot be made: the state
/// machine never holds one).
#[derive(Debug)]
pub(crate) enum Nothing {}

impl AfterResponse for Nothing {
    fn enter(&self) -> tracing::span::Entered<'_> {
        match *self {}
    }

    fn finish<B, E>(self, _: Response<B>) -> Finished<B, E>
    where
        B: Default + Send + 'static,
        E: 'static,
    {
        match self {}
    }
}

pin_project! {
    /// See the module docs.
    #[project = StateProj]
    pub(crate) enum State<F: Future, A> {
        Ready { output: Option<F::Output> },
        Inner { #[pin] future: F, voice: Option<Arc<Renderer>> },
        After { #[pin] future: F, after: Option<A>, voice: Option<Arc<Renderer>> },
        Boxed { future: BoxFuture<F::Output> },
    }
}

impl<F: Future, A: AfterResponse> State<F, A> {
    /// Answered already: `output` at the first poll.
    pub(crate) fn ready(output: F::Output) -> Self {
        Self::Ready {
            output: Some(output),
        }
    }

    /// The inner service's future, untouched.
    pub(crate) fn inner(future: F) -> Self {
        Self::Inner {
            future,
            voice: None,
        }
    }

    /// The inner service's future; a handler's refusal in its response is answered in `voice`
    /// (the layer that wrote the identity context).
    #[cfg(feature = "jwt")]
    pub(crate) fn voiced(future: F, voice: Option<Arc<Renderer>>) -> Self {
        Self::Inner { future, voice }
    }

    /// The inner service's future, a handler's refusal answered in `voice`, then `after` on
    /// the response.
    pub(crate) fn after(future: F, after: A, voice: Option<Arc<Renderer>>) -> Self {
        Self::After {
            future,
            after: Some(after),
            voice,
        }
    }

    /// Work that needs awaiting before (or around) the inner service.
    pub(crate) fn boxed(future: impl Future<Output = F::Output> + Send + 'static) -> Self {
        Self::Boxed {
            future: Box::pin(future),
        }
    }
}

impl<F, A, B, E> Future for State<F, A>
where
    F: Future<Output = Result<Response<B>, E>>,
    A: AfterResponse,
    B: Default + Send + 'static,
    E: 'static,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let next = match self.as_mut().project() {
                StateProj::Ready { output } => {
                    return Poll::Ready(output.take().expect("future polled after completion"));
                }
                StateProj::Inner { future, voice } => {
                    let output = ready!(future.poll(cx));
                    return Poll::Ready(in_voice(output, voice.take()));
                }
                StateProj::Boxed { future } => return future.as_mut().poll(cx),
                StateProj::After {
                    future,
                    after,
                    voice,
                } => {
                    let output = {
                        let _entered = after.as_ref().map(A::enter);
                        ready!(future.poll(cx))
                    };
                    let output = in_voice(output, voice.take());
                    match (output, after.take()) {
                        (Ok(res), Some(after)) => match after.finish(res) {
                            Finished::Now(res) => return Poll::Ready(Ok(res)),
                            Finished::Later(future) => Self::Boxed { future },
                        },
                        (output, _) => return Poll::Ready(output),
                    }
                }
            };
            self.set(next);
        }
    }
}

/// `output`, with a handler's refusal answered in `voice` when there is one.
pub(crate) fn in_voice<B: Default + 'static, E>(
    output: Result<Response<B>, E>,
    voice: Option<Arc<Renderer>>,
) -> Result<Response<B>, E> {
    match (output, voice) {
        (Ok(res), Some(voice)) if is_handler_refusal(&res) => Ok(restyle(res, &voice)),
        (output, _) => output,
    }
}
