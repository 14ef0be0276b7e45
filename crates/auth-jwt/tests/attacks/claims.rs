//! Claim-profile attacks: time claims, issuer, audience, required claims.

use crate::common::*;
use auth_jwt::{Algorithm, ErrorKind};
use serde_json::json;
use std::time::Duration;

#[test]
fn expired_on_or_after_exp_minus_leeway() {
    let w = World::with_verifier(Algorithm::HS256, |b| b.with_leeway(Duration::from_secs(30)));
    let now = w.now();
    let mut claims = w.claims();
    claims["iat"] = json!(now - 3600);
    claims["nbf"] = json!(now - 3600);
    claims["exp"] = json!(now - 30);
    assert_eq!(
        w.kind(&w.token(&w.header(), &claims)),
        ErrorKind::Expired,
        "exp == now - leeway"
    );
    claims["exp"] = json!(now - 31);
    assert_eq!(w.kind(&w.token(&w.header(), &claims)), ErrorKind::Expired);
    claims["exp"] = json!(now - 29);
    assert!(
        w.verifier
            .verify_sync(&w.token(&w.header(), &claims))
            .is_ok(),
        "inside the leeway"
    );
    // A cached token expires too.
    let token = w.good_token();
    w.verifier.verify_sync(&token).unwrap();
    w.clock.advance(Duration::from_secs(599));
    assert!(w.verifier.verify_sync(&token).is_ok());
    w.clock.advance(Duration::from_secs(31));
    assert_eq!(
        w.kind(&token),
        ErrorKind::Expired,
        "not served from the cache after exp"
    );
}

#[test]
fn not_yet_valid() {
    let w = World::new(Algorithm::HS256);
    let mut claims = w.claims();
    claims["nbf"] = json!(w.now() + 31);
    assert_eq!(
        w.kind(&w.token(&w.header(), &claims)),
        ErrorKind::NotYetValid
    );
    claims["nbf"] = json!(w.now() + 30);
    assert!(
        w.verifier
            .verify_sync(&w.token(&w.header(), &claims))
            .is_ok(),
        "inside the leeway"
    );
}

#[test]
fn iat_in_the_future_or_older_than_max_age() {
    let w = World::with_verifier(Algorithm::HS256, |b| {
        b.with_max_age(Duration::from_secs(300))
    });
    let now = w.now();
    let mut claims = w.claims();
    claims["iat"] = json!(now + 3600);
    claims["nbf"] = json!(now);
    assert_eq!(
        w.kind(&w.token(&w.header(), &claims)),
        ErrorKind::IssuedInFuture
    );
    claims["iat"] = json!(now - 400);
    assert_eq!(w.kind(&w.token(&w.header(), &claims)), ErrorKind::TooOld);
    // A cached token ages out too.
    let token = w.good_token();
    w.verifier.verify_sync(&token).unwrap();
    w.clock.advance(Duration::from_secs(331));
    assert_eq!(w.kind(&token), ErrorKind::TooOld);
}

#[test]
fn missing_exp_and_other_required_claims() {
    let w = World::new(Algorithm::HS256);
    for name in ["exp", "iat", "sub", "iss", "aud"] {
        let mut claims = w.claims();
        claims.as_object_mut().unwrap().remove(name);
        assert_eq!(
            w.kind(&w.token(&w.header(), &claims)),
            ErrorKind::MissingClaim,
            "{name}"
        );
    }
}

#[test]
fn time_claims_of_the_wrong_json_type() {
    let w = World::new(Algorithm::HS256);
    let now = w.now();
    let wrong = [
        json!(format!("{}", now + 600)),
        json!(true),
        json!(null),
        json!([now + 600]),
        json!({"t": now}),
    ];
    for name in ["exp", "iat", "nbf", "auth_time"] {
        for value in &wrong {
            let mut claims = w.claims();
            claims[name] = value.clone();
            assert_eq!(
                w.kind(&w.token(&w.header(), &claims)),
                ErrorKind::InvalidClaim,
                "{name}={value}"
            );
        }
    }
    // A fractional NumericDate is a number: accepted.
    let mut claims = w.claims();
    claims["exp"] = json!(now as f64 + 600.5);
    assert!(
        w.verifier
            .verify_sync(&w.token(&w.header(), &claims))
            .is_ok()
    );
}

#[test]
fn wrong_missing_or_array_iss() {
    let w = World::new(Algorithm::HS256);
    let cases = [
        (json!("https://evil.test"), ErrorKind::WrongIssuer),
        (json!("https://issuer.test/"), ErrorKind::WrongIssuer),
        (json!(""), ErrorKind::WrongIssuer),
        (json!([ISS]), ErrorKind::InvalidClaim),
        (json!([ISS, "https://evil.test"]), ErrorKind::InvalidClaim),
        (json!(null), ErrorKind::InvalidClaim),
        (json!(1), ErrorKind::InvalidClaim),
    ];
    for (iss, kind) in cases {
        let mut claims = w.claims();
        claims["iss"] = iss.clone();
        assert_eq!(w.kind(&w.token(&w.header(), &claims)), kind, "{iss}");
    }
}

