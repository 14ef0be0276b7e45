//! The soak run: minutes of mixed traffic against the `session` and `jwt-api` example servers,
//! on memory and on Redis, then a report and a verdict.
//!
//! ```text
//! cargo run --release -p e2e --bin soak -- [--minutes N | --seconds N] [--store memory|redis|both]
//!     [--workers N] [--redis-url URL] [--bin-dir DIR]
//! ```
//!
//! Each example runs as a child process (built next to this program; under `cargo run` the
//! soak builds them first), with short lifetimes (sessions 8 s idle / 20 s absolute, access
//! tokens 5 s, refresh families 20 s, throttle locks up to 2 s, forgotten 5 s later) so that
//! everything it stores expires many times over during the run; revocations are kept for an
//! access token's lifetime plus the largest verifier leeway (305 s), so the soak waits that
//! long after the traffic for Redis to be back at its baseline. Redis is a private
//! `redis-server` on a free port unless `--redis-url` names one. Clients log in and out, read,
//! write, refresh, log out everywhere, and send wrong passwords, forged and expired tokens,
//! bad cookies and cross-site POSTs; every request has the statuses it may get.
//!
//! Passes when: no request got an unexpected status or no answer; the servers logged no error
//! and no panic and are still running; each server's resident memory at the end is within
//! 25 % + 8 MiB of what it was after the warm-up; on Redis, the keys under each example's
//! prefix and the revocation set are back at their baseline once everything has expired;
//! and every action of the mix ran and every status it is meant to provoke was seen.

#![allow(clippy::print_stdout, clippy::print_stderr)]

mod accounts;
mod children;
mod forge;
mod http;
mod jwt_traffic;
mod redis;
mod report;
mod run;
mod session_traffic;
mod settings;
mod tally;
mod target;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{}", settings::USAGE);
        return ExitCode::SUCCESS;
    }
    let settings = match settings::Settings::parse(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("soak: no tokio runtime: {e}");
            return ExitCode::from(2);
        }
    };
    // On SIGINT or SIGTERM the run is dropped, and with it every server and the private
    // redis-server it started (their `Drop` kills them): a stopped soak leaves nothing behind.
    let outcome = runtime.block_on(async {
        tokio::select! {
            outcome = run::run(&settings) => Some(outcome),
            signal = stop_signal() => {
                eprintln!("soak: {signal}: stopping the servers it started");
                None
            }
        }
    });
    let Some(outcome) = outcome else {
        return ExitCode::from(130);
    };
    match outcome {
        Ok(report) => {
            report.print();
            if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("soak: {e}");
            ExitCode::from(2)
        }
    }
}

/// The first SIGINT or SIGTERM (or, where there are no Unix signals, Ctrl-C); never, if no
/// handler can be installed (the default actions then apply).
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl-C",
            Err(_) => std::future::pending().await,
        }
    }
}
