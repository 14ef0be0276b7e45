//! The resource-server example over real HTTP, following the jwt-api example as its identity
//! provider: discovery of jwt-api's metadata and keys, alice's token (with `reports:read`)
//! accepted on both routes, bob's refused on the scope-guarded one, a bad token 401.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e::TestServer;
use e2e::tokens::{get_with, login};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use examples::resource_server_app::{self, Preset};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_of_the_jwt_api_issuer_work_on_the_resource_server() {
    // The issuer must know its URL before it is built: bind first.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer_url = format!("http://{}", listener.local_addr().unwrap());
    let options = Options {
        issuer: issuer_url.clone(),
        ..Options::default()
    };
    let app = jwt_api_app::router(&Keys::generate().unwrap(), &Stores::memory(), &options).unwrap();
    let idp = TestServer::start_on(listener, app);

    let verifier =
        resource_server_app::verifier(&issuer_url, jwt_api_app::AUDIENCE, Preset::Standard)
            .unwrap();
    let api = TestServer::start(resource_server_app::router(verifier, "reports:read")).await;
    let base = api.url("");

    let alice = login(&idp.url(""), "alice", "wonderland").await.pair();
    // Discovery and the first key fetch run in the background: until they are done the
    // answer is 503 (never a pass), so give them a moment.
    let mut me = get_with(&base, "/api/me", &alice.access).await;
    for _ in 0..50 {
        if me.status != 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(40)).await;
        me = get_with(&base, "/api/me", &alice.access).await;
    }
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains("alice"), "{}", me.body);
    assert_eq!(
        get_with(&base, "/api/admin", &alice.access).await.status,
        200
    );

    let bob = login(&idp.url(""), "bob", "builder").await.pair();
    let refused = get_with(&base, "/api/admin", &bob.access).await;
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .header("www-authenticate")
            .is_some_and(|h| h.contains("insufficient_scope")),
        "{:?}",
        refused.header("www-authenticate")
    );
    assert_eq!(get_with(&base, "/api/me", "not.a.token").await.status, 401);
}
