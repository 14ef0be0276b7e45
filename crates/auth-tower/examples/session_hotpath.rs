//! Instruction-count probe for the session layer's read path, for callgrind (wall-clock timings
//! on shared machines are too noisy to compare small changes).
//!
//! `session_hotpath <case> <n>` logs in once through the layer (memory store), sends one warm-up
//! request, then `n` more requests carrying the session cookie. The cost of one request is the
//! difference between the totals of two runs divided by the difference in `n`:
//!
//! ```text
//! cargo build --release -p auth-tower --example session_hotpath
//! for n in 0 2000; do valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$n \
//!     target/release/examples/session_hotpath session-read $n; done
//! ```
//!
//! Under valgrind the session id's SHA-256 (its store key) runs in software, about 3,500
//! instructions of each session request: valgrind does not emulate the SHA extensions the
//! `sha2` crate uses on a real CPU that has them. Compare the totals with
//! `callgrind_annotate` and subtract `sha2::sha256::compress256` to see the layer's own cost.
//!
//! Cases (each request also pays for building the request and driving the service, which
//! `plain` measures alone):
//! - `plain`: the same requests to a handler with no layer;
//! - `session-read`: the handler reads one value from the [`Session`];
//! - `identity`: the handler extracts [`Identity`] (axum's `FromRequestParts`), as from a
//!   cookie session.

#![allow(clippy::print_stdout)] // a probe's job is to print

use auth_tower::{Identity, MemoryStore, Session, SessionLayer};
use axum_core::extract::FromRequestParts;
use http::header::{COOKIE, SET_COOKIE};
use http::{Request, Response};
use std::convert::Infallible;
use std::error::Error;
use std::hint::black_box;
use tower::{Layer, Service, ServiceExt, service_fn};

async fn handler(req: Request<()>) -> Result<Response<String>, Infallible> {
    let body = match req.uri().path() {
        "/login" => {
            let session = req.extensions().get::<Session>().cloned();
            if let Some(s) = session {
                let _ = s.login(Identity::new("bench-user")).await;
                let _ = s.insert("n", 1u64).await;
            }
            String::new()
        }
        "/read" => {
            let session = req.extensions().get::<Session>().cloned();
            match session {
                Some(s) => match s.get::<u64>("n").await {
                    Ok(Some(n)) => {
                        black_box(n);
                        String::new()
                    }
                    _ => "missing".to_owned(),
                },
                None => String::new(),
            }
        }
        "/me" => {
            let (mut parts, ()) = req.into_parts();
            match Identity::from_request_parts(&mut parts, &()).await {
                Ok(who) => {
                    black_box(who.subject().len());
                    String::new()
                }
                Err(_) => "refused".to_owned(),
            }
        }
        _ => String::new(),
    };
    Ok(Response::new(body))
}

fn request(path: &str, cookie: Option<&str>) -> Request<()> {
    let mut req = Request::get(path);
    if let Some(cookie) = cookie {
        req = req.header(COOKIE, cookie);
    }
    req.body(()).unwrap_or_default()
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "session-read".into());
    let n: u64 = args.next().map_or(Ok(1000), |s| s.parse())?;
    let path = match case.as_str() {
        "plain" | "session-read" => "/read",
        "identity" => "/me",
        other => return Err(format!("unknown case {other}").into()),
    };
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    rt.block_on(async {
        let layer = SessionLayer::builder(MemoryStore::new()).build()?;
        let mut svc = layer.layer(service_fn(handler));
        let res = svc.ready().await?.call(request("/login", None)).await?;
        let set_cookie = res.headers().get(SET_COOKIE).ok_or("no cookie")?.to_str()?;
        let cookie = set_cookie.split(';').next().ok_or("no cookie")?.to_owned();

        let mut plain = service_fn(handler);
        for i in 0..=n {
            let req = request(path, Some(&cookie));
            let res = if case == "plain" {
                plain.ready().await?.call(req).await?
            } else {
                svc.ready().await?.call(req).await?
            };
            if i == 0 && !res.body().is_empty() {
                return Err(format!("{case}: {}", res.body()).into());
            }
            black_box(res);
        }
        Ok::<_, Box<dyn Error>>(())
    })?;
    println!("{case}: {n} requests");
    Ok(())
}
