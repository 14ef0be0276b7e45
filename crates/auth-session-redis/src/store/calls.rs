//! One function per script or command the store sends, with its reply decoded. The single-Redis
//! and cluster paths (`single.rs`, `cluster.rs`) only decide which calls to make in which order.

use super::RedisStore;
use crate::codec::{self, millis};
use crate::error;
use crate::keys::member;
use crate::scripts;
use auth_core::{Error, SessionChanges, SessionKey, SessionRecord};
use redis::{Value, from_redis_value};

/// What a script checks about the session's subject before writing (see `guard_ok` in
/// `prelude.lua`): nothing, or that it is still what the caller read.
pub(super) enum Guard<'a> {
    None,
    Subject(Option<&'a str>),
}

impl Guard<'_> {
    fn args(&self) -> [&str; 2] {
        match self {
            Self::None => ["", ""],
            Self::Subject(None) => ["a", ""],
            Self::Subject(Some(s)) => ["s", s],
        }
    }
}

/// The reply of the `save` script.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(super) enum SaveReply {
    Missing,
    Saved {
        version: u64,
        old_subject: Option<String>,
    },
    Conflict(u64),
    GuardFailed,
}

/// The reply of the `delete` script.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(super) enum DeleteReply {
    Deleted { live: bool, subject: Option<String> },
    GuardFailed,
}

/// The reply of the `rotate` script.
pub(super) enum RotateReply {
    Missing,
    Rotated(Box<SessionRecord>),
    Collision,
    GuardFailed,
}

/// Whether an index script adds or removes members.
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
#[derive(Clone, Copy)]
pub(super) enum IndexOp {
    Add(auth_core::Timestamp),
    Remove,
}

fn reply_code(what: &'static str, reply: &[Value]) -> Result<i64, Error> {
    match reply.first() {
        Some(Value::Int(n)) => Ok(*n),
        _ => Err(error::corrupt(what, "unexpected script reply")),
    }
}

fn reply_text(what: &'static str, reply: &[Value], at: usize) -> Result<Option<String>, Error> {
    match reply.get(at) {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => from_redis_value::<String>(v.clone())
            .map(Some)
            .map_err(|_| error::corrupt(what, "unexpected script reply")),
    }
}

fn reply_version(what: &'static str, reply: &[Value], at: usize) -> Result<u64, Error> {
    reply_text(what, reply, at)?
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| error::corrupt(what, "malformed version"))
}

/// Create the hash (never over a live session), adding it to `index` in the same step if given.
pub(super) async fn create(
    s: &RedisStore,
    key: &SessionKey,
    record: &SessionRecord,
    index: Option<String>,
) -> Result<bool, Error> {
    let mut inv = scripts::ScriptCall::new(&scripts::CREATE);
    inv.key(s.keys.session(key));
    if let Some(index) = index {
        inv.key(index);
    }
    inv.arg(millis(s.now()))
        .arg(member(key))
        .arg(millis(record.absolute_expires_at))
        .arg(codec::encode_record(record)?);
    let created: i64 = s.backend.invoke_write("create session", &inv).await?;
    Ok(created == 1)
}

/// Apply `changes`, moving the index entry from `remove_from` to `add_to` in the same step.
pub(super) async fn save(
    s: &RedisStore,
    key: &SessionKey,
    changes: &SessionChanges,
    guard: Guard<'_>,
    remove_from: Option<String>,
    add_to: Option<String>,
) -> Result<SaveReply, Error> {
    const WHAT: &str = "save session";
    let mut inv = scripts::ScriptCall::new(&scripts::SAVE);
    inv.key(s.keys.session(key));
    let (remove_at, add_at) =
        index_positions(&mut inv, 1, remove_from.as_deref(), add_to.as_deref());
    inv.arg(millis(s.now()))
        .arg(member(key))
        .arg(&guard.args()[..])
        .arg(remove_at)
        .arg(add_at)
        .arg(
            changes
                .expected_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
        )
        .arg(codec::encode_changes(changes)?);
    let reply: Vec<Value> = s.backend.invoke_write(WHAT, &inv).await?;
    Ok(match reply_code(WHAT, &reply)? {
        0 => SaveReply::Missing,
        1 => SaveReply::Saved {
            version: reply_version(WHAT, &reply, 1)?,
            old_subject: reply_text(WHAT, &reply, 2)?,
        },
        2 => SaveReply::Conflict(reply_version(WHAT, &reply, 1)?),
        3 => SaveReply::GuardFailed,
        _ => return Err(error::corrupt(WHAT, "unexpected script reply")),
    })
}

