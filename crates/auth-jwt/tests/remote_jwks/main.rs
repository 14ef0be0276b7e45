//! Remote JWKS against a real HTTP server on 127.0.0.1:0 started by each test.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

#[path = "../common/mod.rs"]
mod common;
mod server;

use auth_core::{Clock, Identity, ManualClock, Timestamp};
use auth_jwt::{
    Algorithm, ErrorKind, Issuer, Key, KeySet, RemoteJwks, RemoteJwksConfig, SharedKeySet,
    TrustedIssuer, Verifier,
};
use common::*;
use server::{Reply, Server};
use std::sync::Arc;
use std::time::Duration;

/// The identity provider's side: private keys, their JWKS, and an issuer per key.
struct Idp {
    keys: Vec<(String, Algorithm)>,
}

impl Idp {
    fn key(kid: &str, alg: Algorithm) -> Key {
        key_for(alg, kid)
    }

    fn jwks(&self) -> Vec<u8> {
        let mut builder = KeySet::builder();
        for (kid, alg) in &self.keys {
            builder = builder.with_verify_only_key(Self::key(kid, *alg));
        }
        builder.build().unwrap().jwks_json().to_vec()
    }

    fn token(kid: &str, alg: Algorithm) -> String {
        let keys = SharedKeySet::from(Self::key(kid, alg));
        let issuer = Issuer::builder()
            .with_issuer(ISS)
            .with_audience(AUD)
            .with_keys(keys)
            .build()
            .unwrap();
        issuer
            .issue(&Identity::new("remote-user"))
            .unwrap()
            .into_string()
    }
}

fn config(clock: Arc<dyn Clock>) -> RemoteJwksConfig {
    RemoteJwksConfig::default()
        .with_clock(clock)
        .with_min_ttl(Duration::from_secs(1))
        .with_retry_interval(Duration::from_millis(200))
        .with_timeout(Duration::from_secs(3))
}

fn verifier(jwks: &RemoteJwks) -> Verifier {
    Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_remote_jwks(jwks)
        .build()
        .unwrap()
}

fn two_keys() -> Idp {
    Idp {
        keys: vec![
            ("es".into(), Algorithm::ES256),
            ("rs".into(), Algorithm::RS256),
        ],
    }
}

