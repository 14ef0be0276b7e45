//! Metrics for the examples: the Prometheus recorder from `metrics-exporter-prometheus`, and a
//! `/metrics` route that renders it for a scraper. The auth crates record through the
//! `metrics` facade only; this is one way an application can export what they record.
//!
//! The route answers only clients on loopback (the scraper on the same host, or `curl` on your
//! machine) and 404 to anyone else: metrics are not secret the way tokens are, but they tell an
//! outsider how many logins fail and how busy the service is. Behind a reverse proxy every
//! client looks like loopback: serve metrics on a separate, internal listener there instead.

use auth_tower::auth_core::metrics::{self as auth_metrics, STORE_OPERATION_SECONDS};
use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::time::Duration;

/// Histogram buckets for store calls, in seconds: 100 µs (a local Redis) to 2.5 s (the default
/// store timeout is 2 s).
const STORE_BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// How often histograms are folded and idle series dropped (the exporter leaves it to us when
/// it has no listener of its own).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Install the Prometheus recorder as the process's metrics recorder, describe every metric
/// of the auth crates, and keep the recorder tidy in the background (call it inside a tokio
/// runtime). Returns the handle that renders the exposition text.
///
/// # Errors
/// If a recorder is already installed, or the buckets are refused.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(STORE_OPERATION_SECONDS.into()), STORE_BUCKETS)?
        .install_recorder()?;
    auth_metrics::describe();
    let upkeep = handle.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(UPKEEP_EVERY);
        loop {
            every.tick().await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// `GET /metrics`: the exposition text, for loopback clients only (see the module docs).
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(handle)
}

async fn scrape(State(handle): State<PrometheusHandle>, req: Request) -> Response {
    // Without the connection's address (a server not serving with connect info) nobody is
    // trusted: fail closed.
    let from_loopback = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| peer.ip().is_loopback());
    if !from_loopback {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt;

    async fn scrape_from(peer: Option<&str>) -> StatusCode {
        let recorder = PrometheusBuilder::new().build_recorder();
        let app = router(recorder.handle());
        let mut req = Request::get("/metrics").body(Body::empty()).unwrap();
        if let Some(peer) = peer {
            let addr: SocketAddr = peer.parse().unwrap();
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        app.oneshot(req).await.unwrap().status()
    }

    #[tokio::test]
    async fn only_loopback_clients_may_scrape() {
        assert_eq!(scrape_from(Some("127.0.0.1:5000")).await, StatusCode::OK);
        assert_eq!(scrape_from(Some("[::1]:5000")).await, StatusCode::OK);
        assert_eq!(
            scrape_from(Some("192.0.2.7:5000")).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(scrape_from(None).await, StatusCode::NOT_FOUND);
    }
}
