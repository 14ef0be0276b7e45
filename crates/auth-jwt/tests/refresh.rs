//! Refresh tokens on the memory store: rotation, reuse detection, the grace window, family
//! revocation (and with it every access token minted from the family), expiry, logout.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

mod common;

use auth_core::{Clock, Revocation, Revocations, SessionKey, Timestamp};
use auth_jwt::{
    Algorithm, ErrorKind, Identity, MemoryRefreshStore, RefreshTokens, refresh_store_conformance,
};
use common::*;
use std::sync::Arc;
use std::time::Duration;

const SECRET: &[u8] = b"refresh-secret-refresh-secret-32";

struct Setup {
    w: World,
    families: MemoryRefreshStore,
    tokens: RefreshTokens,
}

fn setup() -> Setup {
    let w = World::new(Algorithm::ES256);
    let families = MemoryRefreshStore::new();
    let tokens = RefreshTokens::builder(
        w.issuer.clone(),
        Arc::new(families.clone()),
        Arc::new(w.store.clone()),
        SECRET,
    )
    .with_clock(w.clock.clone())
    .with_ttl(Duration::from_secs(3600))
    .with_family_lifetime(Duration::from_secs(24 * 3600))
    .with_grace(Duration::from_secs(10))
    .build()
    .unwrap();
    Setup {
        w,
        families,
        tokens,
    }
}

fn err_kind<T: std::fmt::Debug>(r: Result<T, auth_jwt::Error>) -> ErrorKind {
    r.unwrap_err().kind()
}

#[tokio::test]
async fn memory_store_meets_the_contract() {
    refresh_store_conformance(&MemoryRefreshStore::new(), Timestamp::from_unix_seconds(T0)).await;
}

#[tokio::test]
async fn refresh_rotates_and_access_tokens_carry_the_family_session() {
    let s = setup();
    let first = s
        .tokens
        .start(&Identity::new("alice").with_role("admin"))
        .await
        .unwrap();
    let who = s.w.verifier.verify_sync(first.access.as_str()).unwrap();
    assert_eq!(who.subject(), "alice");
    assert!(who.has_role("admin"));
    let sid = *who.session().expect("a family always has a session");
    assert_eq!(first.refresh.as_str().len(), 96);
    assert!(
        !format!("{first:?}").contains(first.refresh.as_str()),
        "redacted Debug"
    );

    s.w.clock.advance(Duration::from_secs(60));
    let second = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    assert_ne!(second.refresh.as_str(), first.refresh.as_str());
    let who = s.w.verifier.verify_sync(second.access.as_str()).unwrap();
    assert_eq!(who.session(), Some(&sid), "same family, same sid");
    let third = s.tokens.refresh(second.refresh.as_str()).await.unwrap();
    assert_ne!(third.refresh.as_str(), second.refresh.as_str());
    assert_eq!(s.families.len(), 1);
}

#[tokio::test]
async fn a_repeat_inside_the_grace_window_gets_the_same_successor() {
    let s = setup();
    let first = s.tokens.start(&Identity::new("alice")).await.unwrap();
    let a = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    s.w.clock.advance(Duration::from_secs(9));
    let b = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    assert_eq!(a.refresh.as_str(), b.refresh.as_str(), "same successor");
    s.w.verifier.verify_sync(b.access.as_str()).unwrap();
    // The successor works; the family lives on.
    let c = s.tokens.refresh(a.refresh.as_str()).await.unwrap();
    s.w.verifier.verify_sync(c.access.as_str()).unwrap();
}

#[tokio::test]
async fn a_second_repeat_inside_the_grace_window_is_reuse_and_revokes_the_family() {
    let s = setup();
    let first = s.tokens.start(&Identity::new("alice")).await.unwrap();
    let client = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    // One repeat (the default) is a client refreshing twice at once: the same successor.
    let repeat = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    assert_eq!(repeat.refresh.as_str(), client.refresh.as_str());
    // A third presentation, still inside the window, is someone else holding the token.
    s.w.clock.advance(Duration::from_secs(1));
    assert_eq!(
        err_kind(s.tokens.refresh(first.refresh.as_str()).await),
        ErrorKind::RefreshTokenReused
    );
    assert!(s.families.is_empty(), "the family is deleted");
    for access in [&first.access, &client.access, &repeat.access] {
        assert_eq!(
            err_kind(s.w.verifier.verify_sync(access.as_str())),
            ErrorKind::Revoked
        );
    }
    assert_eq!(
        err_kind(s.tokens.refresh(client.refresh.as_str()).await),
        ErrorKind::RefreshTokenInvalid
    );
}

