//! The gRPC example over real gRPC (HTTP/2) on 127.0.0.1: exact codes and messages of every
//! refusal, the client-side `AddBearerTokenLayer` refreshing before expiry, and the trailers-only
//! shape of a refusal on the wire.
#![allow(clippy::unwrap_used)]

use async_trait::async_trait;
use auth_tower::auth_jwt::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_tower::grpc::{AddBearerTokenLayer, BearerToken, BoxError, TokenSource};
use auth_tower::{Identity, JwtLayer, Timestamp};
use e2e::client;
use examples::grpc_app::{Client, Config, GreetRequest, GrpcApp, PasswordLogin};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Request};
use tower::Layer;

/// The example's server on a free loopback port; stopped when dropped.
struct GrpcServer {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl GrpcServer {
    async fn start(app: &GrpcApp) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = app.clone();
        let task = tokio::spawn(async move {
            let _ = app.serve(listener, std::future::pending()).await;
        });
        Self { addr, task }
    }

    async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .unwrap()
    }
}

impl Drop for GrpcServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn with_metadata(values: &[&str]) -> Request<GreetRequest> {
    let mut req = Request::new(GreetRequest {
        name: "world".into(),
    });
    for v in values {
        req.metadata_mut()
            .append("authorization", MetadataValue::try_from(*v).unwrap());
    }
    req
}

async fn setup() -> (GrpcApp, GrpcServer, Client<Channel>) {
    let app = GrpcApp::new(Config::in_memory()).unwrap();
    let server = GrpcServer::start(&app).await;
    let client = Client::new(server.channel().await);
    (app, server, client)
}

#[tokio::test]
async fn refusals_have_exact_codes_and_messages() {
    let (_app, _server, mut client) = setup().await;

    // No token.
    let s = client.greet("world").await.unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::Unauthenticated, "authentication required")
    );

    // Garbage token.
    let s = client
        .greet_request(with_metadata(&["Bearer not-a-jwt"]))
        .await
        .unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated);
    assert_eq!(
        s.message(),
        "a token is exactly three dot-separated segments (no JWE, no JSON serialization)"
    );

    // Two authorization values.
    let alice = client.login("alice", "wonderland").await.unwrap();
    let bearer = format!("Bearer {}", alice.access_token);
    let s = client
        .greet_request(with_metadata(&[&bearer, &bearer]))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::InvalidArgument, "more than one Authorization header")
    );

    // Valid token, no scope.
    let bob = client.login("bob", "builder").await.unwrap();
    let s = client
        .greet_request(with_metadata(&[&format!("Bearer {}", bob.access_token)]))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::PermissionDenied, "requires the scope \"greet\"")
    );

    // Wrong password (the login rpc's own refusal).
    let s = client.login("alice", "queen").await.unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::Unauthenticated, "wrong user name or password")
    );

    // Valid.
    let reply = client
        .greet_request(with_metadata(&[&bearer]))
        .await
        .unwrap();
    assert_eq!(reply.message, "Hello world, from alice!");
}

#[tokio::test]
async fn logout_revokes_the_access_token() {
    let (_app, _server, mut client) = setup().await;
    let alice = client.login("alice", "wonderland").await.unwrap();
    let bearer = format!("Bearer {}", alice.access_token);
    client
        .greet_request(with_metadata(&[&bearer]))
        .await
        .unwrap();

    client.logout(&alice.refresh_token).await.unwrap();
    let s = client
        .greet_request(with_metadata(&[&bearer]))
        .await
        .unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (
            Code::Unauthenticated,
            "the token, its session or its subject was revoked"
        )
    );
    // The refresh token is gone with its family.
    let s = client.refresh(&alice.refresh_token).await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated);
}

/// A refresh store whose backend is down.
#[derive(Debug)]
struct DownStore;

#[async_trait]
impl RefreshStore for DownStore {
    async fn create(
        &self,
        _: &FamilyId,
        _: &FamilyRecord,
        _: Timestamp,
    ) -> Result<(), auth_tower::Error> {
        Err(auth_tower::Error::unavailable("connection refused"))
    }
    async fn rotate(&self, _: &RotateRequest) -> Result<Rotation, auth_tower::Error> {
        Err(auth_tower::Error::unavailable("connection refused"))
    }
    async fn delete(&self, _: &FamilyId) -> Result<Option<FamilyRecord>, auth_tower::Error> {
        Err(auth_tower::Error::unavailable("connection refused"))
    }
}

#[tokio::test]
async fn a_store_failure_is_unavailable_and_says_nothing_more() {
    let mut config = Config::in_memory();
    config.refresh_store = Arc::new(DownStore);
    let app = GrpcApp::new(config).unwrap();
    let server = GrpcServer::start(&app).await;
    let mut client = Client::new(server.channel().await);
    let s = client.login("alice", "wonderland").await.unwrap_err();
    assert_eq!(
        (s.code(), s.message()),
        (Code::Unavailable, "authentication temporarily unavailable")
    );
    // Through AddBearerTokenLayer: the call fails with the source's code, never goes without a token.
    let bearer = AddBearerTokenLayer::new(PasswordLogin::new(
        server.channel().await,
        "alice",
        "wonderland",
    ));
    let mut greeter = Client::new(bearer.layer(server.channel().await));
    let s = greeter.greet("world").await.unwrap_err();
    assert_eq!(s.code(), Code::Unavailable);
    assert_eq!(
        s.message(),
        "could not obtain an access token: authentication temporarily unavailable"
    );
}

