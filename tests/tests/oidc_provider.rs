//! Tokens from a real OpenID Provider that nobody here wrote (`oidc-provider`, started on
//! loopback by the test): discovery, a valid token with its scopes, the exact RFC 6750 refusals
//! for a wrong audience, an expired and a tampered token, a key rotation picked up by one
//! refetch, and an outage: cached keys until the stale limit, then 503. Then the same tokens
//! through a trusted external issuer (its defaults, an authorized-party check) and next to our
//! own issuer's tokens on one layer. Issue 19's rough edges: a rotation inside the refetch
//! cooldown (503 with `Retry-After`, then accepted), an issuer configured with a trailing slash
//! (a configuration error naming both values), each identity naming its issuer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use auth_tower::auth_jwt::{
    Algorithm, ErrorKind, Issuer, Key, RemoteJwks, RemoteJwksConfig, SharedKeySet, TrustedIssuer,
    Verifier,
};
use auth_tower::{Identity, JwtLayer, RequireAuth};
use axum::Router;
use axum::routing::get;
use e2e::oidc::{API, OTHER_API, OidcProvider, SHORT_LIVED};
use e2e::tokens::{Answer, send};
use e2e::{TestServer, client};
use std::time::{Duration, Instant};

const NEEDS: &str = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)";

/// Our resource server: `/api/me` for any valid token, `/api/admin` for the `admin` scope.
async fn resource_server(keys: &RemoteJwks, issuer: &str) -> TestServer {
    resource_server_for(keys, issuer, API).await
}

/// The same, accepting tokens for `audience`.
async fn resource_server_for(keys: &RemoteJwks, issuer: &str, audience: &str) -> TestServer {
    let verifier = Verifier::builder()
        .with_issuer(issuer)
        .with_audience(audience)
        .with_remote_jwks(keys)
        .with_leeway(Duration::ZERO)
        .build()
        .unwrap();
    server_with(verifier).await
}

async fn get_with(server: &TestServer, path: &str, token: &str) -> Answer {
    send(client().get(server.url(path)).bearer_auth(token)).await
}

#[track_caller]
fn assert_invalid_token(a: &Answer, description: &str) {
    assert_eq!(a.status, 401, "{}", a.body);
    assert_eq!(
        a.header("www-authenticate"),
        Some(format!(
            "Bearer realm=\"app\", error=\"invalid_token\", error_description=\"{description}\""
        ))
        .as_deref(),
    );
}

