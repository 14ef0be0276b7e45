//! Logout, logout everywhere, and failing stores.

use crate::common::send;
use crate::world::*;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[tokio::test]
async fn logout_kills_the_access_token_at_once_and_is_idempotent() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;
    let other = login(&app, "alice", "wonderland").await;
    assert_eq!(me(&app, &pair.access).await.status, 200);

    let r = send(
        &app,
        post_json("/auth/logout", &json!({"refresh_token": pair.refresh})),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.body.is_empty());

    assert_eq!(me(&app, &pair.access).await.status, 401);
    assert_oauth_error(&refresh(&app, &pair.refresh).await, 400, "invalid_grant");
    // The other login (another family, another session) lives on.
    assert_eq!(me(&app, &other.access).await.status, 200);

    // Again, or with a token we never issued: 204 (RFC 7009 §2.2).
    for token in [pair.refresh.as_str(), "garbage"] {
        let r = send(
            &app,
            post_raw(
                "/auth/logout",
                Some("application/x-www-form-urlencoded"),
                format!("refresh_token={token}"),
            ),
        )
        .await;
        assert_eq!(r.status, 204);
    }
}

#[tokio::test]
async fn logout_everywhere_needs_a_valid_bearer_token() {
    let w = world();
    let app = w.app();
    let r = send(&app, bearer("POST", "/auth/logout-everywhere", &[])).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"app\""));
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &["not.a.jwt"]),
    )
    .await;
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge
            .starts_with("Bearer realm=\"app\", error=\"invalid_token\", error_description=\""),
        "{challenge}"
    );
    let pair = login(&app, "alice", "wonderland").await;
    let r = send(
        &app,
        bearer(
            "POST",
            "/auth/logout-everywhere",
            &[&pair.access, &pair.access],
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_request\"")
    );
    // A refresh token is not an access token.
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&pair.refresh]),
    )
    .await;
    assert_eq!(r.status, 401);
    // Nothing was revoked by any of these.
    assert_eq!(me(&app, &pair.access).await.status, 200);
}

#[tokio::test]
async fn logout_everywhere_kills_every_token_of_the_subject_only() {
    let w = world();
    let app = w.app();
    let phone = login(&app, "alice", "wonderland").await;
    let laptop = login(&app, "alice", "wonderland").await;
    let bob = login(&app, "bob", "builder").await;
    w.clock.advance(Duration::from_secs(1));

    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&phone.access]),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    for pair in [&phone, &laptop] {
        assert_eq!(me(&app, &pair.access).await.status, 401);
        assert_oauth_error(&refresh(&app, &pair.refresh).await, 400, "invalid_grant");
    }
    assert_eq!(me(&app, &bob.access).await.status, 200);
    pair_of(&refresh(&app, &bob.refresh).await);
    // A new login (a second later) works.
    w.clock.advance(Duration::from_secs(1));
    let again = login(&app, "alice", "wonderland").await;
    assert_eq!(me(&app, &again.access).await.status, 200);
}

#[tokio::test]
async fn failing_stores_and_credential_checks_are_503_temporarily_unavailable() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;

    w.users_down.store(true, Ordering::SeqCst);
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
    assert!(
        !r.body.contains("unreachable"),
        "no internal detail: {}",
        r.body
    );
    w.users_down.store(false, Ordering::SeqCst);

    w.stores_down.store(true, Ordering::SeqCst);
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "alice", "password": "wonderland"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
    assert_oauth_error(
        &refresh(&app, &pair.refresh).await,
        503,
        "temporarily_unavailable",
    );
    let r = send(
        &app,
        post_json("/auth/logout", &json!({"refresh_token": pair.refresh})),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[&pair.access]),
    )
    .await;
    assert_oauth_error(&r, 503, "temporarily_unavailable");

    // Back up: nothing was lost or half-done.
    w.stores_down.store(false, Ordering::SeqCst);
    assert_eq!(me(&app, &pair.access).await.status, 200);
    pair_of(&refresh(&app, &pair.refresh).await);
}

/// Issue 19 finding 11: an identity provider's token with the same `sub` as a local user was
/// accepted by logout everywhere and revoked every token of that local user.
#[tokio::test]
async fn logout_everywhere_refuses_an_external_issuers_token_for_the_same_subject() {
    use auth_tower::Identity;
    use auth_tower::auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, TrustedIssuer, Verifier};
    use auth_tower::tokens::TokenEndpoints;

    let w = world();
    let idp_key = SharedKeySet::from(Key::generate_hmac("idp-1", Algorithm::HS256).unwrap());
    let idp = Issuer::builder()
        .with_issuer("https://idp.test")
        .with_audience("api")
        .with_keys(idp_key.clone())
        .with_clock(w.clock.clone())
        .build()
        .unwrap();
    // One verifier for our tokens and the identity provider's (as a hybrid API would have).
    let verifier = Verifier::builder()
        .with_issuer("https://issuer.test")
        .with_audience("api")
        .with_keys(w.keys.clone())
        .with_clock(w.clock.clone())
        .with_trusted_issuer(TrustedIssuer::new("https://idp.test", idp_key).with_audience("api"))
        .build()
        .unwrap();
    let endpoints = TokenEndpoints::builder(
        w.tokens.clone(),
        |_: auth_tower::tokens::LoginAttempt| async {
            Ok::<_, std::io::Error>(Some(Identity::new("alice")))
        },
    )
    .with_verifier(verifier)
    .with_clock(w.clock.clone())
    .build()
    .unwrap();
    let app = app_with(&w, &endpoints);
    let alice = login(&app, "alice", "wonderland").await;
    w.clock.advance(Duration::from_secs(1));

    let theirs = idp.issue(&Identity::new("alice")).unwrap();
    let r = send(
        &app,
        bearer("POST", "/auth/logout-everywhere", &[theirs.as_str()]),
    )
    .await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("error=\"invalid_token\""),
    );
    // The local alice was not logged out.
    assert_eq!(me(&app, &alice.access).await.status, 200);
    pair_of(&refresh(&app, &alice.refresh).await);
}
