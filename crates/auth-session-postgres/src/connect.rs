//! Connecting: from a [`PostgresConfig`] (plain data) to the shared pool (opened, and migrated
//! or checked, on first use) and the revocation feed's own small pool.

use crate::config::PostgresConfig;
use crate::db::Db;
use crate::migrate;
use crate::schema::Schema;
use auth_core::Error;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

/// The shared pool (opened and migrated on first use) and the schema's names.
pub(crate) async fn connect(config: &PostgresConfig) -> Result<(Db, Schema), Error> {
    let schema = config.validate()?;
    let options = config.connect_options()?;
    let timeout = config.timeout();
    let pool = config
        .shared_pool()
        .get_or_try_init(|| async {
            let pool = match config.app_pool() {
                Some(pool) => pool.clone(),
                None => PgPoolOptions::new()
                    .max_connections(config.max_connections())
                    .acquire_timeout(timeout)
                    .connect_lazy_with(options.clone()),
            };
            if config.migrates() {
                migrate::run(&options, timeout, &schema).await?;
            } else {
                migrate::check(&Db::new(pool.clone(), timeout), &schema).await?;
            }
            Ok::<_, Error>(pool)
        })
        .await?;
    Ok((Db::new(pool.clone(), timeout), schema))
}

/// A small pool of its own for a listener (the revocation feed's, or a local session cache's:
/// its `LISTEN` connection and its heartbeat and snapshot queries), so that it never waits
/// behind the stores' traffic.
pub(crate) fn feed_pool(config: &PostgresConfig) -> Result<PgPool, Error> {
    config.validate()?;
    Ok(PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(config.timeout())
        .connect_lazy_with(config.connect_options()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::ErrorKind;
    use std::time::Duration;

    #[tokio::test]
    async fn bad_configuration_is_refused_before_any_io() {
        let url = "postgres://postgres@127.0.0.1:1/none";
        for bad in [
            PostgresConfig::new(url).with_schema("Bad-Name"),
            PostgresConfig::new(url).with_schema(""),
            PostgresConfig::new(url).with_schema("x".repeat(41)),
            PostgresConfig::new(url).with_timeout(Duration::ZERO),
            PostgresConfig::new(url).with_max_connections(0),
            PostgresConfig::new(url).with_cleanup_interval(Duration::ZERO),
            PostgresConfig::new("nonsense://"),
        ] {
            let err = connect(&bad).await.err().map(|e| e.kind());
            assert_eq!(err, Some(ErrorKind::Config), "{bad:?}");
        }
        let dbg = format!("{:?}", PostgresConfig::new("postgres://u:hunter2@h/db"));
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }
}
