//! What the PostgreSQL store does beyond the shared contract: the rows it writes, the values
//! PostgreSQL refuses, the migrations left to the application, and the cleanup of expired rows
//! (in batches, never past the database's clock).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use auth_core::{
    Clock, ErrorKind, Identity, ManualClock, SessionChanges, SessionRecord, SessionStore,
    SystemClock,
};
use auth_session_postgres::{PostgresConfig, PostgresStore};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn rows(schema: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{schema}\".sessions"
    )))
    .fetch_one(&mut common::raw().await)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn a_session_is_one_row_keyed_by_its_digest_with_values_in_jsonb() {
    let store = common::store(Arc::new(SystemClock)).await;
    let key = common::new_key();
    let mut r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(60),
        Duration::from_secs(600),
    );
    r.identity = Some(Identity::new("alice"));
    r.values.insert("cart".into(), json!([1, 2]));
    store.create(&key, &r).await.unwrap();
    let schema = store.store.schema().to_owned();
    let (subject, vals, version): (Option<String>, String, i64) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT subject, vals::text, version FROM \"{schema}\".sessions WHERE key = $1"
        )))
        .bind(key.as_bytes().as_slice())
        .fetch_one(&mut common::raw().await)
        .await
        .unwrap();
    assert_eq!(subject.as_deref(), Some("alice"));
    assert_eq!(vals, r#"{"cart": [1, 2]}"#);
    assert_eq!(version, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn a_value_postgres_cannot_store_is_a_serialization_error_and_changes_nothing() {
    let store = common::store(Arc::new(SystemClock)).await;
    let key = common::new_key();
    let r = SessionRecord::new(
        SystemClock.now(),
        Duration::from_secs(60),
        Duration::from_secs(600),
    );
    store.create(&key, &r).await.unwrap();
    let mut c = SessionChanges::default();
    c.insert("nul".into(), json!("a\u{0}b"));
    c.insert("fine".into(), json!(1));
    let err = store.save(&key, &c).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Serialization, "{err}");
    let loaded = store.load(&key).await.unwrap().unwrap();
    assert!(
        loaded.values.is_empty() && loaded.version == 0,
        "{loaded:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn without_migrations_connect_refuses_missing_tables_until_the_app_applies_them() {
    let schema = common::unique_schema();
    let _drop = common::DropSchema(schema.clone());
    let config = PostgresConfig::new(common::database_url())
        .with_schema(schema.clone())
        .without_migrations();
    let err = PostgresStore::connect(&config).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    // The application's own tool applies the exposed migrations, in the schema.
    let mut conn = common::raw().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SET search_path TO \"{schema}\""
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    auth_session_postgres::migrator()
        .run(&mut conn)
        .await
        .unwrap();
    let store = PostgresStore::connect(&config).await.unwrap();
    assert!(store.load(&common::new_key()).await.unwrap().is_none());

    // Tables from before the device column (the first migration only): refused at connect,
    // naming the column, rather than failing every session query afterwards.
    sqlx::query("ALTER TABLE sessions DROP COLUMN device")
        .execute(&mut conn)
        .await
        .unwrap();
    // A config of its own: one config checks once, when it opens its pool.
    let fresh = PostgresConfig::new(common::database_url())
        .with_schema(schema.clone())
        .without_migrations();
    let err = PostgresStore::connect(&fresh).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert!(err.to_string().contains("device"), "{err}");
}

/// Expired rows go in the background, but only once the database's clock agrees: an instance
/// whose clock runs a day ahead sees a session as expired and never serves it, yet does not
/// delete it for the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL on 127.0.0.1:5432 (DATABASE_URL)"]
async fn cleanup_deletes_expired_rows_by_the_database_clock_only() {
    let ahead = Arc::new(ManualClock::new());
    ahead.advance(Duration::from_secs(24 * 3600));
    let (config, schema) = common::config(ahead.clone());
    let config = config.with_cleanup_interval(Duration::from_millis(100));
    let fast = common::connect_store(&config).await;
    let right = common::connect_store(
        &PostgresConfig::new(common::database_url())
            .with_schema(schema.0.clone())
            .without_cleanup(),
    )
    .await;
    let now = SystemClock.now();
    let live = common::new_key();
    right
        .create(
            &live,
            &SessionRecord::new(now, Duration::from_secs(3600), Duration::from_secs(7200)),
        )
        .await
        .unwrap();
    for _ in 0..3 {
        let short = SessionRecord::new(now, Duration::from_millis(200), Duration::from_secs(7200));
        right.create(&common::new_key(), &short).await.unwrap();
    }
    assert!(
        fast.load(&live).await.unwrap().is_none(),
        "expired by the fast clock"
    );
    let start = Instant::now();
    while rows(&schema.0).await > 1 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "expired rows were never cleaned"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rows(&schema.0).await, 1, "the live session's row is kept");
    assert!(right.load(&live).await.unwrap().is_some());
}
