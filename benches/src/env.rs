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

// Fields drop in order: the apps first, then the proxy, then Redis.
pub(crate) struct Env {
    servers: Vec<(String, Link, u16, Child)>,
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
            servers: Vec::new(),
            proxy,
            redis,
        };
        let exe = std::env::current_exe().expect("own path");
        let exe = exe.to_str().expect("utf-8 path");
        for case in cases {
            if env.find(case).is_some() {
                continue;
            }
            let port = FIRST_SERVER_PORT + u16::try_from(env.servers.len()).expect("ports");
            let mut cmd = wrk::pinned("0", exe);
            cmd.args(["serve", &case.kind, &port.to_string()]);
            match case.link {
                Link::NoRedis => {}
                Link::Near => _ = cmd.arg(RedisServer::url(REDIS_PORT)),
                Link::Far => _ = cmd.arg(RedisServer::url(PROXY_PORT)),
            }
            let child = cmd.stdout(Stdio::null()).spawn().expect("spawn server");
            env.servers
                .push((case.kind.clone(), case.link, port, child));
        }
        for (_, _, port, child) in &mut env.servers {
            client::wait_for(*port, Duration::from_secs(30), || {
                child.try_wait().expect("server status").is_none()
            });
        }
        env
    }

    fn find(&self, case: &Case) -> Option<u16> {
        self.servers
            .iter()
            .find(|(kind, link, _, _)| *kind == case.kind && *link == case.link)
            .map(|(_, _, port, _)| *port)
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
        for (_, _, _, child) in &mut self.servers {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