fn config() -> RemoteJwksConfig {
    RemoteJwksConfig::default().with_unknown_kid_cooldown(Duration::from_millis(100))
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn discovered_keys_verify_the_providers_tokens_and_refusals_are_exact() {
    let idp = OidcProvider::start();
    let keys = RemoteJwks::discover(idp.issuer(), config()).unwrap();
    keys.refresh().await.expect(NEEDS);
    let api = resource_server(&keys, idp.issuer()).await;

    // A valid token, with its scopes.
    let token = idp.token(API, "orders:read admin").await;
    let a = get_with(&api, "/api/me", &token).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, "api-client admin,orders:read");
    assert_eq!(get_with(&api, "/api/admin", &token).await.status, 200);

    // Without the scope: 403 insufficient_scope.
    let reader = idp.token(API, "orders:read").await;
    let a = get_with(&api, "/api/admin", &reader).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.header("www-authenticate"),
        Some(
            r#"Bearer realm="app", error="insufficient_scope", error_description="requires the scope \"admin\"""#
        )
    );

    // Another API's token: valid, signed by the same provider, but not for us.
    let other = idp.token(OTHER_API, "orders:read").await;
    assert_invalid_token(
        &get_with(&api, "/api/me", &other).await,
        "not intended for us",
    );

    // Tampered: one claim changed, the signature kept.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let payload = String::from_utf8(b64_decode(&parts[1])).unwrap();
    parts[1] = b64_encode(payload.replace("orders:read", "orders:write").as_bytes());
    assert_invalid_token(
        &get_with(&api, "/api/me", &parts.join(".")).await,
        "the signature does not verify",
    );

    // Expired: a 1-second token (for the short-lived resource), a little later.
    let short_api = resource_server_for(&keys, idp.issuer(), SHORT_LIVED).await;
    let short = idp.token(SHORT_LIVED, "orders:read").await;
    assert_eq!(get_with(&short_api, "/api/me", &short).await.status, 200);
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert_invalid_token(
        &get_with(&short_api, "/api/me", &short).await,
        "the token has expired",
    );
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn a_rotated_signing_key_verifies_after_one_refetch() {
    let idp = OidcProvider::start();
    let keys = RemoteJwks::discover(idp.issuer(), config()).unwrap();
    keys.refresh().await.expect(NEEDS);
    let api = resource_server(&keys, idp.issuer()).await;
    let before = keys.successful_fetches();

    let new_kid = idp.rotate().await;
    let token = idp.token(API, "orders:read").await;
    assert!(token_kid(&token) == new_kid, "the new key signs");
    let a = get_with(&api, "/api/me", &token).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        keys.successful_fetches(),
        before + 1,
        "exactly one refetch for the unknown kid"
    );
    // And again: no further fetch.
    assert_eq!(get_with(&api, "/api/me", &token).await.status, 200);
    assert_eq!(keys.successful_fetches(), before + 1);
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn when_the_provider_stops_cached_keys_work_until_the_stale_limit_then_503() {
    let mut idp = OidcProvider::start();
    // Keys live 1 s and may be used 2 s past that while fetches fail.
    let config = config()
        .with_min_ttl(Duration::from_secs(1))
        .with_max_ttl(Duration::from_secs(1))
        .with_default_ttl(Duration::from_secs(1))
        .with_stale_if_error(Duration::from_secs(2))
        .with_retry_interval(Duration::from_millis(200))
        .with_timeout(Duration::from_millis(500));
    let keys = RemoteJwks::discover(idp.issuer(), config).unwrap();
    keys.refresh().await.expect(NEEDS);
    let api = resource_server(&keys, idp.issuer()).await;
    let token = idp.token(API, "orders:read").await;
    assert_eq!(get_with(&api, "/api/me", &token).await.status, 200);

    idp.stop();
    let stopped = Instant::now();
    // Still served from the cached keys for a while...
    assert_eq!(get_with(&api, "/api/me", &token).await.status, 200);
    // ...then refused as unavailable, within the key lifetime plus the stale limit (and a
    // margin for the background task's wake-up).
    let mut status = 200;
    while stopped.elapsed() < Duration::from_secs(6) {
        status = get_with(&api, "/api/me", &token).await.status;
        if status != 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let after = stopped.elapsed();
    assert_eq!(status, 503, "fails closed once the keys are stale");
    assert!(
        after >= Duration::from_millis(900),
        "cached keys were dropped too early ({after:?})"
    );
    println!("IdP stopped: cached keys served for {after:?}, then 503");
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn a_rotation_inside_the_refetch_cooldown_is_503_with_retry_after_then_accepted() {
    let idp = OidcProvider::start();
    let config = RemoteJwksConfig::default().with_unknown_kid_cooldown(Duration::from_secs(2));
    let keys = RemoteJwks::discover(idp.issuer(), config).unwrap();
    keys.refresh().await.expect(NEEDS);
    let api = resource_server(&keys, idp.issuer()).await;

    // One token naming the provider with a kid it never published starts the cooldown.
    let stray_keys = SharedKeySet::from(Key::generate("stray", Algorithm::ES256).unwrap());
    let stray = Issuer::builder()
        .with_issuer(idp.issuer())
        .with_audience(API)
        .with_keys(stray_keys)
        .build()
        .unwrap()
        .issue(&Identity::new("x"))
        .unwrap();
    assert_invalid_token(
        &get_with(&api, "/api/me", stray.as_str()).await,
        "no key with this kid",
    );
    // The provider rotates now: its new, valid tokens are not `invalid_token` (which would
    // tell the client to throw them away) but a 503 saying when to come back.
    idp.rotate().await;
    let token = idp.token(API, "orders:read").await;
    let a = get_with(&api, "/api/me", &token).await;
    assert_eq!(a.status, 503, "{}", a.body);
    let wait: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait), "Retry-After {wait}");
    assert!(a.header("www-authenticate").is_none());
    // Retried when told: accepted.
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
    let a = get_with(&api, "/api/me", &token).await;
    assert_eq!(a.status, 200, "{}", a.body);
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn an_issuer_configured_with_a_trailing_slash_is_a_config_error_naming_both() {
    let idp = OidcProvider::start();
    let configured = format!("{}/", idp.issuer());
    let keys = RemoteJwks::discover(&configured, config()).unwrap();
    let e = keys.refresh().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    let message = e.to_string();
    assert!(
        message.contains(&format!("{:?}", idp.issuer())),
        "{message}"
    );
    assert!(message.contains(&format!("{configured:?}")), "{message}");
    // And the keys cannot be handed to the provider's real issuer either.
    let e = Verifier::builder()
        .with_trusted_issuer(TrustedIssuer::remote(idp.issuer(), &keys).with_audience(API))
        .build()
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
}

/// `/api/me` (subject and scopes) and `/api/admin` behind `verifier`.
async fn server_with(verifier: Verifier) -> TestServer {
    let me = |who: Identity| async move {
        let mut scopes: Vec<&str> = who.scopes().iter().map(String::as_str).collect();
        scopes.sort_unstable();
        format!("{} {}", who.subject(), scopes.join(","))
    };
    let app = Router::new()
        .route("/api/admin", get(|| async { "admin" }))
        .route_layer(RequireAuth::identity().with_scope("admin"))
        .route("/api/me", get(me))
        .layer(JwtLayer::new(verifier));
    TestServer::start(app).await
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn an_external_issuer_with_its_defaults_and_an_authorized_party() {
    let idp = OidcProvider::start();
    let keys = RemoteJwks::discover(idp.issuer(), config()).unwrap();
    keys.refresh().await.expect(NEEDS);
    let trusted = |party: &str| {
        TrustedIssuer::remote(idp.issuer(), &keys)
            .with_audience(API)
            .with_authorized_party(party)
    };
    let api = server_with(
        Verifier::builder()
            .with_trusted_issuer(trusted("api-client"))
            .build()
            .unwrap(),
    )
    .await;

    // The provider's token as it is: typ at+jwt, scope, client_id, no sid.
    let token = idp.token(API, "orders:read admin").await;
    let header: serde_json::Value =
        serde_json::from_slice(&b64_decode(token.split('.').next().unwrap())).unwrap();
    assert_eq!(header["typ"], "at+jwt");
    let claims: serde_json::Value =
        serde_json::from_slice(&b64_decode(token.split('.').nth(1).unwrap())).unwrap();
    assert_eq!(claims["client_id"], "api-client");
    assert!(claims.get("sid").is_none());
    let a = get_with(&api, "/api/me", &token).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, "api-client admin,orders:read");
    assert_eq!(get_with(&api, "/api/admin", &token).await.status, 200);

    // The same token at a server that accepts only another client's tokens.
    let strict = server_with(
        Verifier::builder()
            .with_trusted_issuer(trusted("another-client"))
            .build()
            .unwrap(),
    )
    .await;
    assert_invalid_token(
        &get_with(&strict, "/api/me", &token).await,
        "the token was issued to another client",
    );
    // Another audience is still refused.
    let other = idp.token(OTHER_API, "orders:read").await;
    assert_invalid_token(
        &get_with(&api, "/api/me", &other).await,
        "not intended for us",
    );
}

#[tokio::test]
#[ignore = "needs node and the OpenID Provider (npm ci --prefix tests/oidc)"]
async fn the_providers_tokens_and_our_own_on_one_layer() {
    let idp = OidcProvider::start();
    let keys = RemoteJwks::discover(idp.issuer(), config()).unwrap();
    keys.refresh().await.expect(NEEDS);
    const OWN: &str = "https://auth.api.example";
    let own_keys = SharedKeySet::from(Key::generate("own-1", Algorithm::ES256).unwrap());
    let own_issuer = |iss: &str| {
        Issuer::builder()
            .with_issuer(iss)
            .with_audience(API)
            .with_keys(own_keys.clone())
            .build()
            .unwrap()
    };
    let api = server_with(
        Verifier::builder()
            .with_issuer(OWN)
            .with_audience(API)
            .with_keys(own_keys.clone())
            .with_trusted_issuer(TrustedIssuer::remote(idp.issuer(), &keys).with_audience(API))
            .build()
            .unwrap(),
    )
    .await;

    // Each issuer's tokens are accepted, and each identity names its issuer.
    let verifier = Verifier::builder()
        .with_issuer(OWN)
        .with_audience(API)
        .with_keys(own_keys.clone())
        .with_trusted_issuer(TrustedIssuer::remote(idp.issuer(), &keys).with_audience(API))
        .build()
        .unwrap();
    let theirs = idp.token(API, "orders:read").await;
    let who = verifier.verify(&theirs).await.unwrap();
    assert_eq!(who.issuer(), Some(idp.issuer()));
    let ours = own_issuer(OWN).issue(&Identity::new("user-42")).unwrap();
    assert_eq!(
        verifier.verify(ours.as_str()).await.unwrap().issuer(),
        Some(OWN)
    );
    let a = get_with(&api, "/api/me", &theirs).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, "api-client orders:read");
    let ours = own_issuer(OWN)
        .issue(&Identity::new("user-42").with_scope("admin"))
        .unwrap();
    let a = get_with(&api, "/api/me", ours.as_str()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, "user-42 admin");
    assert_eq!(
        get_with(&api, "/api/admin", ours.as_str()).await.status,
        200
    );

    // Signed with our key but claiming the provider's `iss`: only the provider's keys are
    // tried, and none has our kid.
    let forged = own_issuer(idp.issuer()).issue(&Identity::new("x")).unwrap();
    assert_invalid_token(
        &get_with(&api, "/api/me", forged.as_str()).await,
        "no key with this kid",
    );
    // An issuer nobody configured.
    let unknown = own_issuer("https://unknown.example")
        .issue(&Identity::new("x"))
        .unwrap();
    assert_invalid_token(
        &get_with(&api, "/api/me", unknown.as_str()).await,
        "unexpected issuer",
    );
}

fn token_kid(token: &str) -> String {
    let header = b64_decode(token.split('.').next().unwrap());
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

fn b64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn b64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}
