//! Reading what a `metrics_util::debugging::DebuggingRecorder` recorded, for the crates' metrics
//! tests: one snapshot as a list of (name, labels, value), and lookups by name and exact labels.

use metrics_util::debugging::{DebugValue, Snapshotter};

/// Everything recorded up to one snapshot. Taking a snapshot resets the counters (they restart
/// from 0), so a test reads once, at its end, or adds its snapshots up.
pub struct Recorded(Vec<Metric>);

/// One recorded metric: its name, its labels as (key, value) in order, and its value.
type Metric = (String, Vec<(String, String)>, DebugValue);

impl Recorded {
    /// Take a snapshot of everything `snapshotter`'s recorder holds.
    pub fn take(snapshotter: &Snapshotter) -> Self {
        Self(
            snapshotter
                .snapshot()
                .into_vec()
                .into_iter()
                .map(|(key, _, _, value)| {
                    let key = key.key();
                    let labels = key
                        .labels()
                        .map(|l| (l.key().to_owned(), l.value().to_owned()))
                        .collect();
                    (key.name().to_owned(), labels, value)
                })
                .collect(),
        )
    }

    /// The value of the metric `name` with exactly `labels` (in order), if recorded.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<&DebugValue> {
        self.0
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && l.iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .eq(labels.iter().copied())
            })
            .map(|(_, _, v)| v)
    }

    /// Whether anything named `name` was recorded, with any labels.
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _, _)| n == name)
    }

    /// The counter `name` with exactly `labels`; 0 if it was never incremented.
    ///
    /// # Panics
    /// If the metric was recorded as something other than a counter.
    pub fn counter(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        match self.get(name, labels) {
            None => 0,
            Some(DebugValue::Counter(n)) => *n,
            Some(other) => panic!("{name} {labels:?} is not a counter: {other:?}"),
        }
    }

    /// The gauge `name` with exactly `labels`, if it was set.
    ///
    /// # Panics
    /// If the metric was recorded as something other than a gauge.
    pub fn gauge(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        match self.get(name, labels) {
            None => None,
            Some(DebugValue::Gauge(v)) => Some(v.into_inner()),
            Some(other) => panic!("{name} {labels:?} is not a gauge: {other:?}"),
        }
    }
}
