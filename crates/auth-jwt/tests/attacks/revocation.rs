//! Revocation (also through the cache), bearer headers, and a no-panic fuzz.

use crate::common::*;
use auth_core::{Clock, Revocation, Revocations, SessionKey};
use auth_jwt::{Algorithm, BearerError, ErrorKind, Identity};
use std::time::Duration;

#[tokio::test]
async fn revoked_jti_sid_and_subject_watermark_even_when_cached() {
    let w = World::new(Algorithm::ES256);
    let session = SessionKey::from_bytes([7; 32]);
    let who = Identity::new("alice").with_session(Some(session));
    let until = w.clock.now().saturating_add(Duration::from_secs(3600));

    // jti
    let token = w.issuer.issue(&who).unwrap();
    w.verifier.verify_sync(token.as_str()).unwrap();
    assert!(w.verifier.cached_tokens() >= 1, "now cached");
    w.store
        .revoke(Revocation::token(token.jti(), until))
        .await
        .unwrap();
    assert_eq!(w.kind(token.as_str()), ErrorKind::Revoked);

    // sid
    let token = w.issuer.issue(&who).unwrap();
    w.verifier.verify_sync(token.as_str()).unwrap();
    w.store
        .revoke(Revocation::session(session, until))
        .await
        .unwrap();
    assert_eq!(w.kind(token.as_str()), ErrorKind::Revoked);

    // subject watermark: tokens issued before T are dead, later ones live.
    let bob = Identity::new("bob");
    let old = w.issuer.issue(&bob).unwrap();
    w.verifier.verify_sync(old.as_str()).unwrap();
    w.clock.advance(Duration::from_secs(2));
    let watermark = w.clock.now();
    w.store
        .revoke(Revocation::subject_before("bob", watermark, until))
        .await
        .unwrap();
    assert_eq!(w.kind(old.as_str()), ErrorKind::Revoked);
    let fresh = w.issuer.issue(&bob).unwrap();
    assert_eq!(
        w.verifier.verify_sync(fresh.as_str()).unwrap().subject(),
        "bob"
    );
}

#[test]
fn bearer_header_edge_cases() {
    use http::header::AUTHORIZATION;
    use http::{HeaderMap, HeaderValue};
    let w = World::new(Algorithm::HS256);
    let token = w.good_token();
    let headers = |values: &[Vec<u8>]| {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(AUTHORIZATION, HeaderValue::from_bytes(v).unwrap());
        }
        h
    };
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let h = headers(&[format!("{scheme} {token}").into_bytes()]);
        let t = auth_jwt::bearer_token(&h).unwrap();
        assert!(w.verifier.verify_sync(t).is_ok(), "{scheme}");
    }
    let dup = headers(&[
        format!("Bearer {token}").into_bytes(),
        format!("Bearer {token}").into_bytes(),
    ]);
    let e = auth_jwt::bearer_token(&dup).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(e.bearer_error(), Some(BearerError::InvalidRequest));
    let non_ascii = headers(&[b"Bearer \xff\xfe\xe2\x82\xac".to_vec()]);
    let e = auth_jwt::bearer_token(&non_ascii).unwrap_err();
    assert_eq!(e.bearer_error().map(BearerError::status), Some(401));
    let missing = auth_jwt::bearer_token(&HeaderMap::new()).unwrap_err();
    assert_eq!(
        (missing.kind(), missing.bearer_error()),
        (ErrorKind::MissingToken, None)
    );
}

#[test]
fn every_rejection_is_a_client_error_and_nothing_panics() {
    // A cheap deterministic fuzz: mutate good tokens byte by byte and verify each mutation.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for alg in [Algorithm::HS256, Algorithm::ES256, Algorithm::EdDSA] {
        let w = World::new(alg);
        let good = w.good_token().into_bytes();
        for _ in 0..400 {
            let mut t = good.clone();
            for _ in 0..1 + next() % 3 {
                let i = (next() as usize) % t.len();
                t[i] = (next() % 128) as u8;
            }
            let Ok(token) = String::from_utf8(t) else {
                continue;
            };
            if let Err(e) = w.verifier.verify_sync(&token) {
                assert!(e.bearer_error().is_some(), "{e}");
            }
        }
    }
}
