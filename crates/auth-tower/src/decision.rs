//! Counting auth decisions: `auth_tower_decisions_total{layer, outcome}` (see
//! [`auth_core::metrics`]), one increment per decision, recorded by the layers when they let a
//! request on and by the one refusal path ([`Rejection::log`](crate::Rejection)) for every
//! refusal.
//!
//! The keys (every `layer` x `outcome` pair) are built at compile time, so a decision costs a
//! table lookup and a call into the recorder: no allocation, no formatting, no hashing.

use crate::rejection::RejectionKind;
use auth_core::metrics::{DECISIONS_TOTAL, LAYER_LABEL, OUTCOME_LABEL, record};
use metrics::{Key, Label};

/// Who made a decision: the `layer` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decider {
    /// `SessionLayer`: a session loaded (or not), a cross-site request, a failed session write.
    Session,
    /// `JwtLayer`.
    Jwt,
    /// `HybridLayer`, on either path.
    Hybrid,
    /// `RequireAuth`.
    Guard,
    /// An axum extractor in a handler's arguments (`Identity`, `Session`).
    Extractor,
    /// A refusal a handler returned (`Rejection`, `SessionError`).
    Handler,
    /// `IdentityExt` (or any `Rejection` turned into a `tonic::Status`) in a tonic handler.
    Grpc,
    /// The token endpoints.
    TokenEndpoint,
}

impl Decider {
    /// Every decider, in declaration order (the first index of the key table).
    const ALL: [Self; DECIDERS] = [
        Self::Session,
        Self::Jwt,
        Self::Hybrid,
        Self::Guard,
        Self::Extractor,
        Self::Handler,
        Self::Grpc,
        Self::TokenEndpoint,
    ];

    /// The `layer` label.
    const fn label(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Jwt => "jwt",
            Self::Hybrid => "hybrid",
            Self::Guard => "guard",
            Self::Extractor => "extractor",
            Self::Handler => "handler",
            Self::Grpc => "grpc",
            Self::TokenEndpoint => "token_endpoint",
        }
    }
}

/// What was decided: the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Credentials verified.
    Accepted,
    /// No credentials (or a session cookie that names no live session); the request went on.
    Anonymous,
    /// Refused.
    Refused(RejectionKind),
}

impl Outcome {
    /// Every outcome, in the order of [`index`](Self::index) (the second index of the table).
    const ALL: [Self; OUTCOMES] = [
        Self::Accepted,
        Self::Anonymous,
        Self::Refused(RejectionKind::Unauthenticated),
        Self::Refused(RejectionKind::InvalidToken),
        Self::Refused(RejectionKind::InvalidRequest),
        Self::Refused(RejectionKind::InsufficientScope),
        Self::Refused(RejectionKind::FreshLoginRequired),
        Self::Refused(RejectionKind::Forbidden),
        Self::Refused(RejectionKind::TooManyRequests),
        Self::Refused(RejectionKind::Unavailable),
        Self::Refused(RejectionKind::Internal),
    ];

    const fn index(self) -> usize {
        match self {
            Self::Accepted => 0,
            Self::Anonymous => 1,
            Self::Refused(kind) => match kind {
                RejectionKind::Unauthenticated => 2,
                RejectionKind::InvalidToken => 3,
                RejectionKind::InvalidRequest => 4,
                RejectionKind::InsufficientScope => 5,
                RejectionKind::FreshLoginRequired => 6,
                RejectionKind::Forbidden => 7,
                RejectionKind::TooManyRequests => 8,
                RejectionKind::Unavailable => 9,
                RejectionKind::Internal => 10,
            },
        }
    }

    /// The `outcome` label: a refusal's is its kind's [`as_str`](RejectionKind::as_str).
    const fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Anonymous => "anonymous",
            Self::Refused(kind) => kind.as_str(),
        }
    }
}

const DECIDERS: usize = 8;
const OUTCOMES: usize = 11;

/// The labels of the decision of `Decider::ALL[d]` with outcome `Outcome::ALL[o]`.
const fn labels(d: usize, o: usize) -> [Label; 2] {
    [
        Label::from_static_parts(LAYER_LABEL, Decider::ALL[d].label()),
        Label::from_static_parts(OUTCOME_LABEL, Outcome::ALL[o].label()),
    ]
}

/// One decider's row of the tables (`$cell!(d, o)` for every outcome `o`).
macro_rules! row {
    ($cell:ident, $d:literal) => {
        [
            $cell!($d, 0),
            $cell!($d, 1),
            $cell!($d, 2),
            $cell!($d, 3),
            $cell!($d, 4),
            $cell!($d, 5),
            $cell!($d, 6),
            $cell!($d, 7),
            $cell!($d, 8),
            $cell!($d, 9),
            $cell!($d, 10),
        ]
    };
}

/// Every row of a table.
macro_rules! table {
    ($cell:ident) => {
        [
            row!($cell, 0),
            row!($cell, 1),
            row!($cell, 2),
            row!($cell, 3),
            row!($cell, 4),
            row!($cell, 5),
            row!($cell, 6),
            row!($cell, 7),
        ]
    };
}

macro_rules! label_cell {
    ($d:literal, $o:literal) => {
        labels($d, $o)
    };
}

macro_rules! key_cell {
    ($d:literal, $o:literal) => {
        Key::from_static_parts(DECISIONS_TOTAL, &LABELS[$d][$o])
    };
}

static LABELS: [[[Label; 2]; OUTCOMES]; DECIDERS] = table!(label_cell);
static KEYS: [[Key; OUTCOMES]; DECIDERS] = table!(key_cell);

/// Count one decision.
#[inline]
pub(crate) fn record(decider: Decider, outcome: Outcome) {
    record::increment(&KEYS[decider as usize][outcome.index()]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_names_its_decider_and_outcome() {
        for (d, decider) in Decider::ALL.into_iter().enumerate() {
            assert_eq!(decider as usize, d, "ALL is in declaration order");
            for (o, outcome) in Outcome::ALL.into_iter().enumerate() {
                assert_eq!(outcome.index(), o, "{outcome:?}");
                let key = &KEYS[decider as usize][outcome.index()];
                assert_eq!(key.name(), DECISIONS_TOTAL);
                let labels: Vec<(&str, &str)> =
                    key.labels().map(|l| (l.key(), l.value())).collect();
                assert_eq!(
                    labels,
                    [
                        (LAYER_LABEL, decider.label()),
                        (OUTCOME_LABEL, outcome.label())
                    ]
                );
            }
        }
    }

    #[test]
    fn outcome_labels_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for outcome in Outcome::ALL {
            let label = outcome.label();
            assert!(seen.insert(label), "{label} twice");
            assert!(
                label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{label}"
            );
        }
    }
}
