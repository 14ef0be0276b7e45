//! Login and refresh: both grants, JSON and forms, rotation, reuse, malformed input.

use crate::common::send;
use crate::world::*;
use auth_core::Clock;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn login_returns_a_pair_whose_access_token_works() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "alice", "wonderland").await;
    let r = me(&app, &pair.access).await;
    assert_eq!(r.status, 200);
    let who = json_of(&r);
    assert_eq!(who["sub"], "alice");
    assert_eq!(who["scopes"], json!(["reports:read"]));
    assert_eq!(who["method"], "Jwt");
    assert_eq!(who["authenticated_at"], w.clock.now().as_unix_seconds());
}

#[tokio::test]
async fn oauth_token_endpoint_takes_forms_and_both_grants() {
    let w = world();
    let app = w.app();
    let form = "application/x-www-form-urlencoded";
    let r = send(
        &app,
        post_raw(
            "/auth/token",
            Some(form),
            "grant_type=password&username=alice&password=wonderland&client_id=ignored",
        ),
    )
    .await;
    let first = pair_of(&r);
    let r = send(
        &app,
        post_raw(
            "/auth/token",
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            format!("grant_type=refresh_token&refresh_token={}", first.refresh),
        ),
    )
    .await;
    let second = pair_of(&r);
    assert_ne!(first.refresh, second.refresh);
    assert_eq!(me(&app, &second.access).await.status, 200);
    // JSON on /token too, with grant_type required.
    let r = send(
        &app,
        post_json(
            "/auth/token",
            &json!({"grant_type": "password", "username": "bob", "password": "builder"}),
        ),
    )
    .await;
    pair_of(&r);
    let r = send(
        &app,
        post_json(
            "/auth/token",
            &json!({"username": "bob", "password": "builder"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 400, "invalid_request");
    let r = send(
        &app,
        post_raw("/auth/token", Some(form), "grant_type=client_credentials"),
    )
    .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
}

#[tokio::test]
async fn wrong_credentials_are_invalid_grant_and_the_same_for_unknown_users() {
    let w = world();
    let app = w.app();
    let wrong = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "alice", "password": "nope"}),
        ),
    )
    .await;
    assert_oauth_error(&wrong, 400, "invalid_grant");
    let unknown = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"username": "mallory", "password": "nope"}),
        ),
    )
    .await;
    assert_oauth_error(&unknown, 400, "invalid_grant");
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn malformed_requests_are_400_invalid_request_never_500() {
    let w = world();
    let app = w.app();
    let json_ct = Some("application/json");
    let form = Some("application/x-www-form-urlencoded");
    let cases: Vec<(&str, Option<&str>, Vec<u8>)> = vec![
        ("/auth/login", json_ct, b"{not json".to_vec()),
        ("/auth/login", json_ct, b"[]".to_vec()),
        ("/auth/login", json_ct, b"null".to_vec()),
        ("/auth/login", json_ct, b"".to_vec()),
        (
            "/auth/login",
            json_ct,
            br#"{"username":1,"password":"x"}"#.to_vec(),
        ),
        ("/auth/login", json_ct, br#"{"username":"alice"}"#.to_vec()),
        (
            "/auth/login",
            json_ct,
            br#"{"username":"alice","username":"bob","password":"x"}"#.to_vec(),
        ),
        ("/auth/login", json_ct, b"\xff\xfe\x00".to_vec()),
        (
            "/auth/login",
            None,
            br#"{"username":"a","password":"b"}"#.to_vec(),
        ),
        ("/auth/login", Some("text/plain"), b"username=a".to_vec()),
        (
            "/auth/login",
            form,
            b"username=a&username=b&password=c".to_vec(),
        ),
        ("/auth/login", form, b"username=alice".to_vec()),
        ("/auth/refresh", json_ct, b"{}".to_vec()),
        (
            "/auth/refresh",
            json_ct,
            br#"{"refresh_token":null}"#.to_vec(),
        ),
        ("/auth/logout", json_ct, b"{}".to_vec()),
        ("/auth/logout", form, b"%zz".to_vec()),
    ];
    for (path, ct, body) in cases {
        let r = send(&app, post_raw(path, ct, body.clone())).await;
        assert_oauth_error(&r, 400, "invalid_request");
        let _ = String::from_utf8_lossy(&body);
    }
    // Over the body limit (16 KiB by default).
    let big = json!({"username": "a".repeat(17 * 1024), "password": "x"}).to_string();
    let r = send(&app, post_raw("/auth/login", json_ct, big)).await;
    assert_oauth_error(&r, 400, "invalid_request");
    // A grant the endpoint does not take.
    let r = send(
        &app,
        post_json(
            "/auth/login",
            &json!({"grant_type": "refresh_token", "refresh_token": "x"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
    let r = send(
        &app,
        post_json(
            "/auth/refresh",
            &json!({"grant_type": "password", "username": "a", "password": "b"}),
        ),
    )
    .await;
    assert_oauth_error(&r, 400, "unsupported_grant_type");
    // Only POST.
    let r = send(&app, bearer("GET", "/auth/login", &[])).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn refresh_rotates_and_the_old_access_token_lives_until_it_expires() {
    let w = world();
    let app = w.app();
    let first = login(&app, "alice", "wonderland").await;
    w.clock.advance(Duration::from_secs(60));
    let second = pair_of(&refresh(&app, &first.refresh).await);
    assert_ne!(first.access, second.access);
    assert_ne!(first.refresh, second.refresh);
    assert_eq!(me(&app, &first.access).await.status, 200);
    assert_eq!(me(&app, &second.access).await.status, 200);
    let third = pair_of(&refresh(&app, &second.refresh).await);
    assert_eq!(me(&app, &third.access).await.status, 200);
    // The first access token expires on its own (15 minutes after it was issued).
    w.clock.advance(Duration::from_secs(15 * 60));
    let r = me(&app, &first.access).await;
    assert_eq!(r.status, 401);
    assert!(
        r.header("www-authenticate")
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn refresh_reuse_revokes_the_family_its_successor_and_its_access_tokens() {
    let w = world();
    let app = w.app();
    let first = login(&app, "alice", "wonderland").await;
    let second = pair_of(&refresh(&app, &first.refresh).await);
    let other = login(&app, "alice", "wonderland").await;
    // Outside the grace window (zero here, but a repeat in the same instant still counts).
    w.clock.advance(Duration::from_secs(1));

    let r = refresh(&app, &first.refresh).await;
    assert_oauth_error(&r, 400, "invalid_grant");
    assert!(
        json_of(&r)["error_description"]
            .as_str()
            .unwrap()
            .contains("already used")
    );

    assert_oauth_error(&refresh(&app, &second.refresh).await, 400, "invalid_grant");
    for access in [&first.access, &second.access] {
        let r = me(&app, access).await;
        assert_eq!(r.status, 401);
        assert!(
            r.header("www-authenticate")
                .unwrap()
                .contains("error=\"invalid_token\"")
        );
    }
    // Another login of the same user is another family: untouched.
    assert_eq!(me(&app, &other.access).await.status, 200);
    pair_of(&refresh(&app, &other.refresh).await);
}

#[tokio::test]
async fn forged_or_garbage_refresh_tokens_are_invalid_grant() {
    let w = world();
    let app = w.app();
    let pair = login(&app, "bob", "builder").await;
    let mut forged = pair.refresh.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    for token in [
        "",
        "garbage",
        "a.b.c",
        &pair.access,
        &forged,
        &"x".repeat(10_000),
    ] {
        assert_oauth_error(&refresh(&app, token).await, 400, "invalid_grant");
    }
    pair_of(&refresh(&app, &pair.refresh).await);
}
