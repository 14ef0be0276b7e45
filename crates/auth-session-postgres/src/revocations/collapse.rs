//! The revoking transaction's statements, and collapsing a subject's entries into one
//! watermark inside it (see auth-core's revocation set for why a watermark covers them).

use crate::schema::{DB_NOW_MS, Schema, sql};
use auth_core::{Revocation, RevocationTarget, Timestamp};
use sqlx::{Postgres, SqlStr, Transaction};
use std::time::Duration;

/// Expired rows one revoke deletes at most.
const PRUNE_BATCH: i64 = 1000;

/// SQL text, built once per list.
#[derive(Debug)]
pub(super) struct Statements {
    /// Serialises revocation writes for the rest of the transaction, so that rows commit in
    /// `seq` order and a listener reading `seq > last` misses none.
    pub(super) lock: SqlStr,
    /// Record (an existing entry's expiry only moves later, and a change takes a new `seq`),
    /// prune a batch of what the database's clock says expired (never the row being written:
    /// one statement must not change a row twice), and announce, which PostgreSQL sends when
    /// the transaction commits.
    pub(super) record: SqlStr,
    /// A subject's live entries, with the database's clock.
    of_subject: SqlStr,
    /// Delete the entries a watermark replaces.
    delete: SqlStr,
}

impl Statements {
    pub(super) fn new(schema: &Schema) -> Self {
        let table = &schema.revocations;
        Self {
            lock: sql!(
                "SELECT pg_advisory_xact_lock(hashtext('auth_tower_revocations:{}'))",
                schema.name()
            ),
            record: sql!(
                "WITH recorded AS (INSERT INTO {table} AS r (target, expires_at, subject) \
                   VALUES ($1, $2, $3) ON CONFLICT (target) DO UPDATE \
                   SET expires_at = EXCLUDED.expires_at, seq = DEFAULT \
                   WHERE r.expires_at < EXCLUDED.expires_at), \
                 pruned AS (DELETE FROM {table} WHERE target IN (SELECT target FROM {table} \
                   WHERE expires_at <= {DB_NOW_MS} AND target <> $1 ORDER BY expires_at \
                   LIMIT {PRUNE_BATCH} FOR UPDATE SKIP LOCKED)) \
                 SELECT pg_notify($4, $5)"
            ),
            of_subject: sql!(
                "SELECT target, expires_at, {DB_NOW_MS} FROM {table} \
                 WHERE subject = $1 AND expires_at > {DB_NOW_MS}"
            ),
            delete: sql!("DELETE FROM {table} WHERE target = ANY($1)"),
        }
    }
}

/// Collapse `subject`'s entries if it has more than `threshold`.
pub(super) struct Collapse<'a> {
    pub(super) subject: &'a str,
    /// The revoking instance's clock.
    pub(super) now: Timestamp,
    pub(super) horizon: Duration,
    pub(super) threshold: usize,
}

impl Collapse<'_> {
    /// Inside the revoking transaction (after the lock and the record): if the subject has
    /// more live entries than the threshold, replace its session entries revoked until now and
    /// its watermarks by one watermark, and announce it. Returns the watermark written.
    pub(super) async fn run(
        &self,
        st: &Statements,
        channel: &str,
        tx: &mut Transaction<'static, Postgres>,
    ) -> Result<Option<Revocation>, sqlx::Error> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(st.of_subject.clone())
            .bind(self.subject)
            .fetch_all(&mut **tx)
            .await?;
        if rows.len() <= self.threshold {
            return Ok(None);
        }
        let db_now = rows.first().map_or(0, |r| r.2);
        // After every clock that may have revoked these entries (ours, the database's), and
        // after any watermark the subject already has, which it replaces.
        let mut before = self.now.as_unix_millis().max(db_now).saturating_add(1);
        let mut watermark_expiry = i64::MIN;
        let mut parsed = Vec::with_capacity(rows.len());
        for (target, expires_at, _) in rows {
            let Ok(t) = serde_json::from_str::<RevocationTarget>(&target) else {
                continue;
            };
            if let RevocationTarget::SubjectBefore { before: b, .. } = &t {
                before = before.max(b.as_unix_millis());
                watermark_expiry = watermark_expiry.max(expires_at);
            }
            parsed.push((target, t, expires_at));
        }
        let horizon_ms = i64::try_from(self.horizon.as_millis()).unwrap_or(i64::MAX);
        // Covered: session entries revoked before `before` (every list gives one an
        // expiry of at least its revocation time plus the horizon), the rule every instance
        // applies to its in-memory set.
        let bound = before.saturating_add(horizon_ms);
        let expiry = bound.max(watermark_expiry);
        let gone: Vec<String> = parsed
            .into_iter()
            .filter(|(_, t, e)| match t {
                RevocationTarget::SubjectBefore { .. } => true,
                RevocationTarget::Session { .. } => *e < bound,
                _ => false,
            })
            .map(|(target, _, _)| target)
            .collect();
        sqlx::query(st.delete.clone())
            .bind(&gone)
            .execute(&mut **tx)
            .await?;
        let watermark = Revocation::subject_before(
            self.subject,
            Timestamp::from_unix_millis(before),
            Timestamp::from_unix_millis(expiry),
        );
        let target = serde_json::to_string(&watermark.target)
            .map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let mut message =
            serde_json::to_string(&watermark).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        if message.len() > super::MAX_PAYLOAD {
            message.clear();
        }
        sqlx::query(st.record.clone())
            .bind(&target)
            .bind(expiry)
            .bind(self.subject)
            .bind(channel)
            .bind(&message)
            .execute(&mut **tx)
            .await?;
        Ok(Some(watermark))
    }
}
