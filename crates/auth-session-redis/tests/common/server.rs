//! redis-server processes started by tests: free loopback ports, temp dirs, and a Drop guard
//! that kills them (also when a test panics).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `redis-server` can be run. Missing: a skip message, or in CI a panic.
pub fn redis_server_available() -> bool {
    let ok = Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            !super::in_ci(),
            "CI is set but redis-server is not installed"
        );
        eprintln!("SKIPPED: redis-server is not installed (set CI=1 to make this a failure)");
    }
    ok
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A free loopback port in `range` whose cluster bus port (+10000) is free too, starting at a
/// pseudo-random offset so parallel runs rarely race for the same one.
pub fn free_port(range: std::ops::Range<u16>, with_bus: bool) -> u16 {
    let span = range.end - range.start;
    let start = (std::process::id() as u16).wrapping_mul(7) % span;
    for i in 0..span {
        let port = range.start + (start + i) % span;
        if port_is_free(port) && (!with_bus || port_is_free(port + 10_000)) {
            return port;
        }
    }
    panic!("no free port in {range:?}");
}

/// One redis-server child process.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: PathBuf,
    cluster: bool,
    extra: Vec<String>,
}

impl RedisServer {
    /// Start a server on `port` (persistence off), and wait until it answers PING.
    pub fn start(port: u16, cluster: bool) -> Self {
        Self::spawn_new(port, cluster, &[])
    }

    /// Start a (non-cluster) server with extra `redis-server` arguments.
    pub fn start_with(port: u16, extra: &[&str]) -> Self {
        Self::spawn_new(port, false, extra)
    }

    fn spawn_new(port: u16, cluster: bool, extra: &[&str]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "auth-session-redis-test-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = Self {
            child: None,
            port,
            dir,
            cluster,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new("redis-server");
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.cluster {
            cmd.args(["--cluster-enabled", "yes", "--cluster-node-timeout", "5000"])
                .arg("--cluster-config-file")
                .arg(self.dir.join("nodes.conf"));
        }
        self.child = Some(cmd.spawn().expect("start redis-server"));
        self.wait_until_up();
    }

    fn wait_until_up(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let pong = redis::Client::open(self.url())
                .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(200)))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c));
            if pong.is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on {} did not start",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kill the process (SIGKILL) and wait for it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Send a signal (`STOP`, `CONT`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().expect("running");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success());
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            // A stopped process must be continued to die promptly.
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(pid.to_string())
                .status();
        }
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
