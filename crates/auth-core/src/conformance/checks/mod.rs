//! The checks, one public async function each. They panic with a message that says which
//! part of the contract broke.

#![allow(clippy::missing_panics_doc, missing_docs, clippy::unwrap_used)]

mod expiry;
mod records;
mod rotate;
mod save;
mod subject_index;

pub use expiry::*;
pub use records::*;
pub use rotate::*;
pub use save::*;
pub use subject_index::*;

use crate::{
    Clock, ManualClock, SessionChanges, SessionId, SessionKey, SessionRecord, SessionStore,
};
use std::time::Duration;

const IDLE: Duration = Duration::from_secs(30 * 60);
const ABSOLUTE: Duration = Duration::from_secs(12 * 60 * 60);

pub(super) fn new_key() -> SessionKey {
    SessionId::generate().expect("os rng").key()
}

pub(super) fn record(clock: &ManualClock) -> SessionRecord {
    SessionRecord::new(clock.now(), IDLE, ABSOLUTE)
}

fn set(name: &str, value: serde_json::Value) -> SessionChanges {
    let mut c = SessionChanges::default();
    c.insert(name.to_owned(), value);
    c
}

pub(super) async fn create_with<S: SessionStore + ?Sized>(
    store: &S,
    r: &SessionRecord,
) -> SessionKey {
    let key = new_key();
    store.create(&key, r).await.expect("create");
    key
}