#[tokio::test]
async fn concurrent_refreshes_from_one_client_all_get_the_same_successor() {
    let w = World::new(Algorithm::ES256);
    // A client that fires up to 8 refreshes at once is allowed 7 repeats.
    let tokens = RefreshTokens::builder(
        w.issuer.clone(),
        Arc::new(MemoryRefreshStore::new()),
        Arc::new(w.store.clone()),
        SECRET,
    )
    .with_clock(w.clock.clone())
    .with_grace_repeats(7)
    .build()
    .unwrap();
    let s = Setup {
        families: MemoryRefreshStore::new(),
        tokens,
        w,
    };
    let first = s.tokens.start(&Identity::new("alice")).await.unwrap();
    let token = first.refresh.as_str();
    let results = futures_join((0..8).map(|_| {
        let tokens = s.tokens.clone();
        let token = token.to_owned();
        tokio::spawn(async move { tokens.refresh(&token).await })
    }))
    .await;
    let successors: std::collections::HashSet<String> = results
        .into_iter()
        .map(|r| r.unwrap().unwrap().refresh.into_string())
        .collect();
    assert_eq!(successors.len(), 1);
}

async fn futures_join<T>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<Result<T, tokio::task::JoinError>> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await);
    }
    out
}

#[tokio::test]
async fn reuse_after_rotation_revokes_the_family_and_its_access_tokens() {
    let s = setup();
    let first = s.tokens.start(&Identity::new("alice")).await.unwrap();
    // The attacker and the client both hold `first`; the client rotates first.
    let client = s.tokens.refresh(first.refresh.as_str()).await.unwrap();
    s.w.verifier.verify_sync(first.access.as_str()).unwrap();
    s.w.verifier.verify_sync(client.access.as_str()).unwrap();
    assert!(s.w.verifier.cached_tokens() >= 2);

    s.w.clock.advance(Duration::from_secs(11));
    let reuse = s.tokens.refresh(first.refresh.as_str()).await.unwrap_err();
    assert_eq!(reuse.kind(), ErrorKind::RefreshTokenReused);
    assert_eq!(
        reuse.bearer_error(),
        Some(auth_jwt::BearerError::InvalidToken)
    );
    assert!(s.families.is_empty(), "the family is deleted");

    // Every access token of the family is dead, cached or not, and so is the client's
    // refresh token: the whole family is revoked.
    for access in [&first.access, &client.access] {
        assert_eq!(
            err_kind(s.w.verifier.verify_sync(access.as_str())),
            ErrorKind::Revoked
        );
    }
    assert_eq!(
        err_kind(s.tokens.refresh(client.refresh.as_str()).await),
        ErrorKind::RefreshTokenInvalid
    );
}

#[tokio::test]
async fn reuse_revokes_the_cookie_session_the_family_came_from() {
    let s = setup();
    let session = SessionKey::from_bytes([9; 32]);
    let who = Identity::new("alice").with_session(Some(session));
    let pair = s.tokens.start(&who).await.unwrap();
    let other_family = s.tokens.start(&who).await.unwrap();
    let direct = s.w.issuer.issue(&who).unwrap();
    assert_eq!(
        s.w.verifier
            .verify_sync(pair.access.as_str())
            .unwrap()
            .session(),
        Some(&session)
    );

    s.tokens.refresh(pair.refresh.as_str()).await.unwrap();
    s.w.clock.advance(Duration::from_secs(30));
    assert_eq!(
        err_kind(s.tokens.refresh(pair.refresh.as_str()).await),
        ErrorKind::RefreshTokenReused
    );
    use auth_core::RevocationProbe;
    assert!(
        s.w.store
            .is_revoked(&RevocationProbe {
                session: Some(&session),
                ..Default::default()
            })
            .unwrap()
    );
    assert_eq!(
        err_kind(s.w.verifier.verify_sync(direct.as_str())),
        ErrorKind::Revoked
    );
    // The session's other family can no longer refresh either.
    assert_eq!(
        err_kind(s.tokens.refresh(other_family.refresh.as_str()).await),
        ErrorKind::Revoked
    );
}

