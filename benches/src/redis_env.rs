//! The harness's own redis-server (private port, no persistence), so nobody else's traffic
//! pollutes its `INFO commandstats`; stopped when dropped.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct RedisServer {
    child: Child,
    pub(crate) port: u16,
}

impl RedisServer {
    pub(crate) fn start(port: u16) -> Self {
        assert!(
            TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} is taken: the benchmark's private redis-server needs it"
        );
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is needed (apt-get install redis-server)");
        let mut server = Self { child, port };
        let start = Instant::now();
        while command(port, "PING").is_err() {
            assert!(
                server
                    .child
                    .try_wait()
                    .expect("redis-server status")
                    .is_none(),
                "redis-server on {port} exited"
            );
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub(crate) fn url(port: u16) -> String {
        format!("redis://127.0.0.1:{port}/")
    }

    /// Calls per command so far (the harness's own `INFO` excluded).
    pub(crate) fn commandstats(&self) -> BTreeMap<String, u64> {
        let text = command(self.port, "INFO commandstats").expect("INFO commandstats");
        text.lines()
            .filter_map(|l| {
                let (name, fields) = l.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = fields.split(',').find_map(|f| f.strip_prefix("calls="))?;
                (name != "info").then(|| (name.to_owned(), calls.parse().unwrap_or(0)))
            })
            .collect()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send one inline command, return its reply (a simple or bulk string) as text.
pub(crate) fn command(port: u16, inline: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(format!("{inline}\r\n").as_bytes())?;
    let mut reader = BufReader::new(s);
    let mut first = String::new();
    reader.read_line(&mut first)?;
    match first.as_bytes().first() {
        Some(b'+') => Ok(first[1..].trim_end().to_owned()),
        Some(b'$') => {
            let len: usize = first[1..]
                .trim_end()
                .parse()
                .map_err(std::io::Error::other)?;
            let mut body = vec![0; len + 2];
            reader.read_exact(&mut body)?;
            body.truncate(len);
            String::from_utf8(body).map_err(std::io::Error::other)
        }
        _ => Err(std::io::Error::other(format!("unexpected reply {first:?}"))),
    }
}

/// Calls of each command between two `commandstats` snapshots, largest first.
pub(crate) fn delta(
    before: &BTreeMap<String, u64>,
    after: &BTreeMap<String, u64>,
) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    out.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    out
}
