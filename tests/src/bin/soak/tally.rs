//! What one server answered: requests by status and by action, and every answer that was not
//! one of the statuses its request expects (with the first few, for the report).

use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many unexpected answers are kept word for word.
const SAMPLES: usize = 12;

/// One action's counts.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ActionCount {
    pub(crate) requests: u64,
    pub(crate) unexpected: u64,
}

#[derive(Debug, Default)]
struct Counts {
    by_status: BTreeMap<u16, u64>,
    by_action: BTreeMap<&'static str, ActionCount>,
    transport_errors: u64,
    unexpected: u64,
    samples: Vec<String>,
    events: BTreeMap<&'static str, u64>,
}

/// Counts for one server, shared by its clients.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    counts: Mutex<Counts>,
}

/// A snapshot for the report.
#[derive(Debug, Clone)]
pub(crate) struct Summary {
    pub(crate) by_status: BTreeMap<u16, u64>,
    pub(crate) by_action: BTreeMap<&'static str, ActionCount>,
    pub(crate) transport_errors: u64,
    pub(crate) unexpected: u64,
    pub(crate) samples: Vec<String>,
    pub(crate) events: BTreeMap<&'static str, u64>,
}

impl Summary {
    pub(crate) fn requests(&self) -> u64 {
        self.by_status.values().sum::<u64>() + self.transport_errors
    }
}

impl Tally {
    fn with<T>(&self, f: impl FnOnce(&mut Counts) -> T) -> T {
        // A poisoned lock only means a client task panicked while counting; keep counting.
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut counts)
    }

    /// An answer to `action` with `status`; unexpected unless `expected` (with `why`, asked
    /// only then, in the report).
    pub(crate) fn answer(
        &self,
        action: &'static str,
        status: u16,
        expected: bool,
        why: impl FnOnce() -> String,
    ) {
        self.with(|c| {
            *c.by_status.entry(status).or_default() += 1;
            let a = c.by_action.entry(action).or_default();
            a.requests += 1;
            if !expected {
                a.unexpected += 1;
                c.unexpected += 1;
                if c.samples.len() < SAMPLES {
                    c.samples.push(format!("{action}: {status} ({})", why()));
                }
            }
        });
    }

    /// An answer to `action` already counted, whose body was not what it should be.
    pub(crate) fn wrong_content(&self, action: &'static str, why: &str) {
        self.with(|c| {
            c.unexpected += 1;
            c.by_action.entry(action).or_default().unexpected += 1;
            if c.samples.len() < SAMPLES {
                c.samples.push(format!("{action}: wrong content ({why})"));
            }
        });
    }

    /// A request to `action` that got no answer at all (refused connection, timeout):
    /// always unexpected.
    pub(crate) fn transport_error(&self, action: &'static str, error: &str) {
        self.with(|c| {
            c.transport_errors += 1;
            c.unexpected += 1;
            let a = c.by_action.entry(action).or_default();
            a.requests += 1;
            a.unexpected += 1;
            if c.samples.len() < SAMPLES {
                c.samples.push(format!("{action}: no answer ({error})"));
            }
        });
    }

    /// Something worth counting that is not a request (a session given up before it could
    /// expire under the client, a credential ended by another client's "log out everywhere").
    pub(crate) fn event(&self, name: &'static str) {
        self.with(|c| *c.events.entry(name).or_default() += 1);
    }

    pub(crate) fn summary(&self) -> Summary {
        self.with(|c| Summary {
            by_status: c.by_status.clone(),
            by_action: c.by_action.clone(),
            transport_errors: c.transport_errors,
            unexpected: c.unexpected,
            samples: c.samples.clone(),
            events: c.events.clone(),
        })
    }
}
