//! The example servers as child processes: started with the soak's lifetimes on a free
//! loopback port, their output copied to a log file and scanned line by line (errors,
//! warnings, panics), their resident memory read from `/proc`; killed when dropped.

use crate::settings::{Store, lifetime_env};
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How many log lines of each kind are kept word for word.
const SAMPLES: usize = 5;

/// What a server logged.
#[derive(Debug, Default, Clone)]
pub(crate) struct LogScan {
    pub(crate) lines: u64,
    /// Lines at ERROR level.
    pub(crate) errors: u64,
    /// Lines at WARN level.
    pub(crate) warnings: u64,
    /// Panic messages.
    pub(crate) panics: u64,
    pub(crate) error_samples: Vec<String>,
    pub(crate) warning_samples: Vec<String>,
}

impl LogScan {
    fn add(&mut self, line: &str) {
        self.lines += 1;
        // tracing's fmt layer writes "<time> <LEVEL> <target>: ..." (no colours: NO_COLOR).
        let level = line.split_whitespace().nth(1).unwrap_or("");
        if line.contains("panicked at") {
            self.panics += 1;
            keep(&mut self.error_samples, line);
        } else if level == "ERROR" {
            self.errors += 1;
            keep(&mut self.error_samples, line);
        } else if level == "WARN" {
            self.warnings += 1;
            keep(&mut self.warning_samples, line);
        }
    }
}

fn keep(samples: &mut Vec<String>, line: &str) {
    if samples.len() < SAMPLES {
        samples.push(line.chars().take(300).collect());
    }
}

/// One example server.
pub(crate) struct Server {
    pub(crate) label: String,
    pub(crate) port: u16,
    pub(crate) log_path: PathBuf,
    child: Child,
    scan: Arc<Mutex<LogScan>>,
    readers: Vec<JoinHandle<()>>,
}

/// A loopback port nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    /// Start `bin` (`session` or `jwt-api`) from `bin_dir` on `store` (`redis_url` for
    /// Redis), logging to `log_dir`; returns once it accepts connections.
    pub(crate) fn start(
        bin_dir: &Path,
        bin: &str,
        store: Store,
        redis_url: Option<&str>,
        log_dir: &Path,
    ) -> Result<Self, String> {
        let label = format!("{bin} on {}", store.name());
        let port = free_port().map_err(|e| format!("{label}: no free port: {e}"))?;
        let path = bin_dir.join(bin);
        let mut cmd = Command::new(&path);
        cmd.env("PORT", port.to_string())
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info")
            .env("RUST_BACKTRACE", "1")
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .env_remove("SECURE_COOKIE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in lifetime_env() {
            cmd.env(name, value);
        }
        if store == Store::Redis {
            let url = redis_url.ok_or_else(|| format!("{label}: no Redis URL"))?;
            cmd.env("REDIS_URL", url);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("{label}: cannot start {}: {e}", path.display()))?;
        let log_path = log_dir.join(format!("{bin}-{}.log", store.name()));
        let log = Arc::new(Mutex::new(
            std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?,
        ));
        let scan = Arc::new(Mutex::new(LogScan::default()));
        let mut readers = Vec::new();
        if let Some(out) = child.stdout.take() {
            readers.push(reader(out, scan.clone(), log.clone()));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(reader(err, scan.clone(), log));
        }
        let mut server = Self {
            label,
            port,
            log_path,
            child,
            scan,
            readers,
        };
        server.wait_until_listening(Duration::from_secs(60))?;
        Ok(server)
    }

    fn wait_until_listening(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.exited() {
                return Err(format!(
                    "{} exited while starting ({status}); log: {}",
                    self.label,
                    self.log_path.display()
                ));
            }
            if start.elapsed() > limit {
                return Err(format!("{} did not listen within {limit:?}", self.label));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// How the process ended, if it has.
    pub(crate) fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// Resident memory (`VmRSS`), in KiB.
    pub(crate) fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }

    /// Stop the process and read the rest of its output; what it logged, all told.
    pub(crate) fn stop(mut self) -> LogScan {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        self.scan
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copy `from` into `log` line by line, scanning each.
fn reader(
    from: impl Read + Send + 'static,
    scan: Arc<Mutex<LogScan>>,
    log: Arc<Mutex<std::fs::File>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        use std::io::Write as _;
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            scan.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .add(&line);
            let mut log = log
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = writeln!(log, "{line}");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_levels_and_panics_are_told_apart() {
        let mut scan = LogScan::default();
        scan.add("2026-12-05T22:00:00.000000Z  INFO examples::support: session example on http://127.0.0.1:1");
        scan.add(
            "2026-12-05T22:00:00.000000Z  WARN auth_tower::session: session cookie is not Secure",
        );
        scan.add("2026-12-05T22:00:00.000000Z ERROR auth_tower::session: store unreachable");
        scan.add("thread 'tokio-runtime-worker' panicked at src/x.rs:1:1:");
        scan.add("2026-12-05T22:00:00.000000Z  INFO x: the word ERROR in a message");
        assert_eq!(scan.lines, 5);
        assert_eq!(scan.warnings, 1);
        assert_eq!(scan.errors, 1);
        assert_eq!(scan.panics, 1);
        assert_eq!(scan.error_samples.len(), 2);
    }
}
