//! The soak's report: what each server answered and logged, its memory, the Redis keys; then
//! each check, and the verdict.

use crate::children::LogScan;
use crate::settings::{ACCESS_TTL, Store, VERIFIER_LEEWAY};
use crate::tally::Summary;
use std::path::PathBuf;
use std::time::Duration;

/// Resident memory may grow by a quarter of its post-warm-up size...
const RSS_GROWTH_FRACTION: u64 = 4;
/// ...plus this much (KiB), and still count as flat. Sessions, tokens and throttle counts live
/// at most 20 s and revocations 305 s: after the warm-up (the revocation horizon plus 20 s, or
/// half a shorter run) the live data is steady or, in a short run, the revocation list is
/// still filling at a few hundred bytes per revocation; what else may grow is allocator
/// fragmentation and connection buffers, a few MiB. The report prints the smallest leak per
/// request this bound would catch, given the requests measured: a long run catches small ones.
const RSS_GROWTH_SLACK_KIB: u64 = 8 * 1024;

/// One Redis count: before the traffic, its peak during it, and after everything expired.
#[derive(Debug, Clone)]
pub(crate) struct KeyCount {
    pub(crate) what: String,
    pub(crate) baseline: u64,
    pub(crate) peak: u64,
    pub(crate) after: u64,
}

impl KeyCount {
    pub(crate) fn new(what: String, baseline: u64) -> Self {
        Self {
            what,
            baseline,
            peak: baseline,
            after: baseline,
        }
    }
}

/// One server's figures.
#[derive(Debug)]
pub(crate) struct ServerReport {
    pub(crate) label: String,
    pub(crate) store: Store,
    pub(crate) log_path: PathBuf,
    pub(crate) summary: Summary,
    pub(crate) log: LogScan,
    /// How the process had ended before the soak stopped it, if it had.
    pub(crate) exited: Option<String>,
    /// KiB after the warm-up, peak, at the end of the traffic, after the expiry wait.
    pub(crate) rss_start: Option<u64>,
    pub(crate) rss_peak: u64,
    pub(crate) rss_end: Option<u64>,
    pub(crate) rss_after_expiry: Option<u64>,
    /// Requests between the first memory measurement and the end of the traffic.
    pub(crate) requests_since_warm_up: u64,
    pub(crate) actions: &'static [&'static str],
    pub(crate) statuses: &'static [u16],
}

/// The whole run.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) duration: Duration,
    pub(crate) traffic: Duration,
    pub(crate) warm_up: Duration,
    pub(crate) servers: Vec<ServerReport>,
    pub(crate) keys: Vec<KeyCount>,
    /// Redis `used_memory` in bytes: baseline, peak, after the expiry wait.
    pub(crate) redis_memory: Option<(u64, u64, u64)>,
    pub(crate) waited: Duration,
    pub(crate) client_panics: usize,
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn opt_mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "?".to_owned(), mib)
}

impl ServerReport {
    /// Whether the expired-token probe could run: a token must outlive its lifetime and the
    /// verifier's leeway first.
    fn expiry_probe_possible(&self, duration: Duration) -> bool {
        duration > ACCESS_TTL + VERIFIER_LEEWAY + Duration::from_secs(10)
    }

    fn checks(&self, duration: Duration) -> Vec<(String, bool)> {
        let s = &self.summary;
        let mut checks = vec![
            (
                format!(
                    "{}: {} requests, {} unexpected (must be 0)",
                    self.label,
                    s.requests(),
                    s.unexpected
                ),
                s.unexpected == 0 && s.requests() > 0,
            ),
            (
                format!(
                    "{}: server log errors {} and panics {} (must be 0)",
                    self.label, self.log.errors, self.log.panics
                ),
                self.log.errors == 0 && self.log.panics == 0,
            ),
            (
                format!(
                    "{}: still running at the end{}",
                    self.label,
                    self.exited
                        .as_ref()
                        .map(|e| format!(" (exited: {e})"))
                        .unwrap_or_default()
                ),
                self.exited.is_none(),
            ),
        ];
        let flat = match (self.rss_start, self.rss_end) {
            (Some(start), Some(end)) => {
                end <= start + start / RSS_GROWTH_FRACTION + RSS_GROWTH_SLACK_KIB
            }
            _ => false,
        };
        checks.push((
            format!(
                "{}: resident memory {} after warm-up -> {} at the end (flat: at most +25 % + 8 MiB)",
                self.label,
                opt_mib(self.rss_start),
                opt_mib(self.rss_end)
            ),
            flat,
        ));
        let missing: Vec<&str> = self
            .actions
            .iter()
            .copied()
            .filter(|a| s.by_action.get(a).is_none_or(|c| c.requests == 0))
            .filter(|a| !a.contains("expired") || self.expiry_probe_possible(duration))
            .collect();
        checks.push((
            format!(
                "{}: every action of the mix ran (missing: {missing:?})",
                self.label
            ),
            missing.is_empty(),
        ));
        let unseen: Vec<u16> = self
            .statuses
            .iter()
            .copied()
            .filter(|st| !s.by_status.contains_key(st))
            .collect();
        checks.push((
            format!(
                "{}: every status the mix provokes was seen (unseen: {unseen:?})",
                self.label
            ),
            unseen.is_empty(),
        ));
        checks
    }

