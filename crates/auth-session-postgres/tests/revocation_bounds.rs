//! What one subject can add to the PostgreSQL revocation list is bounded (the shared
//! conformance suite), a list of a million entries still loads within the snapshot deadline
//! (auth-core's shared-store harness), and a forged `NOTIFY` is only ever a hint: it revokes
//! nothing and reloads nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use auth_core::conformance::revocations::SUITE_SESSIONS_PER_SUBJECT;
use auth_core::conformance::shared::SharedStore;
use auth_core::metrics::REVOCATION_FEED_RESYNCS_TOTAL;
use auth_core::{Clock, Revocation, RevocationProbe, Revocations, SystemClock, Timestamp};
use auth_session_postgres::{PostgresConfig, PostgresRevocations};
use common::DropSchema;
use metrics_util::debugging::DebuggingRecorder;
use std::time::{Duration, Instant};
use test_support::metrics::Recorded;

fn config_for(schema: &str) -> PostgresConfig {
    PostgresConfig::new(common::database_url())
        .with_schema(schema)
        .with_revocations_per_subject(SUITE_SESSIONS_PER_SUBJECT)
}

async fn connect(config: &PostgresConfig) -> PostgresRevocations {
    PostgresRevocations::connect(config)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {}: {e}", common::database_url()))
}

/// A PostgreSQL revocation list on a schema of its own (dropped when this is dropped).
#[derive(Debug)]
struct OnPostgres(DropSchema);

#[async_trait(?Send)]
impl SharedStore for OnPostgres {
    type List = PostgresRevocations;

    async fn connect(&self) -> PostgresRevocations {
        connect(&config_for(&self.0.0)).await
    }

    fn held_for(list: &PostgresRevocations, subject: &str) -> usize {
        list.entries_of(subject)
    }

    fn len(list: &PostgresRevocations) -> usize {
        list.len()
    }

    fn is_synced(list: &PostgresRevocations) -> bool {
        list.is_synced()
    }

    async fn stored_for(&self, subject: &str) -> usize {
        let mut raw = common::raw().await;
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM \"{}\".revocations WHERE subject = $1",
            self.0.0
        )))
        .bind(subject)
        .fetch_one(&mut raw)
        .await
        .unwrap();
        usize::try_from(n).unwrap()
    }

    async fn write_tokens(&self, count: usize, expires_at: Timestamp) {
        // Creates the schema and its tables.
        drop(self.connect().await);
        let mut raw = common::raw().await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO \"{}\".revocations (target, expires_at) \
             SELECT '{{\"type\":\"token\",\"jti\":\"bulk-' || lpad(g::text, 7, '0') || '\"}}', $1 \
             FROM generate_series(0, $2 - 1) AS g",
            self.0.0
        )))
        .bind(expires_at.as_unix_millis())
        .bind(i64::try_from(count).unwrap())
        .execute(&mut raw)
        .await
        .unwrap();
    }
}

auth_core::shared_revocations_conformance!(
    || async { OnPostgres(DropSchema(common::unique_schema())) },
    ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"
);

/// Finding 12 of the second review: any role that can connect could `NOTIFY` the channel and
/// inject a revocation (the payload was trusted) or force a snapshot reload (an unreadable
/// payload did). A forged revocation payload revokes nothing, and a flood of forged
/// notifications reloads nothing, while a real revocation still reaches the other instance.
/// (Current-thread runtime: the lists' tasks record into this thread's metrics recorder.)
#[tokio::test]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn a_forged_notify_revokes_nothing_and_forces_no_snapshot_reload() {
    let recorder = DebuggingRecorder::new();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let schema = common::unique_schema();
    let _drop = DropSchema(schema.clone());
    let a = connect(&config_for(&schema)).await;
    let b = connect(&config_for(&schema)).await;
    let snapshotter = recorder.snapshotter();
    let postgres = [("store", "postgres")];
    let resyncs = |recorded: &Recorded| recorded.counter(REVOCATION_FEED_RESYNCS_TOTAL, &postgres);
    // `take` drains: each instance came in step once as it connected.
    assert_eq!(
        resyncs(&Recorded::take(&snapshotter)),
        2,
        "the hook sees resyncs"
    );

    let channel = format!("{schema}_revocations");
    let until = SystemClock
        .now()
        .saturating_add(Duration::from_secs(3600))
        .as_unix_millis();
    let forged =
        format!("{{\"target\":{{\"type\":\"token\",\"jti\":\"forged\"}},\"expires_at\":{until}}}");
    let mut raw = common::raw().await;
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(&channel)
        .bind(&forged)
        .execute(&mut raw)
        .await
        .unwrap();
    for i in 0..200 {
        let payload = match i % 3 {
            0 => String::new(),
            1 => "not json".to_owned(),
            _ => forged.clone(),
        };
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&channel)
            .bind(payload)
            .execute(&mut raw)
            .await
            .unwrap();
    }
    // A real revocation, committed after the forged ones: once B has it, B has read past them.
    a.revoke(Revocation::token(
        "real",
        SystemClock.now().saturating_add(Duration::from_secs(60)),
    ))
    .await
    .unwrap();
    let real = RevocationProbe {
        token_id: Some("real"),
        ..RevocationProbe::default()
    };
    let start = Instant::now();
    while !b.is_revoked(&real).unwrap() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the real revocation reaches B"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Give B time to act on whatever else it received.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let forged_probe = RevocationProbe {
        token_id: Some("forged"),
        ..RevocationProbe::default()
    };
    for list in [&a, &b] {
        assert!(
            !list.is_revoked(&forged_probe).unwrap(),
            "a forged payload revoked a token"
        );
        assert!(list.is_synced());
    }
    assert_eq!(b.len(), 1);
    let reloads = resyncs(&Recorded::take(&snapshotter));
    assert_eq!(reloads, 0, "forged notifications forced snapshot reloads");
}
