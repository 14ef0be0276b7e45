//! Three instances of an example on one Redis (a key prefix unique to the test), each served
//! over real HTTP on its own loopback port, behind no sticky routing: every request goes to an
//! instance picked at random. A login on one is honoured by the others; a logout on one is
//! refused by all three within 50 ms of the logout's response. Twenty rounds each for the
//! session example (cookie sessions, each instance with its own local session cache) and the
//! jwt-api example (bearer tokens, each instance with its own revocation listener); prints the
//! propagation time per instance (p50 and max).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
use e2e::tokens::{get_with, login, logout};
use e2e::{CookieJar, TestServer, client};
use examples::jwt_api_app::{self, Keys, Options, Stores};
use examples::session_app;
use std::time::{Duration, Instant};

/// What the issue asks: refused everywhere within 50 ms of the logout's response.
const WITHIN: Duration = Duration::from_millis(50);
const ROUNDS: usize = 20;
const INSTANCES: usize = 3;

/// A small xorshift generator: which instance serves the next request.
struct Pick(u64);

impl Pick {
    fn seeded() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1;
        eprintln!("instance picks seeded with {seed}");
        Self(seed)
    }

    fn instance(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % INSTANCES as u64) as usize
    }
}

/// Per instance, the time from a logout's response to its first refusal, over the rounds;
/// and how many rounds of polls that took in all.
#[derive(Default)]
struct Propagation([Vec<Duration>; INSTANCES], usize);

