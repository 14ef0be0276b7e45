//! `http-bench --smoke`: start every selected server, make one authenticated request to each
//! variant (it must answer 2xx) and, where the app enforces authentication, one without the
//! credential (it must not). No wrk; a few seconds.

use crate::cases::Case;
use crate::client;
use crate::env::Env;
use crate::run::credentials;

pub(crate) fn smoke(cases: &[Case]) {
    let env = Env::start(cases);
    let headers = credentials(&env, cases);
    for (case, header) in cases.iter().zip(&headers) {
        let port = env.port(case);
        let ok = client::get_ok(port, case.path, header.as_deref());
        if case.guarded() {
            let refused = client::get(port, case.path, None);
            assert!(
                !(200..300).contains(&refused.status),
                "{}: answered {} without a credential",
                case.name,
                refused.status
            );
        }
        println!("ok  {:<72} {} ({:?})", case.name, ok.status, ok.body);
    }
    println!("smoke: {} variants answered", cases.len());
}
