//! What every layer's service shares: the bound on the service it wraps, and the
//! clone-and-swap in `call`.

use tower_service::Service;

/// The bound every layer puts on the service it wraps: a tower service that is `Clone + Send +
/// 'static` and whose future is `Send + 'static` (a layer keeps a clone for the next request,
/// and some of its work awaits a store on the way, on any task). Axum routers, tonic servers and
/// `tower::service_fn` services all qualify. The layers write it as
/// `S: InnerService<Request<ReqBody>, Response = Response<ResBody>>`, with `ResBody: Default`
/// (a refusal is built without the inner service).
///
/// Implemented for every such service; you never implement it.
pub trait InnerService<Req>: Service<Req, Future: Send + 'static> + Clone + Send + 'static {}

impl<S, Req> InnerService<Req> for S where
    S: Service<Req, Future: Send + 'static> + Clone + Send + 'static
{
}

/// The service that was polled ready, for this request, leaving a fresh clone in its place
/// for the next one (see tower-service's "Be careful when cloning inner services": the clone
/// may not be ready).
pub(crate) fn take_ready<S: Clone>(inner: &mut S) -> S {
    let clone = inner.clone();
    std::mem::replace(inner, clone)
}
