//! Shared pieces of the layers' services.

use std::future::Future;
use std::pin::Pin;

/// The response future of the auth services. Boxed: each does async work (a store load, a
/// token check, a save after the response) around the inner future.
pub type ResponseFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

/// `get_ref`, `get_mut` and `into_inner` for a service struct with an `inner: S` field.
macro_rules! inner_accessors {
    ($service:ident) => {
        impl<S> $service<S> {
            /// The wrapped service.
            pub fn get_ref(&self) -> &S {
                &self.inner
            }

            /// The wrapped service, mutably.
            pub fn get_mut(&mut self) -> &mut S {
                &mut self.inner
            }

            /// Unwrap the inner service.
            pub fn into_inner(self) -> S {
                self.inner
            }
        }
    };
}

pub(crate) use inner_accessors;
