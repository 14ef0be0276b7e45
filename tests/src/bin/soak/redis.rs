//! Redis for the soak: a private `redis-server` (no persistence, a free port) unless a URL is
//! given, and the few questions the report asks it (keys under a prefix, the revocation set's
//! size, memory used), over a plain RESP connection.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Redis the servers share.
pub(crate) struct Redis {
    /// `redis://127.0.0.1:PORT/`.
    pub(crate) url: String,
    addr: String,
    child: Option<Child>,
}

impl Redis {
    /// A private `redis-server` on a free loopback port.
    pub(crate) fn start() -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port for redis-server: {e}"))?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!("cannot start redis-server (apt-get install redis-server): {e}")
            })?;
        let redis = Self {
            url: format!("redis://127.0.0.1:{port}/"),
            addr: format!("127.0.0.1:{port}"),
            child: Some(child),
        };
        let start = Instant::now();
        while redis.call(&["PING"]).is_err() {
            if start.elapsed() > Duration::from_secs(10) {
                return Err(format!("redis-server on {port} did not answer within 10 s"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(redis)
    }

    /// The Redis at `url` (`redis://host:port[/db]`, no password; database 0).
    pub(crate) fn existing(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| format!("{url:?}: only redis://host:port/ URLs"))?;
        let host = rest.split('/').next().unwrap_or(rest);
        if host.contains('@') {
            return Err(format!(
                "{url:?}: no password support in the soak's own client"
            ));
        }
        let redis = Self {
            url: url.to_owned(),
            addr: host.to_owned(),
            child: None,
        };
        redis.call(&["PING"])?;
        Ok(redis)
    }

    /// Keys whose names start with `prefix`.
    pub(crate) fn keys_under(&self, prefix: &str) -> Result<u64, String> {
        let pattern = format!("{}*", prefix.replace('*', "\\*").replace('?', "\\?"));
        self.integer(&["EVAL", "return #redis.call('KEYS', ARGV[1])", "0", &pattern])
    }

    /// Members of a sorted set (the revocation list is `<prefix>rev`).
    pub(crate) fn zcard(&self, key: &str) -> Result<u64, String> {
        self.integer(&["ZCARD", key])
    }

    /// `used_memory` from `INFO memory`, in bytes.
    pub(crate) fn used_memory(&self) -> Result<u64, String> {
        let info = self.call(&["INFO", "memory"])?;
        let text = match info {
            Value::Bulk(text) => text,
            other => return Err(format!("INFO memory: {other:?}")),
        };
        text.lines()
            .find_map(|l| l.strip_prefix("used_memory:"))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| "no used_memory in INFO".to_owned())
    }

    fn integer(&self, args: &[&str]) -> Result<u64, String> {
        match self.call(args)? {
            Value::Integer(n) => u64::try_from(n).map_err(|e| e.to_string()),
            other => Err(format!("{}: {other:?}", args[0])),
        }
    }

    /// One command on a fresh connection.
    fn call(&self, args: &[&str]) -> Result<Value, String> {
        let io = |e: std::io::Error| format!("Redis at {}: {e}", self.addr);
        let mut stream = TcpStream::connect(&self.addr).map_err(io)?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(io)?;
        let mut request = format!("*{}\r\n", args.len());
        for a in args {
            request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream.write_all(request.as_bytes()).map_err(io)?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(io)?;
        let (kind, rest) = line.split_at(line.len().min(1));
        let rest = rest.trim_end();
        match kind {
            "+" => Ok(Value::Simple),
            ":" => rest.parse().map(Value::Integer).map_err(|e| e.to_string()),
            "$" => {
                let len: usize = rest.parse().map_err(|e| format!("bulk length: {e}"))?;
                let mut body = vec![0; len + 2];
                reader.read_exact(&mut body).map_err(io)?;
                body.truncate(len);
                String::from_utf8(body)
                    .map(Value::Bulk)
                    .map_err(|e| e.to_string())
            }
            "-" => Err(format!("Redis: {rest}")),
            _ => Err(format!("unexpected Redis reply {line:?}")),
        }
    }
}

/// The replies the soak reads.
#[derive(Debug)]
enum Value {
    Simple,
    Integer(i64),
    Bulk(String),
}

impl Drop for Redis {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
