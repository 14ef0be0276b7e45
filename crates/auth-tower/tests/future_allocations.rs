//! A request refused synchronously (cross-site, malformed header, bad bearer token, a guard
//! that sees the identity lacks a role) allocates no future: the layer's `call` plus one poll
//! allocate exactly what computing and rendering the refusal allocates through the same public
//! functions the layer uses (the response's headers and body, the error), and nothing more.
//! And a session request with nothing to write allocates nothing once the inner service has
//! answered (no commit future).
//!
//! Its own test binary: the `#[global_allocator]` below counts every allocation of this
//! process, per thread, so the other tests' threads never disturb a measurement.

#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use auth_tower::rejection::Protocol;
use auth_tower::{
    IdentityGuards, MemoryStore, Rejection, RejectionKind, RequireAuth, SessionLayer,
};
use http::{Method, Request, Response};
use std::alloc::System;
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use tower::{Layer, Service, ServiceExt};
use tracking_allocator::{AllocationGroupId, AllocationRegistry, AllocationTracker, Allocator};

#[global_allocator]
static GLOBAL: Allocator<System> = Allocator::system();

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts allocations on the thread that makes them.
struct PerThread;

impl AllocationTracker for PerThread {
    fn allocated(&self, _addr: usize, _size: usize, _wrapped: usize, _group: AllocationGroupId) {
        // `try_with`: allocations during thread teardown are not ours to count.
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
    }

    fn deallocated(
        &self,
        _addr: usize,
        _size: usize,
        _wrapped: usize,
        _source: AllocationGroupId,
        _current: AllocationGroupId,
    ) {
    }
}

/// How many allocations `f` makes on this thread.
fn allocations<T>(f: impl FnOnce() -> T) -> (u64, T) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        AllocationRegistry::set_global_tracker(PerThread).expect("no tracker yet");
        AllocationRegistry::enable_tracking();
    });
    let before = ALLOCATIONS.with(Cell::get);
    let out = f();
    (ALLOCATIONS.with(Cell::get) - before, out)
}

/// The counter really counts (a zero would otherwise prove nothing).
#[test]
fn the_counter_counts_a_box() {
    let (n, b) = allocations(|| std::hint::black_box(Box::new(7_u64)));
    assert_eq!(*b, 7);
    assert_eq!(n, 1);
}

type Body = String;

fn inner() -> impl Service<Request<()>, Response = Response<Body>, Error = Infallible, Future: Send>
+ Clone
+ Send
+ 'static {
    tower::service_fn(|_req: Request<()>| async { Ok(Response::new(Body::from("inner"))) })
}

/// `call` plus one poll, counted; the future must be ready at once (a synchronous refusal).
fn refused_call<S>(svc: &mut S, req: Request<()>) -> (u64, Response<Body>)
where
    S: Service<Request<()>, Response = Response<Body>, Error = Infallible>,
{
    let mut cx = Context::from_waker(Waker::noop());
    let ready = pin!(svc.ready());
    let Poll::Ready(Ok(svc)) = ready.poll(&mut cx) else {
        panic!("the service is always ready");
    };
    let (n, res) = allocations(|| {
        let mut future = pin!(svc.call(req));
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(Ok(res)) => res,
            _ => panic!("a synchronous refusal is ready at the first poll"),
        }
    });
    (n, res)
}

/// Rendering `rejection` as the layers do (HTTP, default realm), counted.
fn render_allocations(rejection: &Rejection) -> u64 {
    allocations(|| rejection.render::<Body>(Protocol::Http, "app")).0
}

fn cross_site_post() -> Request<()> {
    Request::builder()
        .method(Method::POST)
        .uri("/transfer")
        .header("host", "bank.example")
        .header("sec-fetch-site", "cross-site")
        .body(())
        .unwrap()
}

#[test]
fn session_cross_site_refusal_allocates_no_future() {
    let layer = SessionLayer::builder(MemoryStore::new()).build().unwrap();
    let mut svc = layer.layer(inner());
    // Once for the one-time work (tracing call sites, lazy statics).
    let (_, warm) = refused_call(&mut svc, cross_site_post());
    assert_eq!(warm.status(), 403);

    let (n, res) = refused_call(&mut svc, cross_site_post());
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.body(),
        "Forbidden: cross-site request refused (Sec-Fetch-Site)\n"
    );
    let rendering = render_allocations(&Rejection::new(
        RejectionKind::Forbidden,
        "cross-site request refused (Sec-Fetch-Site)",
    ));
    println!("session cross-site refusal: call {n} allocations, rendering {rendering}");
    assert_eq!(
        n, rendering,
        "the refused call allocated more than its response"
    );
}

/// Polls `future` once, counted; it must be ready.
fn counted_poll<F: Future>(future: F) -> (u64, F::Output) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(future);
    allocations(|| match future.as_mut().poll(&mut cx) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("ready at the first poll"),
    })
}

#[test]
fn session_read_only_request_allocates_nothing_after_the_inner_response() {
    let layer = SessionLayer::builder(MemoryStore::new()).build().unwrap();
    let mut svc = layer.layer(inner());
    let get = || Request::builder().uri("/").body(()).unwrap();
    let (_, warm) = counted_poll(svc.call(get()));
    assert_eq!(warm.unwrap().status(), 200);

    let future = svc.call(get());
    let (n, res) = counted_poll(future);
    let res = res.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("set-cookie").is_none());
    // What the inner service's own future allocates (its response body).
    let (bare, _) = counted_poll(inner().call(get()));
    println!("session read-only request: poll {n} allocations, the inner future alone {bare}");
    assert_eq!(
        n, bare,
        "the session allocated a commit future with nothing to write"
    );
}

