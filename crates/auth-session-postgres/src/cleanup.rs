//! Deleting expired rows in the background, in bounded batches: never one unbounded `DELETE`,
//! and never past the database's own clock (a store whose clock runs ahead cannot erase rows
//! that are live for every other instance).
//!
//! Expired rows are never served whether or not they are deleted (every read checks expiry);
//! this only keeps the tables small. Several instances may clean at once: each batch skips
//! rows another one holds.

use crate::db::Db;
use crate::error::TARGET;
use auth_core::Clock;
use sqlx::SqlStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Rows one cleanup statement deletes at most (the statements say `LIMIT 1000`).
pub(crate) const BATCH: u64 = 1000;
/// Batches per round at most: a round's work is bounded even after a long outage; what is
/// left goes in the next round.
const MAX_BATCHES: usize = 100;

/// A background task deleting one table's expired rows; stops when dropped.
#[derive(Debug)]
pub(crate) struct Janitor(JoinHandle<()>);

impl Drop for Janitor {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Janitor {
    /// Every `every`, run `statement` (one batch; `$1` is the store's clock's now in ms) until
    /// a batch deletes fewer than [`BATCH`] rows. `what` names the table in logs.
    pub(crate) fn spawn(
        db: Db,
        what: &'static str,
        statement: SqlStr,
        clock: Arc<dyn Clock>,
        every: Duration,
    ) -> Self {
        Self(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let mut deleted = 0;
                for _ in 0..MAX_BATCHES {
                    let batch = db
                        .run(
                            what,
                            sqlx::query(statement.clone())
                                .bind(clock.now().as_unix_millis())
                                .execute(db.pool()),
                        )
                        .await;
                    match batch {
                        Ok(done) => {
                            deleted += done.rows_affected();
                            if done.rows_affected() < BATCH {
                                break;
                            }
                        }
                        // Logged where it happened; try again next round.
                        Err(_) => break,
                    }
                }
                if deleted > 0 {
                    tracing::debug!(target: TARGET, table = what, deleted, "expired rows deleted");
                }
            }
        }))
    }
}
