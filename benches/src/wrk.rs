//! The load generator: `wrk -t1 -c32 --latency`, pinned to CPU 1, and what we read from it.

use std::process::{Command, Stdio};

/// One wrk run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) rps: f64,
    pub(crate) requests: u64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
}

pub(crate) fn has(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `program` pinned to `cpu` with taskset, when there is one.
pub(crate) fn pinned(cpu: &str, program: &str) -> Command {
    if has("taskset") {
        let mut c = Command::new("taskset");
        c.args(["-c", cpu, program]);
        c
    } else {
        Command::new(program)
    }
}

/// Drive `http://127.0.0.1:{port}{path}` for `seconds`; panics on any non-2xx answer or socket
/// error, so no variant can drop out silently.
pub(crate) fn run(name: &str, port: u16, path: &str, header: Option<&str>, seconds: u64) -> Sample {
    let mut cmd = pinned("1", "wrk");
    cmd.args(["-t1", "-c32", "--latency", &format!("-d{seconds}s")]);
    if let Some(h) = header {
        cmd.args(["-H", h]);
    }
    cmd.arg(format!("http://127.0.0.1:{port}{path}"));
    let out = cmd.output().expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "wrk failed for {name}:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse(&text).unwrap_or_else(|problem| panic!("{name}: {problem}; wrk said:\n{text}"))
}

fn parse(text: &str) -> Result<Sample, String> {
    if let Some(line) = text.lines().find(|l| l.contains("Non-2xx")) {
        return Err(format!("non-2xx answers ({})", line.trim()));
    }
    if let Some(line) = text.lines().find(|l| l.contains("Socket errors")) {
        return Err(format!("socket errors ({})", line.trim()));
    }
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or("no Requests/sec")?;
    let requests = text
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.parse().ok())
        .ok_or("no request count")?;
    let percentile = |p: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(p))
            .and_then(|v| millis(v.trim()))
            .ok_or(format!("no {p} latency"))
    };
    Ok(Sample {
        rps,
        requests,
        p50_ms: percentile("50%")?,
        p99_ms: percentile("99%")?,
    })
}

/// wrk's `812.00us`, `1.23ms`, `2.01s` in milliseconds.
fn millis(v: &str) -> Option<f64> {
    let (number, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = v.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (v.strip_suffix('s')?, 1000.0)
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}