#[tokio::test]
async fn fetches_and_verifies_tokens_of_every_published_key() {
    let server = Server::start().await;
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
    let jwks = RemoteJwks::new(
        &server.url("/jwks"),
        config(Arc::new(auth_core::SystemClock)),
    )
    .unwrap();
    jwks.refresh().await.unwrap();
    assert!(jwks.is_available());
    assert_eq!(jwks.keys().load().len(), 2);
    let v = verifier(&jwks);
    for (kid, alg) in [("es", Algorithm::ES256), ("rs", Algorithm::RS256)] {
        let who = v.verify(&Idp::token(kid, alg)).await.unwrap();
        assert_eq!(who.subject(), "remote-user");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_kid_refetches_at_most_once_per_cooldown_with_one_fetch_in_flight() {
    let server = Server::start().await;
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
    let clock = Arc::new(ManualClock::at(Timestamp::from_unix_seconds(T0)));
    let c = config(clock.clone()).with_unknown_kid_cooldown(Duration::from_secs(30));
    let jwks = RemoteJwks::new(&server.url("/jwks"), c).unwrap();
    jwks.refresh().await.unwrap();
    let v = verifier(&jwks);
    let baseline = server.hits("/jwks");

    // A flood of tokens with unknown kids: one refetch, everyone else waits for it or skips.
    let rotated = Idp::token("new", Algorithm::EdDSA);
    let flood: Vec<_> = (0..50)
        .map(|i| {
            let v = v.clone();
            let token = if i % 2 == 0 {
                rotated.clone()
            } else {
                Idp::token(&format!("junk-{i}"), Algorithm::HS256)
            };
            tokio::spawn(async move { v.verify(&token).await.map(|_| ()).map_err(|e| e.kind()) })
        })
        .collect();
    for task in flood {
        // Refused: 401 by the fetch they waited for, or 503 (retry later) once it is done.
        let kind = task.await.unwrap().unwrap_err();
        assert!(
            matches!(kind, ErrorKind::UnknownKey | ErrorKind::Unavailable),
            "{kind:?}"
        );
    }
    assert_eq!(
        server.hits("/jwks"),
        baseline + 1,
        "exactly one refetch for the flood"
    );

    // The IdP publishes the new key; inside the cooldown nobody fetches.
    let mut idp = two_keys();
    idp.keys.push(("new".into(), Algorithm::EdDSA));
    server.set("/jwks", Reply::jwks(idp.jwks(), 300));
    clock.advance(Duration::from_secs(29));
    let e = v.verify(&rotated).await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Unavailable,
        "a 503 until the cooldown ends"
    );
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(server.hits("/jwks"), baseline + 1);

    // After the cooldown, concurrent requests share one fetch and all succeed.
    clock.advance(Duration::from_secs(2));
    let wave: Vec<_> = (0..20)
        .map(|_| {
            let (v, token) = (v.clone(), rotated.clone());
            tokio::spawn(async move { v.verify(&token).await.map(|id| id.subject().to_owned()) })
        })
        .collect();
    for task in wave {
        assert_eq!(task.await.unwrap().unwrap(), "remote-user");
    }
    assert_eq!(server.hits("/jwks"), baseline + 2, "single flight");
    // The synchronous path never fetches.
    let other = Idp::token("other", Algorithm::ES256);
    clock.advance(Duration::from_secs(60));
    assert_eq!(
        v.verify_sync(&other).unwrap_err().kind(),
        ErrorKind::UnknownKey
    );
    assert_eq!(server.hits("/jwks"), baseline + 2);
}

#[tokio::test]
async fn fetch_errors_keep_the_last_good_keys() {
    let server = Server::start().await;
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
    let jwks = RemoteJwks::new(
        &server.url("/jwks"),
        config(Arc::new(auth_core::SystemClock)),
    )
    .unwrap();
    jwks.refresh().await.unwrap();
    let v = verifier(&jwks);
    let token = Idp::token("es", Algorithm::ES256);

    let leaky = {
        let key = key_for(Algorithm::ES256, "es");
        let mut jwk = serde_json::Value::Object(key.public_jwk().unwrap().clone());
        jwk["d"] = serde_json::json!("c2VjcmV0");
        serde_json::json!({"keys": [jwk]}).to_string()
    };
    let failures = [
        (Reply::status(500), ErrorKind::Unavailable),
        (Reply::jwks("{not json", 300), ErrorKind::InvalidKeySet),
        (Reply::jwks(r#"{"keys":[]}"#, 300), ErrorKind::InvalidKeySet),
        (Reply::jwks(leaky, 300), ErrorKind::InvalidKeySet),
    ];
    for (reply, kind) in failures {
        server.set("/jwks", reply);
        assert_eq!(jwks.refresh().await.unwrap_err().kind(), kind);
        assert!(jwks.is_available());
        v.clear_cache();
        assert_eq!(
            v.verify_sync(&token).unwrap().subject(),
            "remote-user",
            "last good keys"
        );
    }
}

#[tokio::test]
async fn responses_are_bounded_in_size_and_key_count() {
    let server = Server::start().await;
    let jwks = RemoteJwks::new(
        &server.url("/jwks"),
        config(Arc::new(auth_core::SystemClock)),
    )
    .unwrap();
    let big = format!(r#"{{"keys":[],"pad":"{}"}}"#, "x".repeat(300 * 1024));
    server.set("/jwks", Reply::jwks(big.clone(), 300));
    assert_eq!(
        jwks.refresh().await.unwrap_err().kind(),
        ErrorKind::InvalidKeySet
    );
    // Without Content-Length: cut off while streaming.
    let mut streamed = Reply::jwks(big, 300);
    streamed.length = false;
    server.set("/jwks", streamed);
    assert_eq!(
        jwks.refresh().await.unwrap_err().kind(),
        ErrorKind::InvalidKeySet
    );
    // Too many keys.
    let key = key_for(Algorithm::EdDSA, "k");
    let many: Vec<serde_json::Value> = (0..65)
        .map(|i| {
            let mut jwk = serde_json::Value::Object(key.public_jwk().unwrap().clone());
            jwk["kid"] = serde_json::json!(format!("k{i}"));
            jwk
        })
        .collect();
    server.set(
        "/jwks",
        Reply::jwks(serde_json::json!({"keys": many}).to_string(), 300),
    );
    assert_eq!(
        jwks.refresh().await.unwrap_err().kind(),
        ErrorKind::InvalidKeySet
    );
    assert!(!jwks.is_available());
    // Never loaded: verification is a 503, not a 401.
    let v = verifier(&jwks);
    let e = v
        .verify_sync(&Idp::token("es", Algorithm::ES256))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.is_unavailable() && e.bearer_error().is_none());
}

#[tokio::test]
async fn redirects_only_within_the_origin() {
    let server = Server::start().await;
    let elsewhere = Server::start().await;
    elsewhere.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
    server.set("/moved", Reply::redirect("/jwks".into()));
    server.set("/away", Reply::redirect(elsewhere.url("/jwks")));
    server.set(
        "/away-by-name",
        Reply::redirect(format!("http://localhost:{}/jwks", server.port)),
    );

    let same = RemoteJwks::new(
        &server.url("/moved"),
        config(Arc::new(auth_core::SystemClock)),
    )
    .unwrap();
    same.refresh().await.unwrap();
    for path in ["/away", "/away-by-name"] {
        let away =
            RemoteJwks::new(&server.url(path), config(Arc::new(auth_core::SystemClock))).unwrap();
        assert_eq!(
            away.refresh().await.unwrap_err().kind(),
            ErrorKind::Unavailable,
            "{path}"
        );
    }
    assert_eq!(
        elsewhere.hits("/jwks"),
        0,
        "the other host was never contacted"
    );
}

#[tokio::test]
async fn url_policy_and_configuration() {
    let c = || config(Arc::new(auth_core::SystemClock));
    for bad in [
        "http://idp.example/jwks",
        "ftp://127.0.0.1/jwks",
        "nonsense",
    ] {
        assert_eq!(
            RemoteJwks::new(bad, c()).unwrap_err().kind(),
            ErrorKind::Config,
            "{bad}"
        );
    }
    let zero = c().with_max_keys(0);
    assert_eq!(
        RemoteJwks::new("https://idp.example/jwks", zero)
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
    // https: with the built-in client (feature `remote-jwks-rustls`), or with the
    // application's own; without either, a Config error that says so (not a failure later).
    #[cfg(feature = "remote-jwks-rustls")]
    assert!(RemoteJwks::new("https://idp.example/jwks", c()).is_ok());
    #[cfg(not(feature = "remote-jwks-rustls"))]
    {
        let e = RemoteJwks::new("https://idp.example/jwks", c()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        assert!(e.to_string().contains("HTTP client"), "{e}");
        // (With `remote-jwks-rustls` on, a plain `reqwest::Client::new()` needs a rustls
        // provider installed first: the feature's documented caveat.)
        let own = c().with_http_client(reqwest::Client::new());
        assert!(RemoteJwks::new("https://idp.example/jwks", own).is_ok());
    }
}

#[tokio::test]
async fn background_refresh_honours_max_age_and_stale_keys_expire() {
    let server = Server::start().await;
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 1));
    let c = config(Arc::new(auth_core::SystemClock)).with_stale_if_error(Duration::from_secs(1));
    let jwks = RemoteJwks::new(&server.url("/jwks"), c).unwrap();
    jwks.refresh().await.unwrap();
    let v = verifier(&jwks);

    // The IdP rotates; the background task picks it up ahead of expiry, with no request
    // asking for it (verify_sync never fetches).
    let idp = Idp {
        keys: vec![("next".into(), Algorithm::ES384)],
    };
    server.set("/jwks", Reply::jwks(idp.jwks(), 1));
    let rotated = Idp::token("next", Algorithm::ES384);
    let mut ok = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if v.verify_sync(&rotated).is_ok() {
            ok = true;
            break;
        }
    }
    assert!(ok, "refreshed in the background within max-age");
    assert!(jwks.successful_fetches() >= 2);

    // The IdP goes down: last good keys for max-age + stale-if-error, then fail closed.
    server.set("/jwks", Reply::status(503));
    let mut unavailable = false;
    for _ in 0..60 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match v.verify_sync(&rotated) {
            Err(e) if e.kind() == ErrorKind::Unavailable => {
                unavailable = true;
                break;
            }
            Err(e) if e.kind() == ErrorKind::UnknownKey && !jwks.is_available() => {
                unavailable = true;
                break;
            }
            _ => {}
        }
    }
    assert!(unavailable, "stale keys were dropped");
    assert!(!jwks.is_available());
    assert_eq!(
        v.verify_sync(&rotated).unwrap_err().kind(),
        ErrorKind::Unavailable
    );
}

/// Issue 19 (a real OpenID Provider): after one unknown `kid` started the refetch cooldown, a
/// key rotation at the provider made every valid new token a `401 invalid_token` (which tells
/// the client to throw it away) for up to 30 s. Now: 503 with the rest of the cooldown as
/// `Retry-After`, then accepted once the cooldown allows a refetch; junk stays a 401.
#[tokio::test]
async fn a_token_of_a_just_rotated_key_inside_the_cooldown_is_503_with_retry_after() {
    let server = Server::start().await;
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
    let clock = Arc::new(ManualClock::at(Timestamp::from_unix_seconds(T0)));
    let c = config(clock.clone()).with_unknown_kid_cooldown(Duration::from_secs(30));
    let jwks = RemoteJwks::new(&server.url("/jwks"), c).unwrap();
    jwks.refresh().await.unwrap();
    let v = verifier(&jwks);

    // One token with an unknown kid starts the cooldown (its fetch finds nothing): a 401.
    let junk = Idp::token("junk", Algorithm::ES256);
    assert_eq!(
        v.verify(&junk).await.unwrap_err().kind(),
        ErrorKind::UnknownKey
    );
    // The provider rotates; its new tokens arrive 10 s into the cooldown.
    let mut idp = two_keys();
    idp.keys.push(("rotated".into(), Algorithm::ES256));
    server.set("/jwks", Reply::jwks(idp.jwks(), 300));
    clock.advance(Duration::from_secs(10));
    let fresh = Idp::token("rotated", Algorithm::ES256);
    let e = v.verify(&fresh).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "not invalid_token: {e}");
    assert!(e.bearer_error().is_none());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(20)));
    // A token that does not even name our issuer is junk, cooldown or not.
    let stranger = {
        let keys = SharedKeySet::from(Idp::key("other", Algorithm::ES256));
        let issuer = Issuer::builder()
            .with_issuer("https://stranger.test")
            .with_audience(AUD)
            .with_keys(keys)
            .build()
            .unwrap();
        issuer.issue(&Identity::new("x")).unwrap().into_string()
    };
    assert_eq!(
        v.verify(&stranger).await.unwrap_err().kind(),
        ErrorKind::UnknownKey
    );
    // When the client retries after the cooldown, the refetch finds the key.
    clock.advance(Duration::from_secs(20));
    assert_eq!(v.verify(&fresh).await.unwrap().subject(), "remote-user");
}

