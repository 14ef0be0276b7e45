//! A `redis-server` of the test's own on a free loopback port, that the test can kill and
//! restart. Stopped when dropped.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A redis-server process started by a test.
#[derive(Debug)]
pub struct RedisServer {
    port: u16,
    child: Option<Child>,
}

impl RedisServer {
    /// Whether `redis-server` can be run here. Outside CI a missing binary is a skip; with `CI`
    /// set it is a failure.
    ///
    /// # Panics
    /// In CI, when `redis-server` is missing.
    pub fn available() -> bool {
        let found = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI: redis-server is required"
            );
            eprintln!("SKIPPED: redis-server is not installed (apt-get install redis-server)");
        }
        found
    }

    /// Start one on a free port.
    ///
    /// # Panics
    /// If it does not start within 5 s.
    pub fn start() -> Self {
        let port = free_port();
        let mut server = Self { port, child: None };
        server.restart();
        server
    }

    /// `redis://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kill it (SIGKILL) and wait for the process to end.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start it again on the same port (empty: nothing is persisted).
    ///
    /// # Panics
    /// If it does not answer within 5 s.
    #[allow(clippy::expect_used)]
    pub fn restart(&mut self) {
        self.kill();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        self.child = Some(child);
        let start = Instant::now();
        while !self.ping() {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn ping(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut buf = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[allow(clippy::expect_used)]
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// The machine's Redis at 127.0.0.1:6379, or one of our own if that is not reachable.
/// `None` when neither can be had: the test should return (a skip, printed); in CI
/// (`CI` set) that is a failure instead.
///
/// # Panics
/// In CI, when no Redis can be had.
pub fn redis_for_test() -> Option<(String, Option<RedisServer>)> {
    let shared = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:6379".parse().expect("a socket address"),
        Duration::from_millis(200),
    )
    .ok()
    .and_then(|mut s| {
        s.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
        s.write_all(b"PING\r\n").ok()?;
        let mut buf = [0u8; 7];
        s.read_exact(&mut buf).ok()?;
        (&buf == b"+PONG\r\n").then_some(())
    });
    if shared.is_some() {
        return Some(("redis://127.0.0.1:6379/".to_owned(), None));
    }
    if !RedisServer::available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Redis on 127.0.0.1:6379 and no redis-server to start (CI is set, so this is a failure)"
        );
        eprintln!("SKIPPED: no Redis on 127.0.0.1:6379 and no redis-server to start");
        return None;
    }
    let server = RedisServer::start();
    Some((server.url(), Some(server)))
}
