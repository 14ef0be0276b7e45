//! Redis over TLS (`rediss://`, feature `tls`), against a `redis-server` started by each test
//! with a throwaway CA: the session store conformance suite unchanged (local cache on, so the
//! tracking connections speak TLS too), the refresh store, the revocation feed across two
//! instances, ACL credentials in the URL, and refusals: an untrusted certificate, a wrong
//! password, a `rediss://` URL without the feature.

#![cfg(feature = "tls")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_core::{
    Clock, ErrorKind, Identity, Revocation, RevocationProbe, Revocations, SessionStore, SystemClock,
};
use auth_session_redis::{RedisConfig, RedisRefreshStore, RedisRevocations, RedisStore};
use std::sync::Arc;
use std::time::{Duration, Instant};
use test_support::{RedisServer, ThrowawayCa};

const NEEDS: &str = "needs redis-server (with TLS) on PATH";

/// A TLS server and the configuration that trusts it.
struct Tls {
    server: RedisServer,
    config: RedisConfig,
    ca_pem: String,
}

fn tls_server(extra: &[&str], userinfo: &str) -> Tls {
    let ca = ThrowawayCa::new();
    let server = RedisServer::start_tls(&ca, extra);
    let url = server
        .tls_url()
        .replace("rediss://", &format!("rediss://{userinfo}"));
    let config = RedisConfig::new(url)
        .with_timeout(Duration::from_secs(2))
        .with_tls_root_certificate(ca.ca_pem.clone());
    Tls {
        server,
        config,
        ca_pem: ca.ca_pem,
    }
}

/// One ignored test per conformance check, each on its own TLS server.
macro_rules! on_tls {
    (; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "needs redis-server (with TLS) on PATH"]
            async fn $check() {
                let tls = tls_server(&[], "");
                let clock = Arc::new(auth_core::ManualClock::new());
                let dyn_clock: Arc<dyn Clock> = clock.clone();
                let store = RedisStore::connect(&tls.config.clone().with_clock(dyn_clock))
                    .await
                    .expect(NEEDS);
                auth_core::conformance::$check(Arc::new(store), clock).await;
                drop(tls.server);
            }
        )*
    };
}

mod conformance {
    use super::*;

    auth_core::session_store_conformance!(@checks on_tls!());
}

#[tokio::test]
#[ignore = "needs redis-server (with TLS) on PATH"]
async fn the_local_cache_tracks_over_tls() {
    let tls = tls_server(&[], "");
    let store = RedisStore::connect(&tls.config).await.expect(NEEDS);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !store.local_cache_active() {
        assert!(Instant::now() < deadline, "tracking never came up over TLS");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
#[ignore = "needs redis-server (with TLS) on PATH"]
async fn the_refresh_store_rotates_over_tls() {
    let tls = tls_server(&[], "");
    let store = RedisRefreshStore::connect(&tls.config).await.expect(NEEDS);
    let now = SystemClock.now();
    let family = FamilyId::from_bytes([9; 32]);
    let record = FamilyRecord::new(
        Identity::new("ada"),
        now,
        now.saturating_add(Duration::from_secs(3600)),
    );
    let hour = now.saturating_add(Duration::from_secs(3600));
    store.create(&family, &record, hour).await.unwrap();
    let rotated = store
        .rotate(&RotateRequest::new(family, 0, now, hour))
        .await
        .unwrap();
    assert!(
        matches!(rotated, Rotation::Rotated { generation: 1, .. }),
        "{rotated:?}"
    );
}

#[tokio::test]
#[ignore = "needs redis-server (with TLS) on PATH"]
async fn a_revocation_reaches_another_instance_over_tls() {
    let tls = tls_server(&[], "");
    let a = RedisRevocations::connect(&tls.config).await.expect(NEEDS);
    let b = RedisRevocations::connect(&tls.config).await.expect(NEEDS);
    let until = SystemClock.now().saturating_add(Duration::from_secs(60));
    a.revoke(Revocation::token("jti-over-tls", until))
        .await
        .unwrap();
    let probe = RevocationProbe {
        token_id: Some("jti-over-tls"),
        ..RevocationProbe::default()
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    while !b.is_revoked(&probe).unwrap() {
        assert!(Instant::now() < deadline, "B never heard of the revocation");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
#[ignore = "needs redis-server (with TLS) on PATH"]
async fn acl_credentials_in_the_url_are_used_and_a_wrong_password_is_refused() {
    // The default user may only PING (the harness's liveness check): the store works only if
    // it authenticates as `app` with the URL's password.
    let acl = [
        "--user",
        "app",
        "on",
        ">s3cret-pass",
        "~*",
        "&*",
        "+@all",
        "--user",
        "default",
        "on",
        "nopass",
        "-@all",
        "+ping",
    ];
    let tls = tls_server(&acl, "app:s3cret-pass@");
    let store = RedisStore::connect(&tls.config).await.expect(NEEDS);
    let key = common::new_key();
    let record = auth_core::SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(60),
        Duration::from_secs(600),
    );
    store.create(&key, &record).await.unwrap();
    assert!(store.load(&key).await.unwrap().is_some());

    // The same CA as the good configuration: only the password differs.
    let wrong = RedisConfig::new(
        tls.server
            .tls_url()
            .replace("rediss://", "rediss://app:nope@"),
    )
    .with_timeout(Duration::from_secs(2))
    .with_tls_root_certificate(tls.ca_pem.clone());
    let err = RedisStore::connect(&wrong)
        .await
        .expect_err("wrong password");
    // Not a transient outage: retrying will not help, so it is not `Unavailable`.
    assert_eq!(err.kind(), ErrorKind::Storage, "{err}");
}

#[tokio::test]
#[ignore = "needs redis-server (with TLS) on PATH"]
async fn a_server_certificate_from_another_ca_is_refused() {
    let tls = tls_server(&[], "");
    let stranger = ThrowawayCa::new();
    let config = RedisConfig::new(tls.server.tls_url())
        .with_timeout(Duration::from_secs(2))
        .with_tls_root_certificate(stranger.ca_pem);
    let err = RedisStore::connect(&config)
        .await
        .expect_err("untrusted certificate");
    assert_eq!(err.kind(), ErrorKind::Unavailable, "{err}");
}
