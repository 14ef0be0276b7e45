//! The Redis Cluster write paths. A session and its subject's index live in different slots,
//! so an operation is a short sequence of single-slot scripts, ordered so that:
//!
//! - the index never misses a live session of its subject: an entry is added *before* the
//!   session exists under that subject, and removed only *after* it no longer does;
//! - an old session key is dead before a rotated one exists (a failure in between logs the
//!   user out, it never leaves both keys usable);
//! - a rotation that fails after taking the old session puts it back only if nothing deleted
//!   it meanwhile (take leaves a marker in the session's slot, delete removes it, restore
//!   needs it): a logout during a rotation stays a logout.
//!
//! What a failure between steps can leave behind is an index entry with no matching session;
//! listings check every entry against its session, and entries go at their absolute expiry.

use super::calls::{self, DeleteReply, Guard, IndexOp, RestoreReply, SaveReply};
use super::{RedisStore, collision};
use crate::error::TARGET;
use crate::keys::member;
use crate::scripts;
use auth_core::{Error, Identity, SaveOutcome, SessionChanges, SessionKey, SessionRecord};
use futures_util::future::try_join_all;

/// Remove index entries after the fact: a failure leaves only an entry that listings ignore.
async fn unindex(s: &RedisStore, subject: &str, members: &[String]) {
    if let Err(e) = calls::index(s, s.keys.subject(subject), IndexOp::Remove, members).await {
        tracing::debug!(target: TARGET, error = %e, "stale subject index entry left for expiry");
    }
}

pub(super) async fn create(
    s: &RedisStore,
    key: &SessionKey,
    record: &SessionRecord,
) -> Result<(), Error> {
    if let Some(subject) = record.subject() {
        let score = IndexOp::Add(record.absolute_expires_at);
        calls::index(s, s.keys.subject(subject), score, &[member(key)]).await?;
    }
    if calls::create(s, key, record, None).await? {
        Ok(())
    } else {
        // The entry just added may stand for the session that holds the key: leave it.
        Err(collision())
    }
}

pub(super) async fn save(
    s: &RedisStore,
    key: &SessionKey,
    changes: &SessionChanges,
) -> Result<SaveOutcome, Error> {
    // `None`: the subject stays, and the index score (absolute expiry) never changes on save.
    let new_subject = changes
        .identity
        .as_ref()
        .map(|identity| identity.as_ref().map(Identity::subject));
    if let Some(Some(subject)) = new_subject {
        let Some(current) = calls::read(s, key).await? else {
            return Ok(SaveOutcome::Missing);
        };
        let score = IndexOp::Add(current.absolute_expires_at);
        calls::index(s, s.keys.subject(subject), score, &[member(key)]).await?;
    }
    let saved = calls::save(s, key, changes, Guard::None, None, None).await?;
    Ok(match saved {
        SaveReply::Saved {
            version,
            old_subject,
        } => {
            if let (Some(old), Some(new)) = (old_subject.as_deref(), new_subject)
                && Some(old) != new
            {
                unindex(s, old, &[member(key)]).await;
            }
            SaveOutcome::Saved { version }
        }
        SaveReply::Missing => {
            // Gone for good (nothing brings a session back): the entry added above is stale.
            if let Some(Some(subject)) = new_subject {
                unindex(s, subject, &[member(key)]).await;
            }
            SaveOutcome::Missing
        }
        SaveReply::Conflict(current_version) => SaveOutcome::Conflict { current_version },
        SaveReply::GuardFailed => return Err(Error::storage("unexpected guard failure")),
    })
}

pub(super) async fn delete(s: &RedisStore, key: &SessionKey) -> Result<bool, Error> {
    match calls::delete(s, key, Guard::None, None).await? {
        DeleteReply::Deleted { live, subject } => {
            if let Some(subject) = subject {
                unindex(s, &subject, &[member(key)]).await;
            }
            Ok(live)
        }
        DeleteReply::GuardFailed => Err(Error::storage("unexpected guard failure")),
    }
}

