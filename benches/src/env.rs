//! Everything a run needs, started for the selected cases and stopped when dropped: one server
//! process per app (pinned to CPU 0), the private redis-server, the delaying proxies, and a
//! fresh database of its own on the machine's PostgreSQL for each PostgreSQL app (so the
//! database's transaction count is that app's alone).

use crate::cases::{Case, Link};
use crate::delay_proxy::{self, DelayProxy};
use crate::redis_env::RedisServer;
use crate::{client, wrk};
use std::process::{Child, Stdio};
use std::time::Duration;

const FIRST_SERVER_PORT: u16 = 18_100;
const REDIS_PORT: u16 = 16_390;
const PROXY_PORT: u16 = 16_391;
/// The machine's PostgreSQL (trust authentication for `postgres` on loopback, as in CI).
const POSTGRES_PORT: u16 = 5432;
const POSTGRES_PROXY_PORT: u16 = 16_392;
/// Added per direction, so about 0.5 ms per round trip.
pub(crate) const ONE_WAY_DELAY: Duration = Duration::from_micros(250);

/// One app's server process.
struct App {
    kind: String,
    link: Link,
    port: u16,
    process: Child,
    /// The app's own database, for a PostgreSQL app.
    database: Option<String>,
}

// Fields drop in order: the apps first, then the proxies, then Redis.
pub(crate) struct Env {
    apps: Vec<App>,
    pub(crate) proxy: Option<DelayProxy>,
    /// Held for its `Drop`: stopped after the apps.
    _postgres_proxy: Option<DelayProxy>,
    pub(crate) redis: Option<RedisServer>,
}

impl Env {
    pub(crate) fn start(cases: &[Case]) -> Self {
        let uses = |link| cases.iter().any(|c| c.link == link);
        let redis = (uses(Link::Near) || uses(Link::Far)).then(|| RedisServer::start(REDIS_PORT));
        let proxy =
            uses(Link::Far).then(|| DelayProxy::start(PROXY_PORT, REDIS_PORT, ONE_WAY_DELAY));
        let postgres_proxy = uses(Link::PostgresFar)
            .then(|| DelayProxy::start(POSTGRES_PROXY_PORT, POSTGRES_PORT, ONE_WAY_DELAY));
        let mut env = Self {
            apps: Vec::new(),
            proxy,
            _postgres_proxy: postgres_proxy,
            redis,
        };
        let exe = std::env::current_exe().expect("own path");
        let exe = exe.to_str().expect("utf-8 path");
        for case in cases {
            if env.find(case).is_some() {
                continue;
            }
            let port = FIRST_SERVER_PORT + u16::try_from(env.apps.len()).expect("ports");
            let mut cmd = wrk::pinned("0", exe);
            cmd.args(["serve", &case.kind, &port.to_string()]);
            let database = case.link.is_postgres().then(|| {
                let name = format!("http_bench_{port}");
                psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                psql(&format!("CREATE DATABASE {name}"));
                name
            });
            match (case.link, &database) {
                (Link::Near, _) => _ = cmd.arg(RedisServer::url(REDIS_PORT)),
                (Link::Far, _) => _ = cmd.arg(RedisServer::url(PROXY_PORT)),
                (Link::Postgres, Some(db)) => _ = cmd.arg(postgres_url(POSTGRES_PORT, db)),
                (Link::PostgresFar, Some(db)) => {
                    _ = cmd.arg(postgres_url(POSTGRES_PROXY_PORT, db));
                }
                _ => {}
            }
            let process = cmd.stdout(Stdio::null()).spawn().expect("spawn server");
            env.apps.push(App {
                kind: case.kind.clone(),
                link: case.link,
                port,
                process,
                database,
            });
        }
        for app in &mut env.apps {
            client::wait_for(app.port, Duration::from_secs(30), || {
                app.process.try_wait().expect("server status").is_none()
            });
        }
        env
    }

    fn find(&self, case: &Case) -> Option<u16> {
        self.apps
            .iter()
            .find(|app| app.kind == case.kind && app.link == case.link)
            .map(|app| app.port)
    }

    /// The port of the server that answers `case`.
    pub(crate) fn port(&self, case: &Case) -> u16 {
        self.find(case).expect("a server for every case")
    }

    /// Stop every app (so PostgreSQL's backends exit and flush their statistics), then the
    /// transactions each case's database ran, for the PostgreSQL cases: one app serves every
    /// case of its kind and link, so a case gets its app's count.
    pub(crate) fn stop_and_count_transactions(&mut self, cases: &[Case]) -> Vec<Option<u64>> {
        for app in &mut self.apps {
            let _ = app.process.kill();
            let _ = app.process.wait();
        }
        // A backend reports its counts when it exits; give the statistics a moment to land.
        std::thread::sleep(Duration::from_millis(1500));
        cases
            .iter()
            .map(|case| {
                let app = self
                    .apps
                    .iter()
                    .find(|a| a.kind == case.kind && a.link == case.link)?;
                let db = app.database.as_ref()?;
                psql(&format!(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{db}'"
                ))
                .trim()
                .parse()
                .ok()
            })
            .collect()
    }

    /// Redis `PING` round trips, direct and through the proxy, for the report.
    pub(crate) fn redis_rtt(&self) -> Option<(Duration, Option<Duration>)> {
        let redis = self.redis.as_ref()?;
        Some((
            delay_proxy::ping_rtt(redis.port),
            self.proxy.as_ref().map(|p| delay_proxy::ping_rtt(p.port)),
        ))
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        for app in &mut self.apps {
            let _ = app.process.kill();
            let _ = app.process.wait();
            if let Some(db) = &app.database {
                psql(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
    }
}

fn postgres_url(port: u16, database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:{port}/{database}")
}

/// Run one SQL command on the machine's PostgreSQL with `psql`; its unaligned output.
fn psql(sql: &str) -> String {
    let out = std::process::Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &POSTGRES_PORT.to_string()])
        .args(["-U", "postgres", "-d", "postgres", "-Atqc", sql])
        .output()
        .expect("psql is needed for the PostgreSQL variants (apt-get install postgresql-client)");
    assert!(
        out.status.success(),
        "psql {sql:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
