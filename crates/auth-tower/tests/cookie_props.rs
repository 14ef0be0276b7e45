//! Property: no Cookie header, of any length or alphabet, reaches the store or causes a 500,
//! unless it carries a well-formed session id.

#![cfg(all(feature = "axum", feature = "memory"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{MemoryStore, SessionId};
use auth_tower::{Identity, SessionLayer};
use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::{ProbeStore, send};
use http::Request;
use proptest::prelude::*;

fn app(store: std::sync::Arc<ProbeStore<MemoryStore>>) -> Router {
    Router::new()
        .route(
            "/maybe",
            get(|who: Option<Identity>| async move {
                who.map_or("anonymous".to_owned(), |w| w.subject().to_owned())
            }),
        )
        .layer(SessionLayer::builder(store).build().unwrap())
}

fn check(header: &[u8]) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = ProbeStore::new(MemoryStore::new());
    let app = app(store.clone());
    let Ok(req) = Request::get("/maybe")
        .header("cookie", header)
        .body(Body::empty())
    else {
        return Ok(()); // not a valid header value at all: hyper would refuse it before us
    };
    let r = rt.block_on(send(&app, req));
    prop_assert_eq!(r.status, 200);
    prop_assert_eq!(r.body.as_str(), "anonymous");
    let text = String::from_utf8_lossy(header);
    let carries_valid_id = text
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("__Host-session="))
        .any(|v| SessionId::parse(v).is_ok());
    if !carries_valid_id {
        prop_assert_eq!(
            store.calls(),
            0,
            "malformed cookie reached the store: {:?}",
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_cookie_headers(header in proptest::collection::vec(any::<u8>(), 0..512)) {
        check(&header)?;
    }

    #[test]
    fn session_cookie_with_arbitrary_values(value in "\\PC{0,200}") {
        check(format!("__Host-session={value}").as_bytes())?;
    }

    #[test]
    fn near_miss_ids(value in "[A-Za-z0-9_=+/-]{40,46}") {
        check(format!("other=1; __Host-session={value}; x=y").as_bytes())?;
    }
}