/// A server publishing OpenID Connect discovery metadata naming `issuer` and its `/jwks`.
fn discovery_server(server: &Server, issuer: &str) {
    let metadata = serde_json::json!({"issuer": issuer, "jwks_uri": server.url("/jwks")});
    server.set(
        "/.well-known/openid-configuration",
        Reply::jwks(metadata.to_string(), 300),
    );
    server.set("/jwks", Reply::jwks(two_keys().jwks(), 300));
}

/// Issue 19 finding 13: `TrustedIssuer::remote` did not check that the key set was
/// discovered for the same issuer, so issuer B could be verified with issuer A's keys.
#[tokio::test]
async fn a_key_set_discovered_for_another_issuer_is_refused_at_build() {
    let server = Server::start().await;
    let issuer = server.url("");
    discovery_server(&server, &issuer);
    let jwks = RemoteJwks::discover(&issuer, config(Arc::new(auth_core::SystemClock))).unwrap();
    assert_eq!(jwks.issuer(), Some(issuer.as_str()));
    for other in [format!("{issuer}/"), "https://other.test".to_owned()] {
        let e = Verifier::builder()
            .with_trusted_issuer(TrustedIssuer::remote(&other, &jwks).with_audience(AUD))
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains(&format!("{other:?}")), "{e}");
        assert!(e.message().contains(&format!("{issuer:?}")), "{e}");
        let e = Verifier::builder()
            .with_issuer(&other)
            .with_audience(AUD)
            .with_remote_jwks(&jwks)
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "our own issuer too");
    }
    assert!(
        Verifier::builder()
            .with_trusted_issuer(TrustedIssuer::remote(&issuer, &jwks).with_audience(AUD))
            .build()
            .is_ok()
    );
    // A JWKS URL given as it is names no issuer: any may use it.
    let plain = RemoteJwks::new(
        &server.url("/jwks"),
        config(Arc::new(auth_core::SystemClock)),
    )
    .unwrap();
    assert_eq!(plain.issuer(), None);
}

