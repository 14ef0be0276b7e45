//! `redis-server` processes started by tests: free loopback ports, a scratch directory each, and
//! Drop guards that kill them (also when a test panics).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// Ports are handed out from here. Their cluster bus ports (+10 000) stay below Linux's
/// ephemeral range (32 768 and up), so an outgoing connection never takes one.
const PORTS: std::ops::Range<u16> = 10_000..22_000;

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// A loopback port that is free and whose cluster bus port (+10 000) is free too. Each call in
/// a process starts after the previous one, from a per-process offset, so two servers of one
/// test (or of two test processes) rarely race for a port.
fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let span = PORTS.end - PORTS.start;
    let offset = (std::process::id() as u16).wrapping_mul(61) % span;
    for _ in 0..span {
        let i = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = PORTS.start + offset.wrapping_add(i) % span;
        if port_is_free(port) && port_is_free(port + 10_000) {
            return port;
        }
    }
    panic!("no free loopback port in {PORTS:?}");
}

/// One `redis-server` child process on a loopback port, persistence off, in its own scratch
/// directory. Killed (and its directory removed) when dropped.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    /// The TLS port, for a server started with [`start_tls`](RedisServer::start_tls).
    tls_port: Option<u16>,
    dir: PathBuf,
    args: Vec<String>,
}

impl RedisServer {
    /// Start a server on a free port and wait until it answers `PING`.
    ///
    /// # Panics
    /// When `redis-server` is not installed or does not answer within 10 s.
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// Start a server with extra `redis-server` arguments (`["--maxmemory", "1mb"]`).
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn start_with(extra: &[&str]) -> Self {
        let mut server = Self::unstarted(extra.iter().map(|s| (*s).to_owned()).collect());
        server.spawn();
        server
    }

    /// Start a server that also speaks TLS (with `ca`'s server certificate) on a second port,
    /// plus `extra` arguments; [`tls_url`](Self::tls_url) is its `rediss://` URL. Clients are
    /// not asked for certificates. The plain port stays open for the harness's own checks.
    ///
    /// # Panics
    /// As [`start`](Self::start); also when the scratch files cannot be written.
    pub fn start_tls(ca: &crate::ThrowawayCa, extra: &[&str]) -> Self {
        let mut server = Self::unstarted(extra.iter().map(|s| (*s).to_owned()).collect());
        let write = |name: &str, pem: &str| {
            let path = server.dir.join(name);
            std::fs::write(&path, pem).expect("write a TLS file for redis-server");
            path.display().to_string()
        };
        let cert = write("server.crt", &ca.server_cert_pem);
        let key = write("server.key", &ca.server_key_pem);
        let root = write("ca.crt", &ca.ca_pem);
        let tls_port = free_port();
        server.tls_port = Some(tls_port);
        server.args.extend(
            [
                "--tls-port",
                &tls_port.to_string(),
                "--tls-cert-file",
                &cert,
                "--tls-key-file",
                &key,
                "--tls-ca-cert-file",
                &root,
                "--tls-auth-clients",
                "no",
            ]
            .map(str::to_owned),
        );
        server.spawn();
        server
    }

    /// `rediss://localhost:TLS_PORT/` for a server started with [`start_tls`](Self::start_tls).
    ///
    /// # Panics
    /// For a server without TLS.
    pub fn tls_url(&self) -> String {
        let port = self.tls_port.expect("a server started with start_tls");
        format!("rediss://localhost:{port}/")
    }

    /// Start a cluster-enabled node (no slots yet: [`RedisCluster`](crate::RedisCluster) assigns them), with a
    /// node timeout of 5 s.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn start_cluster_node() -> Self {
        Self::start_cluster_node_with(Duration::from_secs(5))
    }

    /// Start a cluster-enabled node whose peers are judged failed after `node_timeout`
    /// without an answer (`cluster-node-timeout`: how soon a replica takes over from a dead
    /// master).
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn start_cluster_node_with(node_timeout: Duration) -> Self {
        let mut server = Self::unstarted(Vec::new());
        let nodes = server.dir.join("nodes.conf");
        server.args.extend([
            "--cluster-enabled".to_owned(),
            "yes".to_owned(),
            "--cluster-node-timeout".to_owned(),
            node_timeout.as_millis().to_string(),
            "--cluster-config-file".to_owned(),
            nodes.display().to_string(),
        ]);
        server.spawn();
        server
    }

    fn unstarted(args: Vec<String>) -> Self {
        let port = free_port();
        let dir =
            std::env::temp_dir().join(format!("test-support-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the redis-server scratch directory");
        Self {
            child: None,
            port,
            tls_port: None,
            dir,
            args,
        }
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "this test needs `redis-server` on PATH ({e}); install it \
                     (`apt-get install redis-server`), or run the suite without --include-ignored"
                )
            });
        self.child = Some(child);
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
                "redis-server on port {} did not answer within 10 s",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Kill the process (SIGKILL) and wait for it to end.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kill it and start it again on the same port, empty (nothing is persisted).
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// Send a signal by name (`STOP` freezes it, `CONT` thaws it).
    ///
    /// # Panics
    /// When it is not running or `kill` fails.
    pub fn signal(&self, signal: &str) {
        let pid = self.pid().expect("the redis-server is running");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} {pid} failed");
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
