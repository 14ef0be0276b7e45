//! The reference points: no auth at all, and the same app behind a layer that does nothing.

use axum::Router;
use axum::routing::get;

pub(super) fn no_auth() -> Router {
    Router::new().route("/read", get(|| async { "ok" }))
}

/// What any middleware costs before it does anything.
pub(super) fn no_op_layer() -> Router {
    no_auth().layer(tower::util::MapRequestLayer::new(
        |r: axum::extract::Request| r,
    ))
}
