//! Side-by-side HTTP benchmark: `cargo run --release -p bench --bin http-bench -- [SECONDS] [ROUNDS]`.
//!
//! Starts one server per variant (each a single-threaded tokio runtime, pinned to CPU 0 with
//! `taskset` when available) and drives each with `wrk` (pinned to CPU 1, 1 thread, 32
//! connections), variants interleaved, ROUNDS times. Prints median requests/s and the median
//! of the per-round ratios against the same app with no auth: these machines are noisy, so
//! only ratios measured side by side mean anything.
//!
//! Needs `wrk` (`apt-get install wrk`). Loopback only; stops by itself.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

mod apps;
mod client;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Case {
    name: &'static str,
    server: &'static str,
    path: &'static str,
    /// The credential each request carries.
    auth: Auth,
}

/// How a case authenticates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// Nothing.
    None,
    /// A session cookie from the server's `/init`.
    Cookie,
    /// A bearer token from the server's `/token`.
    Bearer,
}

const CASES: &[Case] = &[
    Case {
        name: "no auth",
        server: "noauth",
        path: "/read",
        auth: Auth::None,
    },
    Case {
        name: "no auth + a no-op tower layer",
        server: "noop",
        path: "/read",
        auth: Auth::None,
    },
    Case {
        name: "ours: session layer, request without cookie",
        server: "ours",
        path: "/plain",
        auth: Auth::None,
    },
    Case {
        name: "ours: session read (memory store)",
        server: "ours",
        path: "/read",
        auth: Auth::Cookie,
    },
    Case {
        name: "ours: Identity extractor (memory store)",
        server: "ours",
        path: "/me",
        auth: Auth::Cookie,
    },
    Case {
        name: "ours: JwtLayer + Identity (ES256, cached)",
        server: "ours-jwt",
        path: "/me",
        auth: Auth::Bearer,
    },
    Case {
        name: "tower-sessions 0.15: session read (memory store)",
        server: "tower-sessions",
        path: "/read",
        auth: Auth::Cookie,
    },
    Case {
        name: "ours: session read (Redis)",
        server: "ours-redis",
        path: "/read",
        auth: Auth::Cookie,
    },
];

const SERVERS: &[(&str, u16)] = &[
    ("noauth", 18_081),
    ("noop", 18_084),
    ("ours", 18_082),
    ("tower-sessions", 18_083),
    ("ours-redis", 18_085),
    ("ours-jwt", 18_086),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        let port: u16 = args[3].parse().expect("port");
        apps::serve(&args[2], port);
        return;
    }
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    run(seconds, rounds);
}

fn has(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn pinned(cpu: &str, program: &str) -> Command {
    if has("taskset") {
        let mut c = Command::new("taskset");
        c.args(["-c", cpu, program]);
        c
    } else {
        Command::new(program)
    }
}

struct Servers(Vec<Child>);

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn run(seconds: u64, rounds: usize) {
    assert!(has("wrk"), "wrk is needed: apt-get install wrk");
    let exe = std::env::current_exe().expect("own path");
    let exe = exe.to_str().expect("utf-8 path");
    let mut children = Vec::new();
    for (name, port) in SERVERS {
        let child = pinned("0", exe)
            .args(["serve", name, &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn server");
        children.push(child);
    }
    let _servers = Servers(children);
    for (_, port) in SERVERS {
        client::wait_for(*port, Duration::from_secs(10));
    }

    let headers: Vec<Option<String>> = CASES
        .iter()
        .map(|c| match c.auth {
            Auth::None => None,
            Auth::Cookie => Some(format!(
                "Cookie: {}",
                client::init_cookie(port_of(c.server))
            )),
            Auth::Bearer => Some(format!(
                "Authorization: Bearer {}",
                client::get_body(port_of(c.server), "/token")
            )),
        })
        .collect();

    let mut results: Vec<Vec<f64>> = vec![Vec::new(); CASES.len()];
    for round in 0..rounds {
        for (i, case) in CASES.iter().enumerate() {
            let rps = wrk(
                port_of(case.server),
                case.path,
                headers[i].as_deref(),
                seconds,
            );
            println!("round {} {:<50} {:>10.0} req/s", round + 1, case.name, rps);
            results[i].push(rps);
        }
    }

    println!("\nmedian of {rounds} rounds, {seconds}s each, wrk -t1 -c32, server on 1 core:");
    println!("{:<50} {:>10} {:>8}", "variant", "req/s", "ratio");
    for (i, case) in CASES.iter().enumerate() {
        let ratios: Vec<f64> = results[i]
            .iter()
            .zip(&results[0])
            .map(|(x, base)| x / base)
            .collect();
        println!(
            "{:<50} {:>10.0} {:>8.2}",
            case.name,
            median(&results[i]),
            median(&ratios)
        );
    }
}

fn port_of(server: &str) -> u16 {
    SERVERS
        .iter()
        .find(|(n, _)| *n == server)
        .map(|(_, p)| *p)
        .expect("known server")
}

fn wrk(port: u16, path: &str, header: Option<&str>, seconds: u64) -> f64 {
    let mut cmd = pinned("1", "wrk");
    cmd.args(["-t1", "-c32", &format!("-d{seconds}s")]);
    if let Some(h) = header {
        cmd.args(["-H", h]);
    }
    cmd.arg(format!("http://127.0.0.1:{port}{path}"));
    let out = cmd.output().expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    if text.contains("Non-2xx") {
        panic!("wrk saw errors for {path} on {port}:\n{text}");
    }
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"))
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}