/// Counts fetches, records whether the previous token was still valid when it was replaced.
#[derive(Debug)]
struct Counting {
    inner: PasswordLogin,
    fetches: AtomicUsize,
    replaced_while_valid: Mutex<Vec<bool>>,
}

#[async_trait]
impl TokenSource for Counting {
    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
        if let Some(p) = previous {
            let now = Timestamp::from_system_time(std::time::SystemTime::now());
            self.replaced_while_valid
                .lock()
                .unwrap()
                .push(now < p.expires_at());
        }
        tokio::time::sleep(Duration::from_millis(50)).await; // widen the race window
        self.fetches.fetch_add(1, Ordering::SeqCst);
        self.inner.fetch(previous).await
    }
}

#[tokio::test]
async fn bearer_layer_refreshes_before_expiry_once_for_concurrent_calls() {
    let mut config = Config::in_memory();
    // `exp` has whole seconds: a token lives 3 to 4 s, and is due half-way (see the margin).
    config.access_ttl = Duration::from_secs(4);
    let app = GrpcApp::new(config).unwrap();
    let server = GrpcServer::start(&app).await;
    let source = Arc::new(Counting {
        inner: PasswordLogin::new(server.channel().await, "alice", "wonderland"),
        fetches: AtomicUsize::new(0),
        replaced_while_valid: Mutex::new(Vec::new()),
    });
    #[derive(Debug)]
    struct Share(Arc<Counting>);
    #[async_trait]
    impl TokenSource for Share {
        async fn fetch(&self, p: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
            self.0.fetch(p).await
        }
    }
    // Refresh when less than 3 s remains; capped at half the lifetime, so 1.5 to 2 s.
    let bearer = AddBearerTokenLayer::builder(Share(source.clone()))
        .with_refresh_margin(Duration::from_secs(3), 50)
        .build();
    let greeter = Client::new(bearer.layer(server.channel().await));

    let concurrent = |n: usize| {
        let greeter = greeter.clone();
        async move {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..n {
                let mut g = greeter.clone();
                set.spawn(async move { g.greet("world").await });
            }
            while let Some(r) = set.join_next().await {
                assert_eq!(r.unwrap().unwrap(), "Hello world, from alice!");
            }
        }
    };

    concurrent(10).await;
    assert_eq!(
        source.fetches.load(Ordering::SeqCst),
        1,
        "one login for ten calls"
    );
    let first = bearer.token().await.unwrap();

    // Due (after at most 2 s) but still valid (for at least 3 s): one refresh for all.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    concurrent(10).await;
    assert_eq!(
        source.fetches.load(Ordering::SeqCst),
        2,
        "one refresh for ten calls"
    );
    let second = bearer.token().await.unwrap();
    assert_ne!(first.access_token(), second.access_token());
    assert_ne!(
        first.refresh_token(),
        second.refresh_token(),
        "rotated with Refresh"
    );

    assert_eq!(
        *source.replaced_while_valid.lock().unwrap(),
        vec![true],
        "the first token was replaced before it expired"
    );

    // Idle past the second token's expiry: the next calls get a new one (lazily, once).
    tokio::time::sleep(Duration::from_millis(4100)).await;
    concurrent(3).await;
    assert_eq!(source.fetches.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn server_wide_layer_answers_trailers_only() {
    // JwtLayer on the whole server (`Server::builder().layer(..)`), which also covers `Auth`.
    let app = GrpcApp::new(Config::in_memory()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = tonic::service::Routes::new(app.greeter_service());
    let task = tokio::spawn(
        tonic::transport::Server::builder()
            .layer(JwtLayer::new(app.verifier().clone()))
            .add_routes(routes)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(listener)),
    );

    // Raw HTTP/2: a gRPC request without a token.
    let _ = client(); // installs the rustls provider, in case feature unification needs one
    let http = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let res = http
        .post(format!("http://{addr}/auth.example.v1.Greeter/Greet"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(vec![0u8, 0, 0, 0, 0])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.headers()["content-type"], "application/grpc");
    assert_eq!(res.headers()["grpc-status"], "16");
    assert_eq!(res.headers()["grpc-message"], "authentication required");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(res.bytes().await.unwrap().is_empty());

    // And through tonic.
    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut greeter = Client::new(channel);
    let s = greeter.greet("world").await.unwrap_err();
    assert_eq!(s.code(), Code::Unauthenticated);
    let token = app
        .tokens()
        .start(&Identity::new("carol").with_scope("greet"))
        .await
        .unwrap();
    let reply = greeter
        .greet_request(with_metadata(&[&format!(
            "Bearer {}",
            token.access.as_str()
        )]))
        .await
        .unwrap();
    assert_eq!(reply.message, "Hello world, from carol!");
    task.abort();
}
