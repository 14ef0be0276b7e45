//! The session example on a Redis Cluster (3 masters, 3 replicas, node timeout 1 s, started
//! and stopped by the test) under load, when a master is SIGKILLed: until its replica has
//! taken over, a request on a session of the dead master's slots answers 503, or 200 with
//! that very session when redis-rs sends the read to the replica (its connections are
//! `READONLY`); never a 200 without the session or with another one, never a 401 for a
//! session that exists, never a 500. Then every one of them succeeds again, and no session
//! whose login was acknowledged, before the kill or during the outage, is lost: the store waits
//! for one replica to acknowledge each write (`RedisConfig::with_replica_acks`). Afterwards the
//! local session cache tracks the promoted master (a delete made there directly reaches it).
//! Prints the time to recovery, the responses by class and a timeline.
//!
//! Without replica acknowledgements Redis replicates asynchronously: a login answered in the
//! last milliseconds before the kill may be missing on the promoted replica (its session then
//! answers 401, a logout lost that way brings the session back); the crate documentation
//! (`auth-session-redis`, "Failover and durability") says what holds then.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use auth_tower::auth_session_redis::{RedisConfig, RedisStore};
use e2e::{CookieJar, TestServer, client};
use examples::session_app;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_support::RedisCluster;

/// Sessions logged in before the load starts (so every master owns several).
const SESSIONS: usize = 48;
/// Concurrent readers.
const READERS: usize = 6;
/// Gives up (fails) if the dead master's sessions are not all served again by then.
const RECOVERY_BOUND: Duration = Duration::from_secs(20);
/// The whole test, cluster start to stop.
const TEST_BOUND: Duration = Duration::from_secs(60);

/// One acknowledged login: its cookie and its session's Redis key.
#[derive(Clone, Debug)]
struct Login {
    cookie: String,
    redis_key: String,
    /// When the login's response arrived.
    acknowledged: Instant,
}

/// What one `GET /api/me` answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// 200 with this session's subject and key.
    Ok,
    /// 503: the store is unavailable.
    Unavailable,
    /// 401: the session is unknown (lost).
    Lost,
    /// Anything else (500, a 200 for another or no session, ...).
    Wrong,
}

#[derive(Clone, Debug)]
struct Sample {
    session: usize,
    started: Instant,
    finished: Instant,
    class: Class,
}

async fn login(server: &TestServer, prefix: &str) -> Result<Login, u16> {
    let mut jar = CookieJar::new();
    let res = jar
        .send(
            server
                .form("/login", "username=alice&password=wonderland")
                .timeout(Duration::from_secs(5)),
        )
        .await;
    if res.status() != 303 {
        return Err(res.status().as_u16());
    }
    let acknowledged = Instant::now();
    let cookie = jar.header().expect("a session cookie");
    // The session's key (the hash tag of its Redis key): the SHA-256 of the cookie's id.
    let id = jar.get("__Host-session").expect("the session cookie");
    let key = auth_core::SessionId::parse(id)
        .expect("a session id")
        .key()
        .to_hex();
    Ok(Login {
        cookie,
        redis_key: format!("{prefix}s:{{{key}}}"),
        acknowledged,
    })
}

