//! Shared pieces of the layers' services: accessors and named response futures.

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

/// A named response future over [`State`](crate::future::State), opaque to users (as
/// tower-http's `opaque_future!`): `F` is the inner service's future, and the output is the
/// same `Result<Response<B>, E>`.
macro_rules! opaque_future {
    ($(#[$attr:meta])* pub struct $name:ident;) => {
        opaque_future! {
            $(#[$attr])*
            pub struct $name after $crate::future::Nothing;
        }
    };
    ($(#[$attr:meta])* pub struct $name:ident after $after:ty;) => {
        pin_project_lite::pin_project! {
            $(#[$attr])*
            pub struct $name<F: std::future::Future> {
                #[pin]
                state: $crate::future::State<F, $after>,
            }
        }

        impl<F: std::future::Future> $name<F> {
            pub(crate) fn new(state: $crate::future::State<F, $after>) -> Self {
                Self { state }
            }
        }

        impl<F, B, E> std::future::Future for $name<F>
        where
            F: std::future::Future<Output = Result<http::Response<B>, E>>,
            B: Default + Send + 'static,
            E: 'static,
        {
            type Output = F::Output;

            fn poll(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Self::Output> {
                self.project().state.poll(cx)
            }
        }

        impl<F: std::future::Future> std::fmt::Debug for $name<F> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use {inner_accessors, opaque_future};