    fn print(&self) {
        let s = &self.summary;
        println!(
            "\n--- {} ({} store; log {})",
            self.label,
            self.store.name(),
            self.log_path.display()
        );
        let statuses: Vec<String> = s
            .by_status
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        println!(
            "requests by status: {}{}",
            statuses.join(", "),
            if s.transport_errors > 0 {
                format!(", no answer: {}", s.transport_errors)
            } else {
                String::new()
            }
        );
        println!("unexpected: {}", s.unexpected);
        for sample in &s.samples {
            println!("    {sample}");
        }
        println!("by action:");
        for (action, c) in &s.by_action {
            let bad = if c.unexpected > 0 {
                format!(" ({} unexpected)", c.unexpected)
            } else {
                String::new()
            };
            println!("    {:>8}  {action}{bad}", c.requests);
        }
        for (event, n) in &s.events {
            println!("    {n:>8}  [{event}]");
        }
        println!(
            "server log: {} lines, {} errors, {} panics, {} warnings",
            self.log.lines, self.log.errors, self.log.panics, self.log.warnings
        );
        for line in self
            .log
            .error_samples
            .iter()
            .chain(&self.log.warning_samples)
        {
            println!("    {line}");
        }
        let growth = match (self.rss_start, self.rss_end) {
            (Some(a), Some(b)) => {
                let delta = i128::from(b) - i128::from(a);
                let per_request = delta * 1024 / i128::from(self.requests_since_warm_up.max(1));
                let allowed = a / RSS_GROWTH_FRACTION + RSS_GROWTH_SLACK_KIB;
                let floor = allowed * 1024 / self.requests_since_warm_up.max(1);
                format!(
                    "{delta:+} KiB, {per_request:+} bytes per request over {} requests; \
                     a leak of {floor} bytes per request would have failed",
                    self.requests_since_warm_up
                )
            }
            _ => "?".to_owned(),
        };
        println!(
            "resident memory: {} after warm-up, {} peak, {} at the end ({growth}), {} after the expiry wait",
            opt_mib(self.rss_start),
            mib(self.rss_peak),
            opt_mib(self.rss_end),
            opt_mib(self.rss_after_expiry),
        );
    }
}

impl Report {
    fn checks(&self) -> Vec<(String, bool)> {
        let mut checks: Vec<(String, bool)> = self
            .servers
            .iter()
            .flat_map(|s| s.checks(self.duration))
            .collect();
        for k in &self.keys {
            checks.push((
                format!(
                    "Redis {}: {} before, {} at peak, {} after expiry (back at baseline)",
                    k.what, k.baseline, k.peak, k.after
                ),
                k.after <= k.baseline,
            ));
            checks.push((
                format!(
                    "Redis {}: the traffic reached it ({} > {})",
                    k.what, k.peak, k.baseline
                ),
                k.peak > k.baseline,
            ));
        }
        checks.push((
            format!("client tasks panicked: {} (must be 0)", self.client_panics),
            self.client_panics == 0,
        ));
        checks
    }

    /// Whether every check passed.
    pub(crate) fn passed(&self) -> bool {
        self.checks().iter().all(|(_, ok)| *ok)
    }

    pub(crate) fn print(&self) {
        println!(
            "\n=== soak report: {:?} of traffic (asked {:?}), memory measured from {:?}",
            self.traffic, self.duration, self.warm_up
        );
        for s in &self.servers {
            s.print();
        }
        if !self.keys.is_empty() {
            println!(
                "\n--- Redis (expiry wait {:.1} s)",
                self.waited.as_secs_f64()
            );
            for k in &self.keys {
                println!(
                    "    {}: {} before, {} at peak, {} after expiry",
                    k.what, k.baseline, k.peak, k.after
                );
            }
            if let Some((before, peak, after)) = self.redis_memory {
                println!(
                    "    used_memory: {} before, {} at peak, {} after expiry",
                    mib(before / 1024),
                    mib(peak / 1024),
                    mib(after / 1024)
                );
            }
        }
        println!("\n--- checks");
        let checks = self.checks();
        for (what, ok) in &checks {
            println!("{} {what}", if *ok { "PASS" } else { "FAIL" });
        }
        let failed = checks.iter().filter(|(_, ok)| !ok).count();
        if failed == 0 {
            println!("soak PASSED: {} checks", checks.len());
        } else {
            println!("soak FAILED: {failed} of {} checks", checks.len());
        }
    }
}