async fn me(server: &TestServer, cookie: &str) -> (u16, serde_json::Value) {
    let res = client()
        .get(server.url("/api/me"))
        .header("cookie", cookie)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("every request is answered");
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

fn classify(login: &Login, status: u16, body: &serde_json::Value) -> Class {
    let own = body["subject"] == "alice"
        && body["session"]
            .as_str()
            .is_some_and(|k| login.redis_key.contains(&format!("{{{k}}}")));
    match status {
        200 if own => Class::Ok,
        503 => Class::Unavailable,
        401 => Class::Lost,
        _ => Class::Wrong,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs redis-server and redis-cli on PATH"]
async fn cluster_master_killed_under_load_503s_then_recovers_without_losing_a_session() {
    tokio::time::timeout(TEST_BOUND, failover_under_load())
        .await
        .expect("the failover test finishes within 60 s");
}

async fn failover_under_load() {
    let test_started = Instant::now();
    let mut cluster = RedisCluster::start_with_replicas(3, 1, Duration::from_millis(1000));
    let prefix = format!("e2e-failover-{}", test_support::unique_prefix());
    let config = RedisConfig::cluster(cluster.urls())
        .with_key_prefix(&prefix)
        .with_timeout(Duration::from_millis(300))
        .with_replica_acks(1, Duration::from_millis(500));
    let store = RedisStore::connect(&config).await.unwrap();
    let layer = session_app::session_layer(store.clone(), false).unwrap();
    let server = Arc::new(TestServer::start(session_app::router(layer)).await);

    let mut logins = Vec::new();
    for _ in 0..SESSIONS {
        logins.push(
            login(&server, &prefix)
                .await
                .expect("login before the kill"),
        );
    }
    let owner: Vec<usize> = logins
        .iter()
        .map(|l| cluster.node_for_key(&l.redis_key))
        .collect();
    let masters = cluster.master_indices();
    assert_eq!(masters.len(), 3);
    for m in &masters {
        assert!(owner.contains(m), "master {m} owns none of the sessions");
    }
    let victim = owner[0];
    let dead_port = cluster.nodes()[victim].port();
    let on_victim: Vec<usize> = (0..SESSIONS).filter(|&i| owner[i] == victim).collect();
    eprintln!(
        "{SESSIONS} sessions on 3 masters; killing the master on port {dead_port}, which holds {}",
        on_victim.len()
    );
    // Warm: every session read once, so the local cache holds them all.
    for l in &logins {
        assert_eq!(me(&server, &l.cookie).await.0, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while !store.local_cache_active() {
        assert!(
            Instant::now() < deadline,
            "the local cache never served reads"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Load: readers on every session, round robin from different offsets, and a writer that
    // keeps logging in (its acknowledged logins must survive too).
    let logins = Arc::new(logins);
    let stop = Arc::new(AtomicBool::new(false));
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let mut tasks = Vec::new();
    for reader in 0..READERS {
        let (server, logins, stop, samples) = (
            server.clone(),
            logins.clone(),
            stop.clone(),
            samples.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut i = reader * 7;
            while !stop.load(Ordering::Relaxed) {
                let session = i % logins.len();
                let login = &logins[session];
                let started = Instant::now();
                let (status, body) = me(&server, &login.cookie).await;
                let class = classify(login, status, &body);
                samples.lock().unwrap().push(Sample {
                    session,
                    started,
                    finished: Instant::now(),
                    class,
                });
                i += 1;
            }
        }));
    }
    let late_logins = {
        let (server, stop, prefix) = (server.clone(), stop.clone(), prefix.clone());
        tokio::spawn(async move {
            let (mut acknowledged, mut refused) = (Vec::new(), BTreeMap::<u16, usize>::new());
            while !stop.load(Ordering::Relaxed) {
                match login(&server, &prefix).await {
                    Ok(l) => acknowledged.push(l),
                    Err(status) => *refused.entry(status).or_default() += 1,
                }
            }
            (acknowledged, refused)
        })
    };

    tokio::time::sleep(Duration::from_millis(500)).await;
    cluster.kill(victim);
    let killed = Instant::now();
    let cluster = Arc::new(cluster);
    let failover = {
        let cluster = cluster.clone();
        tokio::task::spawn_blocking(move || cluster.wait_for_failover(dead_port, RECOVERY_BOUND))
    };
    let redis_failover = failover.await.unwrap();
    eprintln!(
        "Redis promoted the replica {:.0} ms after the kill",
        ms(redis_failover)
    );

    // Load goes on until every session of the dead master has answered 200 after the
    // failover, then a little longer.
    let victim_ok_after = loop {
        let now = Instant::now();
        let recovered = {
            let samples = samples.lock().unwrap();
            on_victim.iter().all(|&s| {
                samples.iter().any(|x| {
                    x.session == s && x.class == Class::Ok && x.started > killed + redis_failover
                })
            })
        };
        if recovered {
            break now.duration_since(killed);
        }
        assert!(
            killed.elapsed() < RECOVERY_BOUND,
            "the dead master's sessions were not all served again within {RECOVERY_BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let (late, refused_logins) = late_logins.await.unwrap();
    let samples = samples.lock().unwrap().clone();

    // Classify.
    let mut by_class = BTreeMap::<(bool, Class), usize>::new();
    for s in &samples {
        *by_class
            .entry((on_victim.contains(&s.session), s.class))
            .or_default() += 1;
    }
    let on_victim_ref = &on_victim;
    let victim_samples = |class: Class| {
        samples.iter().filter(move |s| {
            on_victim_ref.contains(&s.session) && s.class == class && s.started >= killed
        })
    };
    let first_503 = victim_samples(Class::Unavailable).map(|s| s.finished).min();
    let last_503 = victim_samples(Class::Unavailable).map(|s| s.finished).max();
    let promoted = killed + redis_failover;
    let replica_reads = victim_samples(Class::Ok)
        .filter(|s| s.finished < promoted)
        .count();
    eprintln!(
        "{} requests: {} ok, {} x 503, {} lost (401), {} wrong; on the dead master's sessions: {} ok, {} x 503",
        samples.len(),
        samples.iter().filter(|s| s.class == Class::Ok).count(),
        samples
            .iter()
            .filter(|s| s.class == Class::Unavailable)
            .count(),
        samples.iter().filter(|s| s.class == Class::Lost).count(),
        samples.iter().filter(|s| s.class == Class::Wrong).count(),
        by_class.get(&(true, Class::Ok)).copied().unwrap_or(0),
        by_class
            .get(&(true, Class::Unavailable))
            .copied()
            .unwrap_or(0),
    );
    let after_kill = |t: Option<Instant>| t.map_or(f64::NAN, |t| ms(t.duration_since(killed)));
    eprintln!(
        "after the kill: first 503 at {:.0} ms, replica promoted at {:.0} ms, every session of the dead master served after the promotion at {:.0} ms, last 503 at {:.0} ms; {replica_reads} reads of the dead master's sessions answered 200 before the promotion (by its replica)",
        after_kill(first_503),
        ms(redis_failover),
        ms(victim_ok_after),
        after_kill(last_503),
    );
    // The timeline, in 250 ms steps from the kill: answers on the dead master's sessions
    // (ok/503) and on the others' (ok/503).
    let mut timeline = BTreeMap::<u128, [usize; 4]>::new();
    for s in samples.iter().filter(|s| s.started >= killed) {
        let step = s.started.duration_since(killed).as_millis() / 250;
        let column = match (on_victim.contains(&s.session), s.class) {
            (true, Class::Ok) => 0,
            (true, _) => 1,
            (false, Class::Ok) => 2,
            (false, _) => 3,
        };
        timeline.entry(step).or_default()[column] += 1;
    }
    for (step, [vok, vfail, ook, ofail]) in &timeline {
        eprintln!(
            "  +{:>5} ms: dead master's sessions {vok:>4} ok {vfail:>4} failed; others {ook:>4} ok {ofail:>4} failed",
            step * 250
        );
    }
    eprintln!(
        "logins during the load: {} acknowledged, refused {refused_logins:?}",
        late.len()
    );

    assert_eq!(
        by_class.keys().filter(|(_, c)| *c == Class::Wrong).count(),
        0,
        "no 500, no 200 for a missing or another session: {by_class:?}"
    );
    assert_eq!(
        by_class.keys().filter(|(_, c)| *c == Class::Lost).count(),
        0,
        "no acknowledged session answered 401: {by_class:?}"
    );
    assert!(
        first_503.is_some(),
        "the dead master's sessions answered 503 during the outage"
    );
    assert!(
        refused_logins.keys().all(|s| *s == 503),
        "a login is refused with 503 only: {refused_logins:?}"
    );
    assert!(
        late.iter().any(|l| l.acknowledged < killed),
        "logins ran right up to the kill"
    );

    // Nothing acknowledged is lost: every session, from before the load and from during it.
    let server_ref = &server;
    for (n, l) in logins.iter().chain(late.iter()).enumerate() {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (status, body) = me(server_ref, &l.cookie).await;
            match classify(l, status, &body) {
                Class::Ok => break,
                Class::Unavailable if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                class => panic!(
                    "acknowledged session {n} (login {:.0} ms before the kill) answered {status} ({class:?}) after the failover",
                    ms(killed.saturating_duration_since(l.acknowledged))
                ),
            }
        }
    }
    eprintln!(
        "all {} acknowledged sessions ({} before the load, {} during it) served after the failover",
        logins.len() + late.len(),
        logins.len(),
        late.len()
    );

    // The local cache came back on the new topology, and is honest there: a session deleted
    // behind its back on the promoted master is refused within a second.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !store.local_cache_active() {
        assert!(Instant::now() < deadline, "local cache never active again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let target = &logins[on_victim[0]];
    assert_eq!(me(&server, &target.cookie).await.0, 200);
    assert_eq!(me(&server, &target.cookie).await.0, 200, "served (cached)");
    let new_master = cluster.node_for_key(&target.redis_key);
    assert_ne!(new_master, victim);
    let mut conn = redis::Client::open(cluster.nodes()[new_master].url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let deleted: i64 = redis::cmd("DEL")
        .arg(&target.redis_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(deleted, 1, "the session is on the promoted replica");
    let deleted_at = Instant::now();
    loop {
        let (status, _) = me(&server, &target.cookie).await;
        if status == 401 {
            break;
        }
        assert_eq!(status, 200);
        assert!(
            deleted_at.elapsed() < Duration::from_secs(1),
            "a session deleted on the promoted master is still served"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    eprintln!(
        "a delete on the promoted master reached the local cache after {:.2} ms; test took {:.1} s",
        ms(deleted_at.elapsed()),
        test_started.elapsed().as_secs_f64()
    );
}
