//! The cache, margins, single flight and failures, on a manual clock.

use super::*;
use async_trait::async_trait;
use auth_core::ManualClock;
use auth_core::{Clock, Timestamp};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tonic::{Code, Status};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

/// Hands out `t1`, `t2`, ... valid for `ttl`, after `delay`; fails while `fail` is set.
#[derive(Debug)]
struct Counter {
    clock: Arc<ManualClock>,
    ttl: Duration,
    delay: Duration,
    calls: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
    previous: Mutex<Vec<Option<String>>>,
}

#[async_trait]
impl TokenSource for Counter {
    async fn fetch(&self, previous: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
        tokio::time::sleep(self.delay).await;
        self.previous
            .lock()
            .unwrap()
            .push(previous.map(|p| p.access_token().to_owned()));
        if self.fail.load(Ordering::SeqCst) {
            return Err(Status::unavailable("login service down").into());
        }
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(BearerToken::new(
            format!("t{n}"),
            self.clock.now().saturating_add(self.ttl),
        ))
    }
}

fn setup(ttl: Duration, delay: Duration) -> (Arc<ManualClock>, Arc<Counter>, AddBearerTokenLayer) {
    let clock = Arc::new(ManualClock::new());
    let counter = Arc::new(Counter {
        clock: clock.clone(),
        ttl,
        delay,
        calls: AtomicUsize::new(0),
        fail: false.into(),
        previous: Mutex::new(Vec::new()),
    });
    #[derive(Debug)]
    struct Shared(Arc<Counter>);
    #[async_trait]
    impl TokenSource for Shared {
        async fn fetch(&self, p: Option<&BearerToken>) -> Result<BearerToken, BoxError> {
            self.0.fetch(p).await
        }
    }
    let layer = AddBearerTokenLayer::builder(Shared(counter.clone()))
        .with_clock(clock.clone())
        .build();
    (clock, counter, layer)
}

/// A client that answers with the `authorization` header it was sent.
async fn call(layer: &AddBearerTokenLayer) -> Result<String, BoxError> {
    let inner = service_fn(|req: Request<()>| async move {
        let auth = req.headers()[AUTHORIZATION].to_str().unwrap().to_owned();
        Ok::<_, std::convert::Infallible>(Response::new(auth))
    });
    let res = layer.layer(inner).oneshot(Request::new(())).await?;
    Ok(res.into_body())
}

#[tokio::test]
async fn attaches_and_reuses_until_the_margin() {
    let (clock, counter, layer) = setup(Duration::from_secs(600), Duration::ZERO);
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    // Margin: max(30 s, 10 % of 600 s) = 60 s.
    clock.advance(Duration::from_secs(539));
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    clock.advance(Duration::from_secs(1));
    assert_eq!(call(&layer).await.unwrap(), "Bearer t2");
    assert_eq!(counter.calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        *counter.previous.lock().unwrap(),
        vec![None, Some("t1".to_owned())]
    );
}

#[tokio::test]
async fn short_tokens_are_used_for_half_their_life() {
    let (clock, _, layer) = setup(Duration::from_secs(20), Duration::ZERO);
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    clock.advance(Duration::from_secs(9));
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    clock.advance(Duration::from_secs(1));
    assert_eq!(call(&layer).await.unwrap(), "Bearer t2");
}

#[tokio::test]
async fn concurrent_calls_share_one_fetch() {
    let (_, counter, layer) = setup(Duration::from_secs(600), Duration::from_millis(50));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let layer = layer.clone();
        set.spawn(async move { call(&layer).await.unwrap() });
    }
    while let Some(auth) = set.join_next().await {
        assert_eq!(auth.unwrap(), "Bearer t1");
    }
    assert_eq!(counter.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_failed_fetch_fails_the_call_unless_the_old_token_is_valid() {
    let (clock, counter, layer) = setup(Duration::from_secs(600), Duration::ZERO);
    counter.fail.store(true, Ordering::SeqCst);
    let err = call(&layer).await.unwrap_err();
    let status = err.downcast_ref::<Status>().unwrap();
    // The source's status code is kept; the message says what failed.
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(
        status.message(),
        "could not obtain an access token: login service down"
    );

    counter.fail.store(false, Ordering::SeqCst);
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    counter.fail.store(true, Ordering::SeqCst);
    clock.advance(Duration::from_secs(580)); // due, still valid: the old token goes
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    clock.advance(Duration::from_secs(20)); // expired
    assert!(call(&layer).await.is_err());
}

#[tokio::test]
async fn invalidate_fetches_again_and_never_resends() {
    let (_, counter, layer) = setup(Duration::from_secs(600), Duration::ZERO);
    assert_eq!(call(&layer).await.unwrap(), "Bearer t1");
    layer.invalidate();
    counter.fail.store(true, Ordering::SeqCst);
    assert!(call(&layer).await.is_err());
    counter.fail.store(false, Ordering::SeqCst);
    assert_eq!(call(&layer).await.unwrap(), "Bearer t2");
    assert_eq!(layer.token().await.unwrap().access_token(), "t2");
}

#[test]
fn debug_hides_tokens() {
    let t = BearerToken::new("secret-access", Timestamp::UNIX_EPOCH)
        .with_refresh_token("secret-refresh");
    assert!(!format!("{t:?}").contains("secret"));
}
