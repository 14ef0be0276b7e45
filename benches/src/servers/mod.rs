//! The apps under test, one per server process: the same trivial handlers behind no auth, our
//! layers, and the peers. `serve` runs one of them on a single-threaded tokio runtime (the
//! harness pins the process to one CPU).
//!
//! Every app answers `/read` (a session value) or `/me` (the caller's subject), and hands out
//! its credential for the benchmark client on `/init` (a session cookie) or `/token` (a bearer
//! token), outside its authentication.

mod baseline;
mod jsonwebtoken_mw;
mod jwt_authorizer;
mod ours_jwt;
mod ours_session;
mod tower_sessions;

use crate::keys::Alg;

/// Run the app `kind` on `127.0.0.1:port` until killed; `store_url` (Redis or PostgreSQL) for
/// the ones on a shared store.
pub(crate) fn serve(kind: &str, port: u16, store_url: Option<&str>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("bind 127.0.0.1:{port} for {kind}: {e}"));
        if let Some(alg) = kind.strip_prefix("jwt-authorizer-") {
            return jwt_authorizer::serve(listener, Alg::parse(alg)).await;
        }
        let app = app(kind, store_url).await;
        axum::serve(listener, app).await.expect("serve");
    });
}

async fn app(kind: &str, store_url: Option<&str>) -> axum::Router {
    let redis = || store_url.unwrap_or_else(|| panic!("{kind} needs a Redis URL"));
    let postgres = || store_url.unwrap_or_else(|| panic!("{kind} needs a PostgreSQL URL"));
    if let Some(rest) = kind.strip_prefix("ours-jwt-") {
        let (alg, cache) = rest
            .split_once("-cache-")
            .expect("ours-jwt-ALG-cache-on|off");
        return ours_jwt::app(Alg::parse(alg), cache == "on");
    }
    if let Some(alg) = kind.strip_prefix("jsonwebtoken-") {
        return jsonwebtoken_mw::app(Alg::parse(alg));
    }
    match kind {
        "noauth" => baseline::no_auth(),
        "noop" => baseline::no_op_layer(),
        "ours-memory" => ours_session::memory(),
        "ours-redis-cache-on" => ours_session::redis(redis(), true).await,
        "ours-redis-cache-off" => ours_session::redis(redis(), false).await,
        "ours-pg-cache-on" => ours_session::postgres(postgres(), true).await,
        "ours-pg-cache-off" => ours_session::postgres(postgres(), false).await,
        "ts-memory" => tower_sessions::memory(),
        "ts-pg" => tower_sessions::postgres(postgres()).await,
        "ts-redis-readonly" => tower_sessions::redis(redis(), false).await,
        "ts-redis-rolling" => tower_sessions::redis(redis(), true).await,
        other => panic!("unknown server kind {other}"),
    }
}