#[test]
fn guard_refusal_allocates_no_future() {
    let identity = auth_tower::Identity::new("user-42");
    let request = || {
        let mut req = Request::builder().uri("/admin").body(()).unwrap();
        req.extensions_mut()
            .insert(auth_core::AuthContext::verified(identity.clone()));
        req
    };
    let mut svc = RequireAuth::identity().with_role("admin").layer(inner());
    let (_, warm) = refused_call(&mut svc, request());
    assert_eq!(warm.status(), 403);

    let (n, res) = refused_call(&mut svc, request());
    assert_eq!(res.status(), 403);
    // What the guard does besides the future: take the verified identity out of the request
    // extensions, check the role, render.
    let (refusing, rejection) = allocations(|| identity.clone().require_role("admin"));
    let rejection = rejection.unwrap_err();
    let rendering = render_allocations(&rejection);
    println!("guard refusal: call {n} allocations, refusing {refusing} + rendering {rendering}");
    assert_eq!(
        n,
        refusing + rendering,
        "the refused call allocated a future"
    );
}

#[cfg(feature = "jwt")]
mod jwt {
    use super::*;
    use auth_tower::JwtLayer;
    use auth_tower::auth_jwt::{Algorithm, Key, Verifier};

    fn verifier() -> Verifier {
        Verifier::builder()
            .with_issuer("https://issuer.test")
            .with_audience("api")
            .with_keys(Key::generate_hmac("k1", Algorithm::HS256).unwrap())
            .build()
            .unwrap()
    }

    fn with_authorization(values: &[&str]) -> Request<()> {
        let mut b = Request::builder().uri("/me");
        for v in values {
            b = b.header("authorization", *v);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn jwt_malformed_header_refusal_allocates_no_future() {
        let mut svc = JwtLayer::new(verifier()).layer(inner());
        let request = || with_authorization(&["Bearer a.b.c", "Bearer d.e.f"]);
        let (_, warm) = refused_call(&mut svc, request());
        assert_eq!(warm.status(), 400);

        let (n, res) = refused_call(&mut svc, request());
        assert_eq!(res.status(), 400);
        let req = request();
        let (refusing, rejection) = allocations(|| {
            let error = auth_tower::auth_jwt::bearer_token(req.headers()).unwrap_err();
            Rejection::new(RejectionKind::InvalidRequest, error.message().to_owned())
        });
        let rendering = render_allocations(&rejection);
        println!(
            "jwt malformed header: call {n} allocations, refusing {refusing} + rendering {rendering}"
        );
        assert_eq!(
            n,
            refusing + rendering,
            "the refused call allocated a future"
        );
    }

    #[test]
    fn hybrid_bad_token_refusal_allocates_no_future() {
        let verifier = verifier();
        let sessions = SessionLayer::builder(MemoryStore::new()).build().unwrap();
        let mut svc =
            auth_tower::HybridLayer::new(sessions, JwtLayer::new(verifier.clone())).layer(inner());
        let token = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl";
        let request = || with_authorization(&[&format!("Bearer {token}")]);
        let (_, warm) = refused_call(&mut svc, request());
        assert_eq!(warm.status(), 401);

        let (n, res) = refused_call(&mut svc, request());
        assert_eq!(res.status(), 401);
        // With axum, the hybrid tags a bearer request for the `Session` extractor (one request
        // extension: the map, its table, the boxed value) before the bearer path decides.
        let mut req = request();
        let (tagging, ()) = allocations(|| {
            if cfg!(feature = "axum") {
                // Like the real tag, not zero-sized (so boxing it allocates).
                #[derive(Clone)]
                struct Tag(#[allow(dead_code)] usize);
                req.extensions_mut().insert(Tag(0));
            }
        });
        let (refusing, rejection) = allocations(|| {
            let error = verifier.verify_sync(token).unwrap_err();
            Rejection::new(RejectionKind::InvalidToken, error.message().to_owned())
        });
        let rendering = render_allocations(&rejection);
        println!(
            "hybrid bad token: call {n} allocations, tagging {tagging} + refusing {refusing} + rendering {rendering}"
        );
        assert_eq!(
            n,
            tagging + refusing + rendering,
            "the refused call allocated a future"
        );
    }

    #[test]
    fn jwt_bad_token_refusal_allocates_no_future() {
        let verifier = verifier();
        let mut svc = JwtLayer::new(verifier.clone()).layer(inner());
        let token = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl";
        let request = || with_authorization(&[&format!("Bearer {token}")]);
        let (_, warm) = refused_call(&mut svc, request());
        assert_eq!(warm.status(), 401);

        let (n, res) = refused_call(&mut svc, request());
        assert_eq!(res.status(), 401);
        let (refusing, rejection) = allocations(|| {
            let error = verifier.verify_sync(token).unwrap_err();
            Rejection::new(RejectionKind::InvalidToken, error.message().to_owned())
        });
        let rendering = render_allocations(&rejection);
        println!(
            "jwt bad token: call {n} allocations, refusing {refusing} + rendering {rendering}"
        );
        assert_eq!(
            n,
            refusing + rendering,
            "the refused call allocated a future"
        );
    }
}
