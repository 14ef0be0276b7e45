//! The statements the session store sends, each one round trip, spelled out once per schema.
//!
//! Times are bound by the caller from the store's clock (`$now`), so "is it live" is judged
//! by the configured clock; a row is live while `now < expires_at` (expiry is exclusive).

use crate::schema::sql;
use sqlx::SqlStr;

/// The columns a record is read from, in the order `row::record` expects them.
pub(super) const RECORD: &str = "identity, vals::text, created_at, last_seen_at, idle_expires_at, absolute_expires_at, version, device";

#[derive(Debug)]
pub(super) struct Statements {
    /// $1 key, $2 subject, $3 identity, $4 values (jsonb text), $5 created, $6 seen, $7 idle,
    /// $8 absolute, $9 version, $10 now, $11 device (JSON text or NULL). Never over a live session: an expired one left behind
    /// may be taken over. Returns a row if written.
    pub(super) create: SqlStr,
    /// $1 key, $2 now.
    pub(super) load: SqlStr,
    /// One statement for a whole save: remove the removed values, merge the set ones, change
    /// the identity if asked, touch, bump the version; only if the session is live (no
    /// resurrection) and, if asked, still at the expected version.
    /// $1 key, $2 removed names, $3 set values (jsonb object text), $4 whether the identity
    /// changes, $5 identity, $6 subject, $7 touch last seen (NULL: no touch), $8 touch idle
    /// expiry, $9 now, $10 expected version (NULL: none), $11 device (JSON text; NULL keeps
    /// the recorded one). Returns the new version.
    pub(super) save: SqlStr,
    /// $1 key, $2 now: the live version, after a save that wrote nothing.
    pub(super) version: SqlStr,
    /// $1 key, $2 now: deletes the row whatever its state; returns whether it was live.
    pub(super) delete: SqlStr,
    /// $1 old key, $2 now: the first step of a rotation (in its transaction).
    pub(super) take: SqlStr,
    /// $1 subject, $2 now: one batch of a subject's sessions; returns whether each was live.
    /// It waits for rows a concurrent save holds (never skips them: "log out everywhere"
    /// must not miss a session that happened to be busy).
    pub(super) delete_subject_batch: SqlStr,
    /// $1 subject, $2 now.
    pub(super) list_subject: SqlStr,
    /// $1 the store's now: expired rows, one batch, by the earlier of that and the database's
    /// clock.
    pub(super) cleanup: SqlStr,
}

/// Rows one `delete_subject` statement removes at most.
pub(super) const BATCH: i64 = 1000;

impl Statements {
    pub(super) fn new(table: &str) -> Self {
        let db_now = crate::schema::DB_NOW_MS;
        let cleanup_batch = crate::cleanup::BATCH;
        Self {
            create: sql!(
                "INSERT INTO {table} AS s (key, subject, identity, vals, created_at, last_seen_at, \
                 idle_expires_at, absolute_expires_at, version, device) \
                 VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $11) \
                 ON CONFLICT (key) DO UPDATE SET subject = EXCLUDED.subject, \
                 identity = EXCLUDED.identity, vals = EXCLUDED.vals, device = EXCLUDED.device, \
                 created_at = EXCLUDED.created_at, last_seen_at = EXCLUDED.last_seen_at, \
                 idle_expires_at = EXCLUDED.idle_expires_at, \
                 absolute_expires_at = EXCLUDED.absolute_expires_at, version = EXCLUDED.version \
                 WHERE s.expires_at <= $10 \
                 RETURNING 1"
            ),
            load: sql!("SELECT {RECORD} FROM {table} WHERE key = $1 AND expires_at > $2"),
            save: sql!(
                "UPDATE {table} SET \
                 vals = (vals - $2::text[]) || $3::jsonb, \
                 identity = CASE WHEN $4 THEN $5 ELSE identity END, \
                 subject = CASE WHEN $4 THEN $6 ELSE subject END, \
                 device = COALESCE($11::text, device), \
                 last_seen_at = CASE WHEN $7::bigint IS NULL THEN last_seen_at \
                   ELSE GREATEST(last_seen_at, $7) END, \
                 idle_expires_at = CASE WHEN $7::bigint IS NULL THEN idle_expires_at \
                   ELSE LEAST($8, absolute_expires_at) END, \
                 version = version + 1 \
                 WHERE key = $1 AND expires_at > $9 AND ($10::bigint IS NULL OR version = $10) \
                 RETURNING version"
            ),
            version: sql!("SELECT version FROM {table} WHERE key = $1 AND expires_at > $2"),
            delete: sql!("DELETE FROM {table} WHERE key = $1 RETURNING expires_at > $2"),
            take: sql!("DELETE FROM {table} WHERE key = $1 AND expires_at > $2 RETURNING {RECORD}"),
            delete_subject_batch: sql!(
                "DELETE FROM {table} WHERE key IN (SELECT key FROM {table} WHERE subject = $1 \
                 LIMIT {BATCH} FOR UPDATE) RETURNING expires_at > $2"
            ),
            list_subject: sql!(
                "SELECT key, {RECORD} FROM {table} WHERE subject = $1 AND expires_at > $2 \
                 ORDER BY created_at, key"
            ),
            cleanup: sql!(
                "DELETE FROM {table} WHERE key IN (SELECT key FROM {table} \
                 WHERE expires_at <= LEAST($1, {db_now}) ORDER BY expires_at \
                 LIMIT {cleanup_batch} FOR UPDATE SKIP LOCKED)"
            ),
        }
    }
}