/// Append the index keys to `inv` after `taken` keys; their 1-based positions (0: none). The
/// same index for both gets one position.
fn index_positions(
    inv: &mut scripts::ScriptCall,
    taken: usize,
    remove_from: Option<&str>,
    add_to: Option<&str>,
) -> (usize, usize) {
    let mut next = taken;
    let remove_at = match remove_from {
        Some(ix) => {
            inv.key(ix);
            next += 1;
            next
        }
        None => 0,
    };
    let add_at = match add_to {
        Some(ix) if Some(ix) == remove_from => remove_at,
        Some(ix) => {
            inv.key(ix);
            next += 1;
            next
        }
        None => 0,
    };
    (remove_at, add_at)
}

/// Delete the hash, and its entry in `index` in the same step if given.
pub(super) async fn delete(
    s: &RedisStore,
    key: &SessionKey,
    guard: Guard<'_>,
    index: Option<String>,
) -> Result<DeleteReply, Error> {
    const WHAT: &str = "delete session";
    let mut inv = scripts::ScriptCall::new(&scripts::DELETE);
    inv.key(s.keys.session(key))
        .key(s.keys.rotation_marker(key));
    if let Some(index) = index {
        inv.key(index);
    }
    inv.arg(millis(s.now()))
        .arg(member(key))
        .arg(&guard.args()[..]);
    let reply: Vec<Value> = s.backend.invoke_write(WHAT, &inv).await?;
    Ok(match reply_code(WHAT, &reply)? {
        3 => DeleteReply::GuardFailed,
        live => DeleteReply::Deleted {
            live: live == 1,
            subject: reply_text(WHAT, &reply, 1)?,
        },
    })
}

/// Rotate in one script (both keys and both indexes in one call: single Redis only).
pub(super) async fn rotate(
    s: &RedisStore,
    old: &SessionKey,
    new: &SessionKey,
    changes: &SessionChanges,
    guard: Guard<'_>,
    remove_from: Option<String>,
    add_to: Option<String>,
) -> Result<RotateReply, Error> {
    const WHAT: &str = "rotate session";
    let mut inv = scripts::ScriptCall::new(&scripts::ROTATE);
    inv.key(s.keys.session(old)).key(s.keys.session(new));
    let (remove_at, add_at) =
        index_positions(&mut inv, 2, remove_from.as_deref(), add_to.as_deref());
    inv.arg(millis(s.now()))
        .arg(member(old))
        .arg(member(new))
        .arg(&guard.args()[..])
        .arg(remove_at)
        .arg(add_at)
        .arg(codec::encode_changes(changes)?);
    let mut reply: Vec<Value> = s.backend.invoke_write(WHAT, &inv).await?;
    Ok(match reply_code(WHAT, &reply)? {
        0 => RotateReply::Missing,
        1 => {
            let fields = from_redis_value::<Vec<String>>(reply.swap_remove(1))
                .map_err(|_| error::corrupt(WHAT, "unexpected script reply"))?;
            let record = codec::decode_record(fields)?
                .ok_or_else(|| error::corrupt(WHAT, "rotated session is empty"))?;
            RotateReply::Rotated(Box::new(record))
        }
        2 => RotateReply::Collision,
        3 => RotateReply::GuardFailed,
        _ => return Err(error::corrupt(WHAT, "unexpected script reply")),
    })
}

/// How long a cluster rotation may still put a taken session back. A rotation's later steps
/// take at most a few command timeouts; a restore after this is refused (the user is logged
/// out: the safe side).
#[cfg(feature = "cluster")]
const ROTATION_MARKER_MILLIS: u64 = 30_000;

/// Read and delete a live session in one step (the first step of a cluster rotation), leaving
/// the marker [`restore`] needs.
#[cfg(feature = "cluster")]
pub(super) async fn take(s: &RedisStore, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
    let mut inv = scripts::ScriptCall::new(&scripts::TAKE);
    inv.key(s.keys.session(key))
        .key(s.keys.rotation_marker(key))
        .arg(millis(s.now()))
        .arg(ROTATION_MARKER_MILLIS);
    let fields: Option<Vec<String>> = s.backend.invoke_write("take session", &inv).await?;
    match fields {
        Some(fields) => codec::decode_record(fields),
        None => Ok(None),
    }
}

