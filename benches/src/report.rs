//! What the run prints: a line per measurement, then per variant the medians, the per-round
//! ratios and Redis commands per request, then a markdown table for the README.

use crate::cases::Case;
use crate::env::ONE_WAY_DELAY;
use crate::run::BLOCK;
use crate::wrk::Sample;
use std::collections::BTreeMap;
use std::time::Duration;

const W: usize = 72;

/// Everything measured for one variant across the rounds.
#[derive(Default)]
pub(crate) struct Measured {
    pub(crate) samples: Vec<Sample>,
    pub(crate) ratios: Vec<f64>,
    /// Redis calls per command, summed over the rounds, and the requests they served.
    pub(crate) redis_calls: BTreeMap<String, u64>,
    pub(crate) redis_requests: u64,
    /// PostgreSQL transactions per request (each of our queries is one), for the PostgreSQL
    /// variants; the run's set-up (migrations, logins) is included and negligible.
    pub(crate) db_per_request: Option<f64>,
}

impl Measured {
    fn median_of(&self, f: impl Fn(&Sample) -> f64) -> f64 {
        median(&self.samples.iter().map(f).collect::<Vec<_>>())
    }

    /// Redis commands per request, in total and the three most frequent.
    fn redis_per_request(&self) -> Option<(f64, String)> {
        if self.redis_requests == 0 {
            return None;
        }
        let requests = self.redis_requests as f64;
        let total: u64 = self.redis_calls.values().sum();
        let mut by_count: Vec<_> = self.redis_calls.iter().collect();
        by_count.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
        let top = by_count
            .iter()
            .take(3)
            .map(|(c, n)| match **n as f64 / requests {
                x if x < 0.005 => format!("{c} <0.01"),
                x => format!("{c} {x:.2}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some((total as f64 / requests, top))
    }
}

pub(crate) fn preamble(seconds: u64, rounds: usize, rtt: Option<(Duration, Option<Duration>)>) {
    println!(
        "{rounds} interleaved rounds of {seconds}s: server on CPU 0 (1 tokio worker), wrk -t1 -c32 on CPU 1"
    );
    if let Some((near, far)) = rtt {
        print!("Redis PING round trip: {:.0}us direct", micros(near));
        match far {
            Some(far) => println!(
                ", {:.0}us through the delay proxy ({}us each way requested)",
                micros(far),
                ONE_WAY_DELAY.as_micros()
            ),
            None => println!(),
        }
    }
    println!();
}

pub(crate) fn round_line(round: usize, case: &Case, s: &Sample, ratio: f64) {
    println!(
        "round {round} {:<W$} {:>9.0} req/s  p50 {:>6.2}ms  p99 {:>6.2}ms  {ratio:>5.2}",
        case.name, s.rps, s.p50_ms, s.p99_ms
    );
}

pub(crate) fn summary(seconds: u64, rounds: usize, cases: &[Case], results: &[Measured]) {
    println!(
        "\nmedians of {rounds} rounds, {seconds}s each; ratio = req/s over the mean of the no-auth \
         runs just before and after it (no auth runs after every {BLOCK} variant(s))"
    );
    println!(
        "{:<W$} {:>9} {:>8} {:>8} {:>6}  per-round ratios / Redis commands per request",
        "variant", "req/s", "p50 ms", "p99 ms", "ratio"
    );
    for (case, m) in cases.iter().zip(results) {
        let rounds = m
            .ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>();
        let redis = m
            .redis_per_request()
            .map(|(total, top)| format!("  redis {total:.2}/req ({top})"))
            .or_else(|| {
                m.db_per_request
                    .map(|t| format!("  postgres {t:.3} xacts/req"))
            })
            .unwrap_or_default();
        println!(
            "{:<W$} {:>9.0} {:>8.2} {:>8.2} {:>6.2}  [{}]{redis}",
            case.name,
            m.median_of(|s| s.rps),
            m.median_of(|s| s.p50_ms),
            m.median_of(|s| s.p99_ms),
            median(&m.ratios),
            rounds.join(" "),
        );
    }
    markdown(seconds, rounds, cases, results);
}

fn markdown(seconds: u64, rounds: usize, cases: &[Case], results: &[Measured]) {
    println!("\n---- markdown ----\n");
    println!(
        "Measured {} on {} CPUs ({}): release build, server on one core with 1 tokio worker, \
         `wrk -t1 -c32` on the other, {rounds} interleaved rounds of {seconds} s; ratio = the \
         median of the per-round ratios to no auth (run after every {BLOCK} variant(s); each ratio is \
         to the mean of the no-auth runs just before and after it). \"+0.5ms\": the store behind a proxy \
         adding {}us each way. Store round trips: Redis commands, or PostgreSQL transactions, per request.\n",
        today(),
        std::thread::available_parallelism().map_or(0, usize::from),
        cpu_model(),
        ONE_WAY_DELAY.as_micros()
    );
    println!("| variant | req/s | p50 ms | p99 ms | ratio to no auth | store round trips/req |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (case, m) in cases.iter().zip(results) {
        let redis = m
            .redis_per_request()
            .map(|(t, _)| t)
            .or(m.db_per_request)
            .map_or_else(|| "-".to_owned(), |t| format!("{t:.2}"));
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {redis} |",
            case.name,
            m.median_of(|s| s.rps),
            m.median_of(|s| s.p50_ms),
            m.median_of(|s| s.p99_ms),
            median(&m.ratios)
        );
    }
}

pub(crate) fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, m)| m.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into())
}
