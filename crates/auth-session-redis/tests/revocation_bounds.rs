//! What one subject can add to the Redis revocation list is bounded (the shared conformance
//! suite, on two and three instances), and a list of a million entries still loads within the
//! snapshot deadline (auth-core's shared-store harness).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use async_trait::async_trait;
use auth_core::conformance::revocations::SUITE_SESSIONS_PER_SUBJECT;
use auth_core::conformance::shared::SharedStore;
use auth_core::{Clock, Revocation, RevocationTarget, SystemClock, Timestamp};
use auth_session_redis::{RedisConfig, RedisRevocations};

/// A Redis revocation list on a prefix of its own (deleted when this is dropped).
#[derive(Debug)]
struct OnRedis {
    config: RedisConfig,
    _cleanup: common::Cleanup,
}

fn store() -> OnRedis {
    let url = common::redis_url();
    let prefix = common::unique_prefix();
    let cleanup = common::Cleanup::new(&url, &prefix);
    OnRedis {
        config: RedisConfig::new(url)
            .with_key_prefix(prefix)
            .with_revocations_per_subject(SUITE_SESSIONS_PER_SUBJECT),
        _cleanup: cleanup,
    }
}

#[async_trait(?Send)]
impl SharedStore for OnRedis {
    type List = RedisRevocations;

    async fn connect(&self) -> RedisRevocations {
        RedisRevocations::connect(&self.config)
            .await
            .unwrap_or_else(|e| panic!("cannot reach Redis at {}: {e}", common::redis_url()))
    }

    fn held_for(list: &RedisRevocations, subject: &str) -> usize {
        list.entries_of(subject)
    }

    fn len(list: &RedisRevocations) -> usize {
        list.len()
    }

    fn is_synced(list: &RedisRevocations) -> bool {
        list.is_synced()
    }

    async fn stored_for(&self, subject: &str) -> usize {
        let mut raw = common::raw(&common::redis_url()).await;
        let members: Vec<String> = redis::cmd("ZRANGE")
            .arg(format!("{}rev", self.config.key_prefix()))
            .arg(0)
            .arg(-1)
            .query_async(&mut raw)
            .await
            .unwrap();
        members
            .iter()
            .filter_map(|m| serde_json::from_str::<RevocationTarget>(m).ok())
            .filter(|t| Revocation::new(t.clone(), SystemClock.now()).subject() == Some(subject))
            .count()
    }

    async fn write_tokens(&self, count: usize, expires_at: Timestamp) {
        const BATCH: usize = 10_000;
        let mut raw = common::raw(&common::redis_url()).await;
        let key = format!("{}rev", self.config.key_prefix());
        for start in (0..count).step_by(BATCH) {
            let mut zadd = redis::cmd("ZADD");
            zadd.arg(&key);
            for i in start..(start + BATCH).min(count) {
                zadd.arg(expires_at.as_unix_millis())
                    .arg(format!("{{\"type\":\"token\",\"jti\":\"bulk-{i:07}\"}}"));
            }
            let _: usize = zadd.query_async(&mut raw).await.unwrap();
        }
    }
}

auth_core::shared_revocations_conformance!(
    || async { store() },
    ignore = "needs Redis at REDIS_URL (default 127.0.0.1:6379)"
);
