//! The measurement: every selected case, interleaved, ROUNDS times. The baseline runs again
//! after every variant, and each variant's ratio is taken against the mean of the baseline runs
//! just before and just after it, in the same round: on a shared machine the load drifts
//! within a round (no-auth runs 20 s apart were seen to differ by 15 %), and a baseline
//! further away carries that drift into the ratio.

use crate::cases::{Auth, Case, Link};
use crate::env::Env;
use crate::redis_env;
use crate::report::{self, Measured};
use crate::wrk::Sample;
use crate::{client, wrk};

/// How many variants run between two runs of the baseline. One: with a baseline only every
/// four variants, the no-op layer read 1.11 in one run (it cannot be faster than no auth).
pub(crate) const BLOCK: usize = 1;

pub(crate) fn run(seconds: u64, rounds: usize, cases: &[Case]) {
    assert!(wrk::has("wrk"), "wrk is needed: apt-get install wrk");
    let mut env = Env::start(cases);
    report::preamble(seconds, rounds, env.redis_rtt());

    let mut results: Vec<Measured> = cases.iter().map(|_| Measured::default()).collect();
    let variants: Vec<usize> = (1..cases.len()).collect();
    for round in 1..=rounds {
        // Fresh credentials each round (the apps mint a token per /token request): our access
        // tokens live 15 minutes, and a long run outlasted them, turning the JWT variants'
        // answers into 401s.
        let headers = credentials(&env, cases);
        let run_case = |i: usize, results: &mut [Measured]| {
            measure(
                &env,
                &cases[i],
                headers[i].as_deref(),
                seconds,
                &mut results[i],
            )
        };
        let mut before = run_case(0, &mut results);
        report::round_line(round, &cases[0], &before, 1.0);
        for block in variants.chunks(BLOCK) {
            let samples: Vec<(usize, Sample)> = block
                .iter()
                .map(|&i| (i, run_case(i, &mut results)))
                .collect();
            let after = run_case(0, &mut results);
            let base = (before.rps + after.rps) / 2.0;
            for (i, sample) in samples {
                results[i].ratios.push(sample.rps / base);
                report::round_line(round, &cases[i], &sample, sample.rps / base);
            }
            report::round_line(round, &cases[0], &after, 1.0);
            before = after;
        }
        results[0].ratios.push(1.0);
    }
    let transactions = env.stop_and_count_transactions(cases);
    for (i, case) in cases.iter().enumerate() {
        let Some(count) = transactions[i] else {
            continue;
        };
        // Every case served by the same app shares its database's count.
        let requests: u64 = cases
            .iter()
            .zip(&results)
            .filter(|(c, _)| c.kind == case.kind && c.link == case.link)
            .flat_map(|(_, m)| m.samples.iter().map(|s| s.requests))
            .sum();
        results[i].db_per_request = (requests > 0).then(|| count as f64 / requests as f64);
    }
    report::summary(seconds, rounds, cases, &results);
}

/// One wrk run of `case`, recorded in `m` with the Redis commands it caused.
fn measure(env: &Env, case: &Case, header: Option<&str>, seconds: u64, m: &mut Measured) -> Sample {
    let redis = env
        .redis
        .as_ref()
        .filter(|_| matches!(case.link, Link::Near | Link::Far));
    let before = redis.map(redis_env::RedisServer::commandstats);
    let sample = wrk::run(&case.name, env.port(case), case.path, header, seconds);
    if let (Some(redis), Some(before)) = (redis, before) {
        for (command, calls) in redis_env::delta(&before, &redis.commandstats()) {
            *m.redis_calls.entry(command).or_default() += calls;
        }
        m.redis_requests += sample.requests;
    }
    m.samples.push(sample);
    sample
}

/// The header each case's requests carry: a session cookie from `/init`, a token from `/token`.
pub(crate) fn credentials(env: &Env, cases: &[Case]) -> Vec<Option<String>> {
    cases
        .iter()
        .map(|c| {
            let port = env.port(c);
            match c.auth {
                Auth::None => None,
                Auth::Cookie => Some(format!("Cookie: {}", client::init_cookie(port))),
                Auth::Bearer => Some(format!(
                    "Authorization: Bearer {}",
                    client::get_ok(port, "/token", None).body
                )),
            }
        })
        .collect()
}