#[tokio::test]
async fn expired_forged_and_foreign_tokens_are_invalid() {
    let s = setup();
    let first = s.tokens.start(&Identity::new("alice")).await.unwrap();
    assert_eq!(
        first.refresh.expires_at(),
        s.w.clock.now().saturating_add(Duration::from_secs(3600))
    );
    let mut forged = first.refresh.as_str().to_owned();
    let last = if forged.ends_with('A') { "Q" } else { "A" };
    forged.replace_range(95.., last);
    for bad in [
        "",
        "x",
        &"A".repeat(96),
        forged.as_str(),
        first.access.as_str(),
    ] {
        assert_eq!(
            err_kind(s.tokens.refresh(bad).await),
            ErrorKind::RefreshTokenInvalid,
            "{bad:?}"
        );
    }
    // Another deployment's secret.
    let other = RefreshTokens::builder(
        s.w.issuer.clone(),
        Arc::new(s.families.clone()),
        Arc::new(s.w.store.clone()),
        &[7; 32],
    )
    .build()
    .unwrap();
    assert_eq!(
        err_kind(other.refresh(first.refresh.as_str()).await),
        ErrorKind::RefreshTokenInvalid
    );
    // Idle expiry.
    s.w.clock.advance(Duration::from_secs(3600));
    assert_eq!(
        err_kind(s.tokens.refresh(first.refresh.as_str()).await),
        ErrorKind::RefreshTokenInvalid
    );
    assert!(s.families.is_empty());
}

#[tokio::test]
async fn the_family_has_an_absolute_lifetime() {
    let s = setup();
    let mut pair = s.tokens.start(&Identity::new("alice")).await.unwrap();
    for _ in 0..24 {
        s.w.clock.advance(Duration::from_secs(3500));
        pair = s.tokens.refresh(pair.refresh.as_str()).await.unwrap();
    }
    // 24 * 3500 s = 23.3 h: the live token is capped at the family's 24 h end.
    s.w.clock.advance(Duration::from_secs(3500));
    assert_eq!(
        err_kind(s.tokens.refresh(pair.refresh.as_str()).await),
        ErrorKind::RefreshTokenInvalid
    );
}

#[tokio::test]
async fn logout_with_the_refresh_token_and_outside_revocations() {
    let s = setup();
    let pair = s.tokens.start(&Identity::new("alice")).await.unwrap();
    s.tokens.revoke(pair.refresh.as_str()).await.unwrap();
    assert_eq!(
        err_kind(s.w.verifier.verify_sync(pair.access.as_str())),
        ErrorKind::Revoked
    );
    assert_eq!(
        err_kind(s.tokens.refresh(pair.refresh.as_str()).await),
        ErrorKind::RefreshTokenInvalid
    );
    s.tokens.revoke(pair.refresh.as_str()).await.unwrap();

    // "Log out everywhere": a subject watermark stops refreshes of older families.
    let pair = s.tokens.start(&Identity::new("bob")).await.unwrap();
    s.w.clock.advance(Duration::from_secs(1));
    let until = s.w.clock.now().saturating_add(Duration::from_secs(86_400));
    s.w.store
        .revoke(Revocation::subject_before("bob", s.w.clock.now(), until))
        .await
        .unwrap();
    assert_eq!(
        err_kind(s.tokens.refresh(pair.refresh.as_str()).await),
        ErrorKind::Revoked
    );
    assert!(s.families.is_empty(), "a revoked family is deleted");
}

