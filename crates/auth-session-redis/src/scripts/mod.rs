//! The Lua scripts every write goes through, each in its own `.lua` file next to this one.
//! Session scripts get `prelude.lua` (shared helpers) prepended.

mod call;

pub(crate) use call::{ScriptCall, is_no_script};
use redis::Script;
use std::sync::LazyLock;

const PRELUDE: &str = include_str!("prelude.lua");

fn with_prelude(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

/// Create a session (never overwriting a live one), indexing it.
pub(crate) static CREATE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("create.lua")));
/// Apply changes to a live session.
pub(crate) static SAVE: LazyLock<Script> = LazyLock::new(|| with_prelude(include_str!("save.lua")));
/// Delete a session and its index entry.
pub(crate) static DELETE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("delete.lua")));
/// Move a session to a new key (one slot: single Redis).
pub(crate) static ROTATE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("rotate.lua")));
/// Read and delete a session (the first step of a cluster rotation).
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(crate) static TAKE: LazyLock<Script> = LazyLock::new(|| with_prelude(include_str!("take.lua")));
/// Put a taken session back unless it was deleted meanwhile (a failed cluster rotation).
#[cfg_attr(not(feature = "cluster"), allow(dead_code))]
pub(crate) static RESTORE: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("restore.lua")));
/// Add or remove index members on their own.
pub(crate) static INDEX: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("index.lua")));
/// Delete a subject's sessions listed in its index (one slot: single Redis).
pub(crate) static DELETE_SUBJECT: LazyLock<Script> =
    LazyLock::new(|| with_prelude(include_str!("delete_subject.lua")));
/// Record and publish a revocation.
pub(crate) static REVOKE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("revoke.lua")));
/// Create a refresh-token family (never overwriting).
pub(crate) static REFRESH_CREATE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("refresh_create.lua")));
/// Consume and rotate a refresh token.
pub(crate) static REFRESH_ROTATE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("refresh_rotate.lua")));
/// Delete a refresh-token family, returning its record.
pub(crate) static REFRESH_DELETE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("refresh_delete.lua")));
/// One step (check or fail) of a login throttle on one key, by the server's clock.
pub(crate) static THROTTLE: LazyLock<Script> =
    LazyLock::new(|| Script::new(include_str!("throttle.lua")));
