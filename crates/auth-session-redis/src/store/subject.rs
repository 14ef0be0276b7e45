//! Listing a subject's sessions ("your devices"), shared by both deployments.
//!
//! The index may hold entries that no longer stand for a live session of the subject (a session
//! that expired, or on a Cluster one whose index update has not happened yet). Each entry is
//! checked against its session, so such entries are never listed; the ones that can never
//! become live again (no session left behind them) are pruned on the way.

use super::RedisStore;
use super::calls::{self, IndexOp};
use auth_core::{Error, SessionEntry, SessionKey};
use futures_util::future::try_join_all;

pub(super) async fn list(s: &RedisStore, subject: &str) -> Result<Vec<SessionEntry>, Error> {
    let now = s.now();
    let mut cmd = redis::cmd("ZRANGE");
    // Entries scored at or before `now` are past their absolute expiry.
    cmd.arg(s.keys.subject(subject))
        .arg(format!("({}", now.as_unix_millis()))
        .arg("+inf")
        .arg("BYSCORE");
    let members: Vec<String> = s.backend.query("read subject index", &cmd).await?;
    let records = try_join_all(
        members
            .iter()
            .map(|m| calls::read_key(s, s.keys.session_for_member(m))),
    )
    .await?;
    let cluster = s.backend.is_cluster();
    let mut entries = Vec::with_capacity(members.len());
    let mut stale = Vec::new();
    for (member, record) in members.into_iter().zip(records) {
        let key = SessionKey::from_hex(&member).ok();
        match (key, record) {
            (Some(key), Some(record))
                if record.subject() == Some(subject) && !record.is_expired(now) =>
            {
                entries.push(SessionEntry::new(key, record));
            }
            // Expired by our clock, but Redis still holds it: not listed, and not pruned here
            // either, since an instance whose clock runs ahead would erase live entries. Redis
            // drops the session at its expiry by its own clock; its entry goes after that
            // (below on a single Redis), or by its score.
            (_, Some(record)) if record.is_expired(now) => {}
            // On a single Redis every write changes session and index together, so an entry
            // without a matching session is stale. On a Cluster it may be a session that is
            // being created or re-assigned right now (the index is written first): leave it;
            // it stops being listed by the check above and goes at its absolute expiry.
            _ if !cluster => stale.push(member),
            _ => {}
        }
    }
    if !stale.is_empty() {
        // Pruning is housekeeping: a failure here does not make the listing wrong.
        let _ = calls::index(s, s.keys.subject(subject), IndexOp::Remove, &stale).await;
    }
    entries.sort_by_key(|e| (e.record.created_at, e.key));
    Ok(entries)
}