#[tokio::test]
async fn revoke_subject_kills_every_access_and_refresh_token_of_the_subject() {
    let s = setup();
    let one = s.tokens.start(&Identity::new("carol")).await.unwrap();
    let two = s.tokens.start(&Identity::new("carol")).await.unwrap();
    let other = s.tokens.start(&Identity::new("dave")).await.unwrap();
    s.w.clock.advance(Duration::from_secs(1));
    s.tokens.revoke_subject("carol").await.unwrap();
    for pair in [&one, &two] {
        assert_eq!(
            err_kind(s.w.verifier.verify_sync(pair.access.as_str())),
            ErrorKind::Revoked
        );
        assert_eq!(
            err_kind(s.tokens.refresh(pair.refresh.as_str()).await),
            ErrorKind::Revoked
        );
    }
    assert!(s.w.verifier.verify_sync(other.access.as_str()).is_ok());
    assert!(s.tokens.refresh(other.refresh.as_str()).await.is_ok());
    // A login after the watermark works.
    s.w.clock.advance(Duration::from_secs(1));
    let again = s.tokens.start(&Identity::new("carol")).await.unwrap();
    assert!(s.w.verifier.verify_sync(again.access.as_str()).is_ok());
}

#[tokio::test]
async fn revoke_subject_kills_a_family_started_in_the_same_millisecond() {
    // Families carry their start in milliseconds: one started in the very millisecond of a
    // "log out everywhere", before it, survived a watermark that revoked only what was
    // strictly older than the call's own time.
    let s = setup();
    let pair = s.tokens.start(&Identity::new("carol")).await.unwrap();
    s.tokens.revoke_subject("carol").await.unwrap(); // the manual clock has not moved
    assert_eq!(
        err_kind(s.tokens.refresh(pair.refresh.as_str()).await),
        ErrorKind::Revoked
    );
    assert_eq!(
        err_kind(s.w.verifier.verify_sync(pair.access.as_str())),
        ErrorKind::Revoked
    );
}

#[tokio::test]
async fn configuration_is_checked_when_built() {
    let w = World::new(Algorithm::HS256);
    let build = |secret: &[u8], grace| {
        RefreshTokens::builder(
            w.issuer.clone(),
            Arc::new(MemoryRefreshStore::new()),
            Arc::new(w.store.clone()),
            secret,
        )
        .with_grace(grace)
        .build()
    };
    assert_eq!(
        err_kind(build(&[1; 31], Duration::from_secs(1))),
        ErrorKind::WeakKey
    );
    assert_eq!(
        err_kind(build(&[1; 32], Duration::from_secs(61))),
        ErrorKind::Config
    );
    assert!(build(&[1; 32], Duration::ZERO).is_ok());
}

/// Found by the soak: access tokens carry `iat` in whole seconds and "log out everywhere"
/// revokes what was issued before its millisecond, so a login later in the same second got a
/// token that was already revoked. On the system clock (the fix waits for the next second).
#[tokio::test]
async fn a_login_straight_after_logging_out_everywhere_gets_a_working_token() {
    let store = auth_core::MemoryStore::new();
    let keys = auth_jwt::SharedKeySet::new(
        auth_jwt::KeySet::single(key_for(Algorithm::HS256, "k")).unwrap(),
    );
    let issuer = auth_jwt::Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let verifier = auth_jwt::Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys)
        .with_revocations(store.clone())
        .build()
        .unwrap();
    let tokens = RefreshTokens::builder(
        issuer,
        Arc::new(MemoryRefreshStore::new()),
        Arc::new(store),
        SECRET,
    )
    .build()
    .unwrap();
    for round in 0..3 {
        let before = tokens.start(&Identity::new("erin")).await.unwrap();
        tokens.revoke_subject("erin").await.unwrap();
        assert_eq!(
            err_kind(verifier.verify_sync(before.access.as_str())),
            ErrorKind::Revoked,
            "round {round}: the token from before is revoked"
        );
        let after = tokens.start(&Identity::new("erin")).await.unwrap();
        assert!(
            verifier.verify_sync(after.access.as_str()).is_ok(),
            "round {round}: the login after logging out everywhere works"
        );
        assert!(tokens.refresh(after.refresh.as_str()).await.is_ok());
    }
}