/// The reply of the `restore` script.
#[cfg(feature = "cluster")]
pub(super) enum RestoreReply {
    Restored,
    /// Deleted (logged out) since it was taken, or taken too long ago: it stays gone.
    Deleted,
    /// A live session holds the key.
    Taken,
}

/// Put a session [`take`] took back, unless a delete came in between (one step).
#[cfg(feature = "cluster")]
pub(super) async fn restore(
    s: &RedisStore,
    key: &SessionKey,
    record: &SessionRecord,
) -> Result<RestoreReply, Error> {
    const WHAT: &str = "restore session";
    let mut inv = scripts::ScriptCall::new(&scripts::RESTORE);
    inv.key(s.keys.session(key))
        .key(s.keys.rotation_marker(key))
        .arg(millis(s.now()))
        .arg(codec::encode_record(record)?);
    let reply: i64 = s.backend.invoke_write(WHAT, &inv).await?;
    Ok(match reply {
        0 => RestoreReply::Deleted,
        1 => RestoreReply::Restored,
        2 => RestoreReply::Taken,
        _ => return Err(error::corrupt(WHAT, "unexpected script reply")),
    })
}

/// Add or remove index members (and prune the index) on its own.
pub(super) async fn index(
    s: &RedisStore,
    index: String,
    op: IndexOp,
    members: &[String],
) -> Result<(), Error> {
    if members.is_empty() {
        return Ok(());
    }
    let mut inv = scripts::ScriptCall::new(&scripts::INDEX);
    inv.key(index).arg(millis(s.now()));
    match op {
        IndexOp::Add(score) => inv.arg("add").arg(millis(score)),
        IndexOp::Remove => inv.arg("remove").arg(""),
    };
    inv.arg(members);
    let _: i64 = s.backend.invoke_write("update subject index", &inv).await?;
    Ok(())
}

/// Delete those of `members` (from `subject`'s index) that still belong to `subject`, and
/// their index entries, in one step (single Redis only). How many were live.
pub(super) async fn delete_subject_batch(
    s: &RedisStore,
    subject: &str,
    members: &[String],
) -> Result<u64, Error> {
    let mut inv = scripts::ScriptCall::new(&scripts::DELETE_SUBJECT);
    inv.key(s.keys.subject(subject));
    for m in members {
        inv.key(s.keys.session_for_member(m));
    }
    inv.arg(millis(s.now())).arg(subject).arg(members);
    s.backend
        .invoke_write("delete subject sessions", &inv)
        .await
}

/// The subject a session belongs to now (read before choosing index keys).
pub(super) async fn subject_of(s: &RedisStore, key: &SessionKey) -> Result<Option<String>, Error> {
    let mut cmd = redis::cmd("HGET");
    cmd.arg(s.keys.session(key)).arg(codec::SUBJECT);
    s.backend.query("read session subject", &cmd).await
}

/// Every member of a subject's index, expired or not.
pub(super) async fn index_members(s: &RedisStore, subject: &str) -> Result<Vec<String>, Error> {
    let mut cmd = redis::cmd("ZRANGE");
    cmd.arg(s.keys.subject(subject)).arg(0).arg(-1);
    s.backend.query("read subject index", &cmd).await
}

/// The session hash as stored (`None` if absent), expired or not.
pub(super) async fn read(s: &RedisStore, key: &SessionKey) -> Result<Option<SessionRecord>, Error> {
    read_key(s, s.keys.session(key)).await
}

/// [`read`], with an estimate of the record's size in memory (for the local cache).
pub(super) async fn read_sized(
    s: &RedisStore,
    key: &SessionKey,
) -> Result<Option<(SessionRecord, usize)>, Error> {
    let fields = hgetall(s, s.keys.session(key)).await?;
    let size = crate::cache::approximate_size(&fields);
    Ok(codec::decode_record(fields)?.map(|record| (record, size)))
}

pub(super) async fn read_key(s: &RedisStore, key: String) -> Result<Option<SessionRecord>, Error> {
    codec::decode_record(hgetall(s, key).await?)
}

async fn hgetall(s: &RedisStore, key: String) -> Result<Vec<String>, Error> {
    let mut cmd = redis::cmd("HGETALL");
    cmd.arg(key);
    s.backend.query("load session", &cmd).await
}