pub(super) async fn rotate(
    s: &RedisStore,
    old: &SessionKey,
    new: &SessionKey,
    changes: &SessionChanges,
) -> Result<Option<SessionRecord>, Error> {
    let now = s.now();
    // Refuse a taken target before touching the old session.
    let (old_now, new_now) = tokio::try_join!(calls::read(s, old), calls::read(s, new))?;
    if old_now.is_none_or(|r| r.is_expired(now)) {
        return Ok(None);
    }
    if old == new || new_now.is_some_and(|r| !r.is_expired(now)) {
        return Err(collision());
    }
    let Some(original) = calls::take(s, old).await? else {
        return Ok(None);
    };
    let mut record = original.clone();
    changes.apply_to(&mut record);
    if let Some(subject) = record.subject() {
        let score = IndexOp::Add(record.absolute_expires_at);
        if let Err(e) = calls::index(s, s.keys.subject(subject), score, &[member(new)]).await {
            restore(s, old, &original).await;
            return Err(e);
        }
    }
    if !calls::create(s, new, &record, None).await? {
        // Lost a race for the new key: put the old session back, as it was.
        restore(s, old, &original).await;
        return Err(collision());
    }
    if let Some(subject) = original.subject() {
        unindex(s, subject, &[member(old)]).await;
    }
    Ok(Some(record))
}

/// Load the restore script on every node now. It is only needed when a rotation fails, often
/// because a node is slow or down, and loading a script on a Cluster needs every node: loaded
/// on demand then, the restore would fail too. Best effort (a restart empties a node's script
/// cache; the restore then fails, which logs the user out: the safe side).
pub(super) async fn preload(s: &RedisStore) {
    let loaded = s
        .backend
        .run("load restore script", |mut c| async move {
            scripts::RESTORE.load_async(&mut c).await
        })
        .await;
    if let Err(e) = loaded {
        tracing::debug!(target: TARGET, error = %e, "restore script not preloaded");
    }
}

/// Put a taken session back after a rotation failed before the new key existed, unless it was
/// deleted (logged out) meanwhile: a delete wins. Its index entry was never removed.
async fn restore(s: &RedisStore, key: &SessionKey, record: &SessionRecord) {
    match calls::restore(s, key, record).await {
        Ok(RestoreReply::Restored) => {}
        Ok(RestoreReply::Deleted) => {
            tracing::debug!(target: TARGET, "rotation: old session deleted meanwhile; not restored")
        }
        Ok(RestoreReply::Taken) => {
            tracing::warn!(target: TARGET, "rotation: old key taken meanwhile; session dropped")
        }
        Err(e) => {
            tracing::warn!(target: TARGET, error = %e, "rotation: could not restore the old session; user logged out")
        }
    }
}

pub(super) async fn delete_subject(s: &RedisStore, subject: &str) -> Result<u64, Error> {
    let members = calls::index_members(s, subject).await?;
    let keys: Vec<Option<SessionKey>> = members
        .iter()
        .map(|m| SessionKey::from_hex(m).ok())
        .collect();
    let replies = try_join_all(keys.iter().map(|key| async move {
        match key {
            Some(key) => calls::delete(s, key, Guard::Subject(Some(subject)), None)
                .await
                .map(Some),
            None => Ok(None),
        }
    }))
    .await?;
    let mut deleted = 0;
    let mut done = Vec::new();
    for (member, reply) in members.into_iter().zip(replies) {
        match reply {
            Some(DeleteReply::Deleted { live, .. }) => {
                deleted += u64::from(live);
                done.push(member);
            }
            // Not (or not yet) this subject's session: its entry stays until its expiry.
            Some(DeleteReply::GuardFailed) => {}
            None => done.push(member),
        }
    }
    unindex(s, subject, &done).await;
    Ok(deleted)
}
