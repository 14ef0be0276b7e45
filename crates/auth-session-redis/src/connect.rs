//! Connecting: from a [`RedisConfig`] (plain data) to clients, connections and the
//! [`Backend`] every store sends its commands through.

use crate::config::{RedisConfig, Target};
use crate::conn::{Backend, RedisConnection};
use crate::error;
use auth_core::Error;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::time::Duration;

/// A client for the server at `url`, with this configuration's TLS settings.
// `config` carries the TLS settings, which only the `tls` feature reads.
#[cfg_attr(not(feature = "tls"), allow(unused_variables))]
pub(crate) fn client(config: &RedisConfig, url: &str) -> Result<redis::Client, Error> {
    if url.starts_with("rediss:") && !cfg!(feature = "tls") {
        return Err(Error::config(
            "a rediss:// URL needs TLS: enable the feature `tls` (auth-tower: `redis-tls`)",
        ));
    }
    #[cfg(feature = "tls")]
    if url.starts_with("rediss:") {
        // redis-rs builds its rustls configuration on the process default provider, and
        // panics where there is none; an application that chose one keeps it.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    #[cfg(feature = "tls")]
    if let Some(root) = config.tls_root() {
        let certs = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(root.to_vec()),
        };
        return redis::Client::build_with_tls(url, certs)
            .map_err(|e| Error::config("invalid Redis URL or CA certificate").with_source(e));
    }
    open_client(url)
}

/// Clients for the servers to subscribe on: the one Redis, or the cluster's seed nodes.
pub(crate) fn clients(config: &RedisConfig) -> Result<Vec<redis::Client>, Error> {
    match config.target() {
        Target::Single(url) => Ok(vec![client(config, url)?]),
        #[cfg(feature = "cluster")]
        Target::Cluster(urls) => urls.iter().map(|u| client(config, u)).collect(),
    }
}

/// Open the reconnecting command connection (and, when writes wait for replicas, a second
/// one for those writes).
pub(crate) async fn backend(config: &RedisConfig) -> Result<Backend, Error> {
    config.keys()?;
    let backend = Backend::new(open(config).await?, config.timeout());
    Ok(match config.replica_acks_wanted() {
        Some(acks) => backend.with_replica_acks(acks, open(config).await?),
        None => backend,
    })
}

/// A [`Backend`] on a connection the application passed in: writes that wait for
/// replicas share it with everything else (reads queue behind a `WAIT` there).
pub(crate) fn backend_on(config: &RedisConfig, conn: RedisConnection) -> Backend {
    let backend = Backend::new(conn.clone(), config.timeout());
    match config.replica_acks_wanted() {
        Some(acks) => backend.with_replica_acks(acks, conn),
        None => backend,
    }
}

async fn open(config: &RedisConfig) -> Result<RedisConnection, Error> {
    Ok(match config.target() {
        Target::Single(url) => {
            let client = client(config, url)?;
            let manager = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(config.timeout()))
                .set_response_timeout(Some(config.timeout()))
                // Reconnect attempts are quick and few: callers already fail within the
                // timeout, and a short backoff lets the first request after Redis comes
                // back succeed.
                .set_number_of_retries(1)
                .set_min_delay(Duration::from_millis(20))
                .set_max_delay(Duration::from_millis(200));
            let connecting = ConnectionManager::new_with_config(client, manager);
            error::within("connect", config.timeout(), connecting)
                .await?
                .into()
        }
        #[cfg(feature = "cluster")]
        Target::Cluster(nodes) => {
            let builder = redis::cluster::ClusterClientBuilder::new(nodes.clone());
            #[cfg(feature = "tls")]
            let builder = match config.tls_root() {
                Some(root) => builder.certs(redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(root.to_vec()),
                }),
                None => builder,
            };
            let client = builder
                .connection_timeout(config.timeout())
                .response_timeout(config.timeout())
                .retries(2)
                .min_retry_wait(10)
                .max_retry_wait(200)
                .build()
                .map_err(|e| Error::config("invalid Redis Cluster node URL").with_source(e))?;
            let connecting = client.get_async_connection();
            error::within("connect to cluster", config.timeout(), connecting)
                .await?
                .into()
        }
    })
}

/// A client for one server (checks the URL), without TLS settings of ours.
fn open_client(url: &str) -> Result<redis::Client, Error> {
    redis::Client::open(url).map_err(|e| Error::config("invalid Redis URL").with_source(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use auth_core::ErrorKind;

    #[tokio::test]
    async fn bad_configuration_is_refused_before_any_io() {
        let bad_prefix = RedisConfig::new("redis://127.0.0.1:1/").with_key_prefix("a{b}");
        assert_eq!(
            backend(&bad_prefix).await.unwrap_err().kind(),
            ErrorKind::Config
        );
        let zero = RedisConfig::new("redis://127.0.0.1:1/").with_timeout(Duration::ZERO);
        assert_eq!(backend(&zero).await.unwrap_err().kind(), ErrorKind::Config);
        for (replicas, wait) in [(0, 100), (1, 0)] {
            let acks = RedisConfig::new("redis://127.0.0.1:1/")
                .with_replica_acks(replicas, Duration::from_millis(wait));
            assert_eq!(backend(&acks).await.unwrap_err().kind(), ErrorKind::Config);
        }
        let url = RedisConfig::new("nonsense://");
        assert_eq!(backend(&url).await.unwrap_err().kind(), ErrorKind::Config);
        let dbg = format!("{:?}", RedisConfig::new("redis://:hunter2@h/"));
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }
}