/// Issue 19 (a real OpenID Provider): an issuer configured with a trailing slash the metadata
/// does not have failed forever as a 503, and nothing said why. Now the first discovery
/// (`refresh`) is a configuration error naming both values.
#[tokio::test]
async fn an_issuer_differing_from_its_metadata_by_a_slash_is_a_config_error_naming_both() {
    let server = Server::start().await;
    let issuer = server.url("");
    discovery_server(&server, &issuer);
    let configured = format!("{issuer}/");
    let jwks = RemoteJwks::discover(&configured, config(Arc::new(auth_core::SystemClock))).unwrap();
    let e = jwks.refresh().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains(&format!("{issuer:?}")), "{e}");
    assert!(e.message().contains(&format!("{configured:?}")), "{e}");
    assert!(!jwks.is_available());
}

/// Issue 19 (a real OpenID Provider): RSA keys published without `alg` were pinned to RS256
/// and the provider's PS256 tokens refused; the application chooses with
/// `with_default_rsa_algorithm`.
#[tokio::test]
async fn alg_less_rsa_keys_take_the_configured_algorithm() {
    let server = Server::start().await;
    let mut jwk = serde_json::Value::Object(
        key_for(Algorithm::PS256, "rsa")
            .public_jwk()
            .unwrap()
            .clone(),
    );
    jwk.as_object_mut().unwrap().remove("alg");
    server.set(
        "/jwks",
        Reply::jwks(serde_json::json!({ "keys": [jwk] }).to_string(), 300),
    );
    let token = Idp::token("rsa", Algorithm::PS256);
    let c = || config(Arc::new(auth_core::SystemClock));
    let default = RemoteJwks::new(&server.url("/jwks"), c()).unwrap();
    default.refresh().await.unwrap();
    assert_eq!(
        verifier(&default).verify(&token).await.unwrap_err().kind(),
        ErrorKind::AlgorithmMismatch
    );
    let ps = RemoteJwks::new(
        &server.url("/jwks"),
        c().with_default_rsa_algorithm(Algorithm::PS256),
    )
    .unwrap();
    ps.refresh().await.unwrap();
    assert_eq!(
        verifier(&ps).verify(&token).await.unwrap().subject(),
        "remote-user"
    );
    let e = RemoteJwks::new(
        &server.url("/jwks"),
        c().with_default_rsa_algorithm(Algorithm::ES256),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}
