//! Everything a run needs, started for the selected cases and stopped when dropped: one server
//! process per app (pinned to CPU 0), the private redis-server and the delaying proxy.

use crate::cases::{Case, Link};
use crate::delay_proxy::{self, DelayProxy};
use crate::redis_env::RedisServer;
use crate::{client, wrk};
use std::process::{Child, Stdio};
use std::time::Duration;

const FIRST_SERVER_PORT: u16 = 18_100;
const REDIS_PORT: u16 = 16_390;
const PROXY_PORT: u16 = 16_391;
/// Added per direction, so about 0.5 ms per round trip.
pub(crate) const ONE_WAY_DELAY: Duration = Duration::from_micros(250);

/// One app's server process.
struct App {
    kind: String,
    link: Link,
    port: u16,
    process: Child,
}

// Fields drop in order: the apps first, then the proxy, then Redis.
pub(crate) struct Env {
    apps: Vec<App>,
    pub(crate) proxy: Option<DelayProxy>,
    pub(crate) redis: Option<RedisServer>,
}

impl Env {
    pub(crate) fn start(cases: &[Case]) -> Self {
        let uses = |link| cases.iter().any(|c| c.link == link);
        let redis = (uses(Link::Near) || uses(Link::Far)).then(|| RedisServer::start(REDIS_PORT));
        let proxy =
            uses(Link::Far).then(|| DelayProxy::start(PROXY_PORT, REDIS_PORT, ONE_WAY_DELAY));
        let mut env = Self {
            apps: Vec::new(),
            proxy,
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
            match case.link {
                Link::NoRedis => {}
                Link::Near => _ = cmd.arg(RedisServer::url(REDIS_PORT)),
                Link::Far => _ = cmd.arg(RedisServer::url(PROXY_PORT)),
            }
            let process = cmd.stdout(Stdio::null()).spawn().expect("spawn server");
            env.apps.push(App {
                kind: case.kind.clone(),
                link: case.link,
                port,
                process,
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
        }
    }
}
