//! A soak run from start to verdict: build and start the servers, take the Redis baseline,
//! run the clients while sampling memory and keys, wait for everything to expire, stop the
//! servers and gather what they logged.

use crate::children::Server;
use crate::redis::Redis;
use crate::report::{KeyCount, Report, ServerReport};
use crate::settings::{EXPIRY_SLACK, Settings, Store, longest_lifetime};
use crate::target::Target;
use crate::{jwt_traffic, session_traffic};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often memory and keys are sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(5);
/// How often a progress line is printed.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// Which example a server is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Session,
    JwtApi,
}

impl Kind {
    fn bin(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::JwtApi => "jwt-api",
        }
    }

    /// The Redis key prefix the example uses (`examples::backend`).
    fn prefix(self) -> &'static str {
        match self {
            Self::Session => "session-example:",
            Self::JwtApi => "jwt-api:",
        }
    }
}

struct Running {
    server: Server,
    target: Arc<Target>,
    kind: Kind,
    store: Store,
    rss_start: Option<u64>,
    /// Requests answered when `rss_start` was taken.
    requests_at_start: u64,
    rss_peak: u64,
}

/// Where the example binaries are; under `cargo run`, built first with this program's
/// profile so that they match the source.
fn examples_dir(settings: &Settings) -> Result<PathBuf, String> {
    if let Some(dir) = &settings.bin_dir {
        return Ok(PathBuf::from(dir));
    }
    let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
    let dir = exe
        .parent()
        .ok_or("this program has no directory")?
        .to_path_buf();
    if let Ok(cargo) = std::env::var("CARGO") {
        let mut cmd = std::process::Command::new(cargo);
        cmd.args([
            "build", "-q", "-p", "examples", "--bin", "session", "--bin", "jwt-api",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
        if dir.file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        println!("building the examples: {cmd:?}");
        let status = cmd.status().map_err(|e| format!("cargo build: {e}"))?;
        if !status.success() {
            return Err(format!("building the examples failed ({status})"));
        }
    }
    for bin in ["session", "jwt-api"] {
        if !dir.join(bin).is_file() {
            return Err(format!(
                "no {bin} in {}: build the examples with the same profile first \
                 (cargo build -p examples --bins), or pass --bin-dir",
                dir.display()
            ));
        }
    }
    Ok(dir)
}

/// Every key under the examples' prefixes and the revocation set, sampled.
fn redis_counts(redis: &Redis, kinds: &[Kind]) -> Result<Vec<(String, u64)>, String> {
    let mut out = Vec::new();
    for kind in kinds {
        out.push((
            format!("keys {}*", kind.prefix()),
            redis.keys_under(kind.prefix())?,
        ));
    }
    let rev = format!("{}rev", Kind::JwtApi.prefix());
    out.push((format!("revocation set {rev} (ZCARD)"), redis.zcard(&rev)?));
    Ok(out)
}

pub(crate) async fn run(settings: &Settings) -> Result<Report, String> {
    let bin_dir = examples_dir(settings)?;
    let log_dir = bin_dir.join("soak-logs");
    std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let redis = if settings.stores.contains(&Store::Redis) {
        Some(match &settings.redis_url {
            Some(url) => Redis::existing(url)?,
            None => Redis::start()?,
        })
    } else {
        None
    };
    let kinds = [Kind::Session, Kind::JwtApi];
    let mut running = Vec::new();
    for store in &settings.stores {
        for kind in kinds {
            let url = redis.as_ref().map(|r| r.url.as_str());
            let server = Server::start(&bin_dir, kind.bin(), *store, url, &log_dir)?;
            let target = Arc::new(Target::new(server.port));
            running.push(Running {
                server,
                target,
                kind,
                store: *store,
                rss_start: None,
                requests_at_start: 0,
                rss_peak: 0,
            });
        }
    }
    let mut keys: Vec<KeyCount> = Vec::new();
    let mut redis_memory = None;
    if let Some(redis) = &redis {
        for (what, n) in redis_counts(redis, &kinds)? {
            keys.push(KeyCount::new(what, n));
        }
        redis_memory = Some((redis.used_memory()?, 0, 0));
    }

    let warm_up = settings.warm_up();
    println!(
        "soak: {:?} of traffic, {} clients per server, servers: {}; memory measured from {warm_up:?}; logs in {}",
        settings.duration,
        settings.workers,
        running
            .iter()
            .map(|r| format!("{} (:{})", r.server.label, r.server.port))
            .collect::<Vec<_>>()
            .join(", "),
        log_dir.display()
    );
    let start = Instant::now();
    let deadline = start + settings.duration;
    let mut clients = Vec::new();
    for (i, r) in running.iter().enumerate() {
        for w in 0..settings.workers {
            let target = r.target.clone();
            let seed = (i * 1000 + w) as u64 + u64::from(std::process::id());
            let kind = r.kind;
            clients.push(tokio::spawn(async move {
                match kind {
                    Kind::Session => session_traffic::run(&target, seed, deadline).await,
                    Kind::JwtApi => jwt_traffic::run(&target, seed, deadline).await,
                }
            }));
        }
    }

    let mut next_progress = PROGRESS_EVERY;
    while Instant::now() < deadline {
        tokio::time::sleep(SAMPLE_EVERY.min(deadline - Instant::now())).await;
        let t = start.elapsed();
        for r in &mut running {
            if let Some(kib) = r.server.rss_kib() {
                if t >= warm_up && r.rss_start.is_none() {
                    r.rss_start = Some(kib);
                    r.requests_at_start = r.target.tally.summary().requests();
                }
                r.rss_peak = r.rss_peak.max(kib);
            }
        }
        if let Some(redis) = &redis {
            if let Ok(counts) = redis_counts(redis, &kinds) {
                for (k, (_, n)) in keys.iter_mut().zip(counts) {
                    k.peak = k.peak.max(n);
                }
            }
            if let (Some(m), Ok(used)) = (&mut redis_memory, redis.used_memory()) {
                m.1 = m.1.max(used);
            }
        }
        if t >= next_progress && Instant::now() < deadline {
            next_progress += PROGRESS_EVERY;
            let line: Vec<String> = running
                .iter()
                .map(|r| {
                    let s = r.target.tally.summary();
                    format!(
                        "{}: {} requests, {} unexpected",
                        r.server.label,
                        s.requests(),
                        s.unexpected
                    )
                })
                .collect();
            println!("  {:>4} s  {}", t.as_secs(), line.join("; "));
        }
    }
    let mut client_panics = 0;
    for c in clients {
        if c.await.is_err() {
            client_panics += 1;
        }
    }
    let traffic = start.elapsed();
    let rss_end: Vec<Option<u64>> = running.iter().map(|r| r.server.rss_kib()).collect();

    // Everything the servers stored lives at most the longest lifetime after the last
    // request that wrote it: wait that long (and a little) for Redis to be back at baseline.
    println!("soak: traffic stopped after {:.1} s", traffic.as_secs_f64());
    let mut waited = Duration::ZERO;
    if let Some(redis) = &redis {
        let limit = longest_lifetime() + EXPIRY_SLACK;
        let since = Instant::now();
        println!(
            "soak: waiting up to {limit:?} for everything stored in Redis to expire \
             (revocations are remembered for an access token's lifetime plus the largest verifier leeway)"
        );
        let mut next_progress = PROGRESS_EVERY;
        loop {
            let counts = redis_counts(redis, &kinds)?;
            let back = keys.iter().zip(&counts).all(|(k, (_, n))| *n <= k.baseline);
            if since.elapsed() >= next_progress {
                next_progress += PROGRESS_EVERY;
                let now: Vec<String> = counts
                    .iter()
                    .map(|(what, n)| format!("{what}: {n}"))
                    .collect();
                println!("  {:>4} s  {}", since.elapsed().as_secs(), now.join(", "));
            }
            for (k, (_, n)) in keys.iter_mut().zip(counts) {
                k.after = n;
            }
            if back || since.elapsed() >= limit {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        waited = since.elapsed();
        if let Some(m) = &mut redis_memory {
            m.2 = redis.used_memory()?;
        }
    }
    let rss_after_expiry: Vec<Option<u64>> = running.iter().map(|r| r.server.rss_kib()).collect();

    let mut servers = Vec::new();
    for ((mut r, end), after) in running.into_iter().zip(rss_end).zip(rss_after_expiry) {
        let exited = r.server.exited();
        let log_path = r.server.log_path.clone();
        let label = r.server.label.clone();
        let log = r.server.stop();
        let (actions, statuses) = match r.kind {
            Kind::Session => (session_traffic::ACTIONS, session_traffic::STATUSES),
            Kind::JwtApi => (jwt_traffic::ACTIONS, jwt_traffic::STATUSES),
        };
        let summary = r.target.tally.summary();
        servers.push(ServerReport {
            requests_since_warm_up: summary.requests().saturating_sub(r.requests_at_start),
            label,
            store: r.store,
            log_path,
            summary,
            log,
            exited,
            rss_start: r.rss_start,
            rss_peak: r.rss_peak,
            rss_end: end,
            rss_after_expiry: after,
            actions,
            statuses,
        });
    }
    Ok(Report {
        duration: settings.duration,
        traffic,
        warm_up,
        servers,
        keys,
        redis_memory,
        waited,
        client_panics,
    })
}
