//! [`MemoryRefreshStore`]: refresh-token families in this process's memory.

use super::store::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use crate::{Error, ErrorKind, Timestamp};
use async_trait::async_trait;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Debug)]
struct State {
    record: FamilyRecord,
    generation: u64,
    rotated_at: Timestamp,
    live_expires_at: Timestamp,
    /// Repeats of the previous token since the last rotation.
    repeats: u32,
}

#[derive(Debug, Default)]
struct Families {
    by_id: HashMap<FamilyId, State>,
    expiry: BTreeSet<(Timestamp, FamilyId)>,
}

impl Families {
    fn remove(&mut self, family: &FamilyId) -> Option<State> {
        let state = self.by_id.remove(family)?;
        self.expiry.remove(&(state.record.expires_at, *family));
        Some(state)
    }

    /// Forget families whose absolute expiry has passed: work proportional to what expires.
    fn prune(&mut self, now: Timestamp) {
        while let Some(&(at, family)) = self.expiry.first() {
            if at > now {
                break;
            }
            self.expiry.pop_first();
            self.by_id.remove(&family);
        }
    }
}

/// Refresh-token families in memory: for a single instance and for tests. Cheap to clone
/// (clones share the data).
#[derive(Debug, Clone, Default)]
pub struct MemoryRefreshStore {
    families: Arc<Mutex<Families>>,
}

impl MemoryRefreshStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many families are held (expired ones not yet pruned included).
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no families are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Families> {
        self.families.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl RefreshStore for MemoryRefreshStore {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        let mut families = self.lock();
        families.prune(record.created_at);
        if families.by_id.contains_key(family) {
            return Err(Error::new(ErrorKind::Collision, "the family exists"));
        }
        families.expiry.insert((record.expires_at, *family));
        families.by_id.insert(
            *family,
            State {
                record: record.clone(),
                generation: 0,
                rotated_at: record.created_at,
                live_expires_at: first_expires_at.min(record.expires_at),
                repeats: 0,
            },
        );
        Ok(())
    }

    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        let now = request.now;
        let mut families = self.lock();
        families.prune(now);
        let Some(state) = families.by_id.get_mut(&request.family) else {
            return Ok(Rotation::NotFound);
        };
        let presented = request.generation;
        if presented == state.generation {
            if now >= state.live_expires_at {
                families.remove(&request.family);
                return Ok(Rotation::NotFound);
            }
            state.generation += 1;
            state.rotated_at = now;
            state.live_expires_at = request.next_expires_at.min(state.record.expires_at);
            state.repeats = 0;
            return Ok(Rotation::Rotated {
                record: state.record.clone(),
                generation: state.generation,
                expires_at: state.live_expires_at,
            });
        }
        if presented.checked_add(1) == Some(state.generation)
            && now.duration_since(state.rotated_at) <= request.grace
            && state.repeats < request.max_repeats
        {
            state.repeats += 1;
            return Ok(Rotation::Repeated {
                record: state.record.clone(),
                generation: state.generation,
                expires_at: state.live_expires_at,
                repeats: state.repeats,
            });
        }
        // Older generations, and a repeat beyond the limit, are reuse.
        if presented < state.generation {
            let state = families.remove(&request.family);
            return Ok(state.map_or(Rotation::NotFound, |s| Rotation::Reused {
                record: s.record,
            }));
        }
        Ok(Rotation::NotFound)
    }

    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        Ok(self.lock().remove(family).map(|s| s.record))
    }
}
