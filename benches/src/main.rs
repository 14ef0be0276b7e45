//! Side-by-side HTTP benchmark of our layers against no auth and against peer crates:
//!
//! ```text
//! cargo run --release -p bench --bin http-bench -- [SECONDS] [ROUNDS] [--only SUBSTRING]
//! cargo run --release -p bench --bin http-bench -- --smoke [--only SUBSTRING]
//! ```
//!
//! Starts one server process per app (a single-threaded tokio runtime, pinned to CPU 0 with
//! `taskset` when available), a private `redis-server --save ""`, a database of each
//! PostgreSQL app's own on the machine's PostgreSQL (127.0.0.1:5432, user `postgres`) and, for
//! the "+0.5ms" variants, a proxy that delays the store's traffic; drives each variant with `wrk -t1 -c32
//! --latency` pinned to CPU 1, variants interleaved, ROUNDS times (default 3 s a run, 3 rounds), "no auth"
//! again after every variant. Prints median req/s, p50/p99 latency, each round's ratio to the "no auth" runs
//! just before and after the variant and their median (these machines are noisy: only ratios
//! measured side by side mean anything), Redis commands or PostgreSQL transactions per
//! request, and a markdown table. Any non-2xx answer stops the run. `--smoke` makes one request per variant
//! instead (no wrk). Needs `wrk` and `redis-server`; loopback only; stops everything it
//! started when it exits.

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

mod cases;
mod client;
mod delay_proxy;
mod env;
mod keys;
mod redis_env;
mod report;
mod run;
mod servers;
mod smoke;
mod wrk;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("serve") {
        let port = args
            .get(2)
            .and_then(|p| p.parse().ok())
            .expect("serve KIND PORT [STORE_URL]");
        servers::serve(&args[1], port, args.get(3).map(String::as_str));
        return;
    }
    let mut positional = Vec::new();
    let (mut only, mut smoke) = (None, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--only" => only = Some(it.next().expect("--only SUBSTRING").as_str()),
            "--smoke" => smoke = true,
            "-h" | "--help" => {
                println!(
                    "http-bench [SECONDS] [ROUNDS] [--only SUBSTRING] | --smoke [--only SUBSTRING]"
                );
                return;
            }
            other => positional.push(
                other
                    .parse::<u64>()
                    .unwrap_or_else(|_| panic!("unexpected argument {other:?}; see --help")),
            ),
        }
    }
    let cases = cases::select(only);
    if smoke {
        smoke::smoke(&cases);
        return;
    }
    // 3 s a run: with no auth after every variant, 3 s keeps a round as long as 5 s runs with
    // no auth every four variants did, and each ratio's baseline 3 s away.
    let seconds = positional.first().copied().unwrap_or(3);
    let rounds = positional.get(1).copied().unwrap_or(3);
    run::run(seconds, usize::try_from(rounds).expect("rounds"), &cases);
}
