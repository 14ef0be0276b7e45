//! What every check builds on: per-run family ids, the stored family, rotation requests, and
//! store calls that panic on a store failure.

use crate::refresh::store::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use crate::{Identity, SessionKey, Timestamp};
use std::time::Duration;

pub(super) fn family(n: u8) -> FamilyId {
    let mut bytes = [n; 32];
    // Distinct per run, so a shared backend (Redis) can be reused between runs.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    bytes[..4].copy_from_slice(&nanos.to_be_bytes());
    FamilyId::from_bytes(bytes)
}

pub(super) fn at(t0: Timestamp, secs: u64) -> Timestamp {
    t0.saturating_add(Duration::from_secs(secs))
}

/// The family every check stores: it ends at `t0 + 1000`.
pub(super) fn record(t0: Timestamp) -> FamilyRecord {
    FamilyRecord {
        identity: Identity::new("conformance").with_session(Some(SessionKey::from_bytes([3; 32]))),
        created_at: t0,
        expires_at: at(t0, 1000),
    }
}

/// A rotation of `generation` at `now`: 10 s grace, one repeat, successor live 100 s.
pub(super) fn request(f: FamilyId, generation: u64, now: Timestamp) -> RotateRequest {
    RotateRequest {
        family: f,
        generation,
        now,
        grace: Duration::from_secs(10),
        max_repeats: 1,
        next_expires_at: now.saturating_add(Duration::from_secs(100)),
    }
}

/// `request` allowing `max_repeats` repeats.
pub(super) fn repeat_request(
    f: FamilyId,
    generation: u64,
    now: Timestamp,
    max_repeats: u32,
) -> RotateRequest {
    RotateRequest {
        max_repeats,
        ..request(f, generation, now)
    }
}

pub(super) async fn create(
    store: &dyn RefreshStore,
    f: &FamilyId,
    record: &FamilyRecord,
    live: Timestamp,
) {
    store
        .create(f, record, live)
        .await
        .expect("the store failed");
}

pub(super) async fn rotate(
    store: &dyn RefreshStore,
    f: FamilyId,
    generation: u64,
    now: Timestamp,
) -> Rotation {
    store
        .rotate(&request(f, generation, now))
        .await
        .expect("the store failed")
}

pub(super) async fn rotate_max(
    store: &dyn RefreshStore,
    f: FamilyId,
    generation: u64,
    now: Timestamp,
    max_repeats: u32,
) -> Rotation {
    store
        .rotate(&repeat_request(f, generation, now, max_repeats))
        .await
        .expect("the store failed")
}

pub(super) fn repeats(r: &Rotation) -> Option<u32> {
    match r {
        Rotation::Repeated { repeats, .. } => Some(*repeats),
        _ => None,
    }
}
