//! The state machine behind every layer's response future (each service names its own,
//! see [`opaque_future!`](crate::macros::opaque_future)).
//!
//! A request is answered one of four ways, and only the last allocates a future:
//! - **ready**: refused in `call` (cross-site, malformed header, bad token, a guard that says
//!   no): the rendered response, returned at the first poll;
//! - **inner**: the inner service's future as is (a verified bearer token, a guard that says
//!   yes), with the voice of the layer that wrote the identity context, to answer a handler's
//!   refusal as the layer would ([`restyle`]);
//! - **session**: the inner future, then the session's commit: at once when there is nothing
//!   to write (most requests) or only a touch (written as a task after the response), else
//!   boxed, since it awaits the store;
//! - **boxed**: work that awaits something before the inner service runs (a JWKS refetch for an
//!   unknown key, a session load for a guard).

use crate::rejection::{Renderer, is_handler_refusal, restyle};
use crate::session::service::{Commit, Finished};
use http::Response;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

/// A boxed future, for the steps that await something we cannot name.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

pin_project! {
    /// See the module docs.
    #[project = StateProj]
    pub(crate) enum State<F: Future> {
        Ready { output: Option<F::Output> },
        Inner { #[pin] future: F, voice: Option<Arc<Renderer>> },
        Session { #[pin] future: F, commit: Option<Commit>, voice: Option<Arc<Renderer>> },
        Boxed { future: BoxFuture<F::Output> },
    }
}

impl<F: Future> State<F> {
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

    /// The inner service's future, a handler's refusal answered in `voice`, then `commit` on
    /// the response.
    pub(crate) fn session(future: F, commit: Commit, voice: Option<Arc<Renderer>>) -> Self {
        Self::Session {
            future,
            commit: Some(commit),
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

impl<F, B, E> Future for State<F>
where
    F: Future<Output = Result<Response<B>, E>>,
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
                StateProj::Session {
                    future,
                    commit,
                    voice,
                } => {
                    let output = {
                        let _entered = commit.as_ref().map(Commit::enter);
                        ready!(future.poll(cx))
                    };
                    let output = in_voice(output, voice.take());
                    match (output, commit.take()) {
                        (Ok(res), Some(commit)) => match commit.finish(res) {
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
