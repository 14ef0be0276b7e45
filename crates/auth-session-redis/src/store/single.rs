//! The single-Redis write paths: each operation is one script that changes the session(s)
//! and the subject index(es) together, so it is atomic.
//!
//! The scripts must name every key they touch, and the index of a session's current subject is
//! only known after reading it: operations that need it read the subject first and pass it as a
//! guard; the script refuses (and the operation retries) if it changed in between.

use super::calls::{self, DeleteReply, Guard, RotateReply, SaveReply};
use super::{GUARD_RETRIES, RedisStore, collision, too_much_contention};
use crate::codec::subject_after;
use auth_core::{Error, SaveOutcome, SessionChanges, SessionKey, SessionRecord};

pub(super) async fn create(
    s: &RedisStore,
    key: &SessionKey,
    record: &SessionRecord,
) -> Result<(), Error> {
    let index = record.subject().map(|sub| s.keys.subject(sub));
    if calls::create(s, key, record, index).await? {
        Ok(())
    } else {
        Err(collision())
    }
}

pub(super) async fn save(
    s: &RedisStore,
    key: &SessionKey,
    changes: &SessionChanges,
) -> Result<SaveOutcome, Error> {
    for _ in 0..GUARD_RETRIES {
        let saved = if changes.identity.is_none() {
            // The subject stays, and the index is scored by the absolute expiry, which no
            // save changes: nothing to do in the index.
            calls::save(s, key, changes, Guard::None, None, None).await?
        } else {
            let old = calls::subject_of(s, key).await?;
            let new = subject_after(changes, old.as_deref());
            let (remove_from, add_to) = if old.as_deref() == new {
                (None, None)
            } else {
                (
                    old.as_deref().map(|sub| s.keys.subject(sub)),
                    new.map(|sub| s.keys.subject(sub)),
                )
            };
            calls::save(
                s,
                key,
                changes,
                Guard::Subject(old.as_deref()),
                remove_from,
                add_to,
            )
            .await?
        };
        return Ok(match saved {
            SaveReply::Missing => SaveOutcome::Missing,
            SaveReply::Saved { version, .. } => SaveOutcome::Saved { version },
            SaveReply::Conflict(current_version) => SaveOutcome::Conflict { current_version },
            SaveReply::GuardFailed => continue,
        });
    }
    Err(too_much_contention())
}

pub(super) async fn delete(s: &RedisStore, key: &SessionKey) -> Result<bool, Error> {
    for _ in 0..GUARD_RETRIES {
        let subject = calls::subject_of(s, key).await?;
        let index = subject.as_deref().map(|sub| s.keys.subject(sub));
        match calls::delete(s, key, Guard::Subject(subject.as_deref()), index).await? {
            DeleteReply::Deleted { live, .. } => return Ok(live),
            DeleteReply::GuardFailed => {}
        }
    }
    Err(too_much_contention())
}

pub(super) async fn rotate(
    s: &RedisStore,
    old: &SessionKey,
    new: &SessionKey,
    changes: &SessionChanges,
) -> Result<Option<SessionRecord>, Error> {
    for _ in 0..GUARD_RETRIES {
        let old_subject = calls::subject_of(s, old).await?;
        let new_subject = subject_after(changes, old_subject.as_deref());
        let remove_from = old_subject.as_deref().map(|sub| s.keys.subject(sub));
        let add_to = new_subject.map(|sub| s.keys.subject(sub));
        let guard = Guard::Subject(old_subject.as_deref());
        match calls::rotate(s, old, new, changes, guard, remove_from, add_to).await? {
            RotateReply::Missing => return Ok(None),
            RotateReply::Rotated(record) => return Ok(Some(*record)),
            RotateReply::Collision => return Err(collision()),
            RotateReply::GuardFailed => {}
        }
    }
    Err(too_much_contention())
}

/// Sessions deleted per script call: bounds how long one script blocks Redis.
const DELETE_BATCH: usize = 128;

pub(super) async fn delete_subject(s: &RedisStore, subject: &str) -> Result<u64, Error> {
    let members = calls::index_members(s, subject).await?;
    let mut deleted = 0;
    for batch in members.chunks(DELETE_BATCH) {
        deleted += calls::delete_subject_batch(s, subject, batch).await?;
    }
    Ok(deleted)
}