impl Propagation {
    fn report(&mut self, what: &str) {
        eprintln!(
            "{what}: {} polls of every instance in {ROUNDS} rounds (a refusal on the first poll after a logout is timed by that poll's round trip)",
            self.1
        );
        for (i, times) in self.0.iter_mut().enumerate() {
            times.sort();
            let p50 = times[times.len() / 2];
            let max = times[times.len() - 1];
            eprintln!(
                "{what}: logout refused on instance {i} after p50 {:.2} ms, max {:.2} ms ({} rounds)",
                ms(p50),
                ms(max),
                times.len()
            );
            assert!(max < WITHIN, "{what}: instance {i} took {max:?}");
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Poll every instance (all three at once, again and again) until each has refused once;
/// when each refusal arrived, measured from `since` (a refusal on the first poll is an upper
/// bound: one round trip, on a kept-alive connection). Counts the rounds of polls in `polls`. A status other than
/// `accepted` or 401 fails.
async fn refused_everywhere<F, Fut>(
    since: Instant,
    accepted: u16,
    polls: &mut usize,
    poll: F,
) -> [Duration; INSTANCES]
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let mut refused: [Option<Duration>; INSTANCES] = [None; INSTANCES];
    while refused.iter().any(Option::is_none) {
        assert!(
            since.elapsed() < Duration::from_secs(5),
            "still accepted after 5 s: {refused:?}"
        );
        let pending: Vec<usize> = (0..INSTANCES).filter(|&i| refused[i].is_none()).collect();
        // Each answer timed as it arrives.
        let answers = futures_util::future::join_all(pending.iter().map(|&i| {
            let asked = poll(i);
            async move { (asked.await, since.elapsed()) }
        }))
        .await;
        *polls += 1;
        for (&i, (status, at)) in pending.iter().zip(answers) {
            match status {
                401 => refused[i] = Some(at),
                s if s == accepted => {}
                s => panic!("instance {i} answered {s} while the logout propagated"),
            }
        }
    }
    refused.map(|t| t.unwrap_or_default())
}

fn unique_prefix(test: &str) -> String {
    format!("e2e-three-{test}-{}", test_support::unique_prefix())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn three_session_instances_share_logins_and_logouts_within_50_ms() {
    let url = test_support::redis_url();
    let prefix = unique_prefix("session");
    let _cleanup = test_support::Cleanup::new(&url, &prefix);
    let mut servers = Vec::new();
    let mut stores = Vec::new();
    for _ in 0..INSTANCES {
        let store = RedisStore::connect(&RedisConfig::new(&url).with_key_prefix(&prefix))
            .await
            .unwrap();
        stores.push(store.clone());
        let layer = session_app::session_layer(store, false).unwrap();
        servers.push(TestServer::start(session_app::router(layer)).await);
    }
    // The local caches are on and tracking: what the others cached must be dropped too.
    for store in &stores {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !store.local_cache_active() {
            assert!(Instant::now() < deadline, "local cache never became active");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let mut pick = Pick::seeded();
    let mut propagation = Propagation::default();
    // One client for every poll: kept-alive connections, so a poll costs one round trip.
    let http = client();
    let me = |jar: &CookieJar, i: usize| {
        let req = http
            .get(servers[i].url("/api/me"))
            .header("cookie", jar.header().unwrap_or_default())
            .timeout(Duration::from_secs(5));
        async move { req.send().await.unwrap() }
    };
    for round in 0..ROUNDS {
        let mut jar = CookieJar::new();
        let on = pick.instance();
        let res = jar
            .send(servers[on].form("/login", "username=alice&password=wonderland"))
            .await;
        assert_eq!(res.status(), 303, "login on instance {on}");
        let cookie = jar.clone();
        // Used on randomly picked instances, and on every one at least once (so each has
        // the session in its local cache before the logout).
        let uses: Vec<usize> = (0..INSTANCES)
            .chain((0..4).map(|_| pick.instance()))
            .collect();
        for i in uses {
            let res = me(&cookie, i).await;
            assert_eq!(
                res.status(),
                200,
                "round {round}: the session on instance {i}"
            );
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["subject"], "alice");
        }
        let off = pick.instance();
        let res = jar.send(servers[off].form("/logout", "")).await;
        let logged_out = Instant::now();
        assert_eq!(res.status(), 303, "logout on instance {off}");
        let took = refused_everywhere(logged_out, 200, &mut propagation.1, |i| {
            let res = me(&cookie, i);
            async move { res.await.status().as_u16() }
        })
        .await;
        for (i, t) in took.into_iter().enumerate() {
            propagation.0[i].push(t);
        }
    }
    propagation.report("session example, 3 instances");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"]
async fn three_jwt_instances_share_logins_and_revocations_within_50_ms() {
    let url = test_support::redis_url();
    let prefix = unique_prefix("jwt");
    let _cleanup = test_support::Cleanup::new(&url, &prefix);
    let keys = Keys::generate().unwrap();
    let options = Options {
        // What the test leaves in Redis expires within minutes.
        access_ttl: Duration::from_secs(60),
        family_lifetime: Duration::from_secs(120),
        refresh_grace: Duration::ZERO,
        ..Options::default()
    };
    let mut servers = Vec::new();
    for _ in 0..INSTANCES {
        let stores = Stores::redis(&url, &prefix).await.unwrap();
        servers
            .push(TestServer::start(jwt_api_app::router(&keys, &stores, &options).unwrap()).await);
    }
    let base = |i: usize| servers[i].url("");
    // One client for every poll: kept-alive connections, so a poll costs one round trip.
    let http = client();
    let mut pick = Pick::seeded();
    let mut propagation = Propagation::default();
    for round in 0..ROUNDS {
        let on = pick.instance();
        let tokens = login(&base(on), "alice", "wonderland").await.pair();
        let uses: Vec<usize> = (0..INSTANCES)
            .chain((0..4).map(|_| pick.instance()))
            .collect();
        for i in uses {
            let a = get_with(&base(i), "/api/me", &tokens.access).await;
            assert_eq!(a.status, 200, "round {round}: the token on instance {i}");
            assert_eq!(a.json()["subject"], "alice");
        }
        let off = pick.instance();
        let a = logout(&base(off), &tokens.refresh).await;
        let logged_out = Instant::now();
        assert_eq!(a.status, 204, "logout on instance {off}");
        let took = refused_everywhere(logged_out, 200, &mut propagation.1, |i| {
            let req = http
                .get(servers[i].url("/api/me"))
                .bearer_auth(&tokens.access)
                .timeout(Duration::from_secs(5));
            async move { req.send().await.unwrap().status().as_u16() }
        })
        .await;
        for (i, t) in took.into_iter().enumerate() {
            propagation.0[i].push(t);
        }
    }
    propagation.report("jwt-api example, 3 instances");
}
