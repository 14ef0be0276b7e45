//! The measurement: every selected case, interleaved, ROUNDS times; each variant's ratio to the
//! baseline measured in the same round.

use crate::cases::{Auth, Case, Link};
use crate::env::Env;
use crate::redis_env;
use crate::report::{self, Measured};
use crate::{client, wrk};

pub(crate) fn run(seconds: u64, rounds: usize, cases: &[Case]) {
    assert!(wrk::has("wrk"), "wrk is needed: apt-get install wrk");
    let env = Env::start(cases);
    let headers = credentials(&env, cases);
    report::preamble(seconds, rounds, env.redis_rtt());

    let mut results: Vec<Measured> = cases.iter().map(|_| Measured::default()).collect();
    for round in 1..=rounds {
        let mut baseline = None;
        for (i, case) in cases.iter().enumerate() {
            let redis = env.redis.as_ref().filter(|_| case.link != Link::NoRedis);
            let before = redis.map(redis_env::RedisServer::commandstats);
            let port = env.port(case);
            let sample = wrk::run(&case.name, port, case.path, headers[i].as_deref(), seconds);
            let m = &mut results[i];
            if let (Some(redis), Some(before)) = (redis, before) {
                for (command, calls) in redis_env::delta(&before, &redis.commandstats()) {
                    *m.redis_calls.entry(command).or_default() += calls;
                }
                m.redis_requests += sample.requests;
            }
            let base = *baseline.get_or_insert(sample.rps);
            m.samples.push(sample);
            m.ratios.push(sample.rps / base);
            report::round_line(round, case, &sample, sample.rps / base);
        }
    }
    report::summary(seconds, rounds, cases, &results);
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