#[test]
fn wrong_missing_or_empty_aud() {
    let w = World::new(Algorithm::HS256);
    let cases = [
        (json!("other-api"), ErrorKind::WrongAudience),
        (json!(""), ErrorKind::WrongAudience),
        (json!([]), ErrorKind::InvalidClaim),
        (json!(["other-api"]), ErrorKind::WrongAudience),
        (json!([AUD, 7]), ErrorKind::InvalidClaim),
        (json!({"aud": AUD}), ErrorKind::InvalidClaim),
    ];
    for (aud, kind) in cases {
        let mut claims = w.claims();
        claims["aud"] = aud.clone();
        assert_eq!(w.kind(&w.token(&w.header(), &claims)), kind, "{aud}");
    }
    let mut claims = w.claims();
    claims["aud"] = json!(["other-api", AUD]);
    assert!(
        w.verifier
            .verify_sync(&w.token(&w.header(), &claims))
            .is_ok(),
        "aud contains ours"
    );
}

/// Finding 6 of issue 9: `authenticated_at` used to fall back to `iat`, so every refreshed
/// token (a fresh `iat`) passed a step-up check as if the user had just logged in.
#[test]
fn a_token_without_auth_time_has_no_authentication_time() {
    let w = World::new(Algorithm::HS256);
    let who = w.verifier.verify_sync(&w.good_token()).unwrap();
    assert_eq!(
        who.authenticated_at(),
        None,
        "`iat` is when the token was minted, not when the user logged in"
    );
    let mut claims = w.claims();
    claims["auth_time"] = json!(w.now() - 3600);
    let who = w
        .verifier
        .verify_sync(&w.token(&w.header(), &claims))
        .unwrap();
    assert_eq!(
        who.authenticated_at(),
        Some(auth_core::Timestamp::from_unix_seconds(w.now() - 3600))
    );
}

/// A login cannot happen after the token it is in was issued: an `auth_time` later than
/// `iat` (beyond the leeway) would look fresh to a step-up check for as long as it is ahead.
#[test]
fn auth_time_later_than_iat_plus_leeway_is_refused() {
    let w = World::with_verifier(Algorithm::HS256, |b| b.with_leeway(Duration::from_secs(30)));
    let now = w.now();
    for ahead in [31, 3600, 10 * 365 * 24 * 3600] {
        let mut claims = w.claims();
        claims["auth_time"] = json!(now + ahead);
        assert_eq!(
            w.kind(&w.token(&w.header(), &claims)),
            ErrorKind::InvalidClaim,
            "auth_time = iat + {ahead}s"
        );
    }
    // Huge and fractional values are judged the same way.
    let mut claims = w.claims();
    claims["auth_time"] = json!(1e300);
    assert_eq!(
        w.kind(&w.token(&w.header(), &claims)),
        ErrorKind::InvalidClaim
    );
    claims["auth_time"] = json!(now as f64 + 30.5);
    assert_eq!(
        w.kind(&w.token(&w.header(), &claims)),
        ErrorKind::InvalidClaim
    );
    // Within the leeway (two clocks a little apart) and any time before `iat` is fine.
    for at in [now + 30, now, now - 86_400] {
        let mut claims = w.claims();
        claims["auth_time"] = json!(at);
        assert!(
            w.verifier
                .verify_sync(&w.token(&w.header(), &claims))
                .is_ok(),
            "auth_time = {at}"
        );
    }
}

/// Our own tokens: the issuer writes the identity's `auth_time`, and a refresh keeps the
/// login's, so a refreshed token never looks like a new login.
#[tokio::test]
async fn issued_and_refreshed_tokens_keep_the_logins_auth_time() {
    use auth_core::{Clock, Revocations};
    use auth_jwt::{Identity, MemoryRefreshStore, RefreshTokens};
    use std::sync::Arc;

    let w = World::new(Algorithm::HS256);
    let login = w.clock.now();
    let who = w
        .verifier
        .verify_sync(
            w.issuer
                .issue(&Identity::new("alice").with_authenticated_at(login))
                .unwrap()
                .as_str(),
        )
        .unwrap();
    assert_eq!(who.authenticated_at(), Some(login));
    let who = w
        .verifier
        .verify_sync(w.issuer.issue(&Identity::new("alice")).unwrap().as_str())
        .unwrap();
    assert_eq!(who.authenticated_at(), None, "no login time, no auth_time");

    let tokens = RefreshTokens::builder(
        w.issuer.clone(),
        Arc::new(MemoryRefreshStore::new()),
        Arc::new(w.store.clone()) as Arc<dyn Revocations>,
        b"refresh-secret-refresh-secret-32",
    )
    .with_clock(w.clock.clone())
    .build()
    .unwrap();
    let mut pair = tokens
        .start(&Identity::new("alice").with_authenticated_at(login))
        .await
        .unwrap();
    for _ in 0..3 {
        w.clock.advance(Duration::from_secs(500));
        pair = tokens.refresh(pair.refresh.as_str()).await.unwrap();
        let who = w.verifier.verify_sync(pair.access.as_str()).unwrap();
        assert_eq!(who.authenticated_at(), Some(login), "the login's, not now");
    }
}
