//! [`RedisRefreshStore`]: refresh-token families on Redis, one HASH each, every method one
//! Lua script (so each is atomic on a single Redis and on a Cluster alike: one key).

use crate::config::RedisConfig;
use crate::conn::{Backend, RedisConnection};
use crate::connect;
use crate::error;
use crate::keys::Keys;
use crate::scripts;
use async_trait::async_trait;
use auth_core::refresh::{FamilyId, FamilyRecord, RefreshStore, RotateRequest, Rotation};
use auth_core::{Error, ErrorKind, Timestamp};
use redis::Value;
use std::fmt;

/// A [`RefreshStore`] on Redis or Redis Cluster: `{prefix}rf:{<family hex>}` is a HASH with
/// the family record (JSON), the live generation, when it became live, when it expires and how
/// often the previous token was presented again since (so the grace-window repeat limit holds
/// across instances); the key expires (`PEXPIREAT`) at the family's absolute end.
///
/// ```no_run
/// use auth_session_redis::{RedisConfig, RedisRefreshStore};
/// # async fn run() -> Result<(), auth_core::Error> {
/// let refresh = RedisRefreshStore::connect(&RedisConfig::new("redis://127.0.0.1:6379/")).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRefreshStore {
    backend: Backend,
    keys: Keys,
}

impl RedisRefreshStore {
    /// Connect as `config` says.
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad URL or prefix; [`ErrorKind::Unavailable`] if Redis
    /// cannot be reached within the timeout.
    pub async fn connect(config: &RedisConfig) -> Result<Self, Error> {
        Ok(Self {
            keys: config.keys()?,
            backend: connect::backend(config).await?,
        })
    }

    /// Use a connection the application already has (shared with a [`RedisStore`](crate::RedisStore),
    /// for example).
    ///
    /// # Errors
    /// [`ErrorKind::Config`] for a bad prefix or timeout.
    pub fn with_connection(
        conn: impl Into<RedisConnection>,
        config: &RedisConfig,
    ) -> Result<Self, Error> {
        Ok(Self {
            backend: connect::backend_on(config, conn.into()),
            keys: config.keys()?,
        })
    }

    fn key(&self, family: &FamilyId) -> String {
        self.keys.refresh_family(&family.to_hex())
    }
}

impl fmt::Debug for RedisRefreshStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRefreshStore")
            .field("prefix", &self.keys.prefix())
            .finish_non_exhaustive()
    }
}

fn millis(t: Timestamp) -> i64 {
    t.as_unix_millis()
}

fn record_from(v: &Value) -> Result<FamilyRecord, Error> {
    let json: String = redis::from_redis_value(v.clone())
        .map_err(|_| error::corrupt("refresh family", "record is not a string"))?;
    serde_json::from_str(&json)
        .map_err(|_| error::corrupt("refresh family", "record is not valid JSON"))
}

fn int_at(values: &[Value], i: usize) -> Result<i64, Error> {
    values
        .get(i)
        .and_then(|v| redis::from_redis_value::<i64>(v.clone()).ok())
        .ok_or_else(|| error::corrupt("refresh rotate", "malformed script reply"))
}

#[async_trait]
impl RefreshStore for RedisRefreshStore {
    async fn create(
        &self,
        family: &FamilyId,
        record: &FamilyRecord,
        first_expires_at: Timestamp,
    ) -> Result<(), Error> {
        let json = serde_json::to_string(record)?;
        let mut inv = scripts::ScriptCall::new(&scripts::REFRESH_CREATE);
        inv.key(self.key(family))
            .arg(json)
            .arg(millis(first_expires_at.min(record.expires_at)))
            .arg(millis(record.expires_at));
        let created: i64 = self.backend.invoke_write("refresh create", &inv).await?;
        if created == 1 {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Collision,
                "a refresh family already exists under that id",
            ))
        }
    }

    async fn rotate(&self, request: &RotateRequest) -> Result<Rotation, Error> {
        let grace = i64::try_from(request.grace.as_millis()).unwrap_or(i64::MAX);
        let mut inv = scripts::ScriptCall::new(&scripts::REFRESH_ROTATE);
        inv.key(self.key(&request.family))
            .arg(millis(request.now))
            .arg(request.generation)
            .arg(grace)
            .arg(millis(request.next_expires_at))
            .arg(request.max_repeats);
        let reply: Vec<Value> = self.backend.invoke_write("refresh rotate", &inv).await?;
        let code = int_at(&reply, 0)?;
        let generation = |i| {
            int_at(&reply, i).and_then(|g| {
                u64::try_from(g)
                    .map_err(|_| error::corrupt("refresh rotate", "negative generation"))
            })
        };
        Ok(match code {
            0 => Rotation::NotFound,
            1 | 2 => {
                let record = record_from(
                    reply
                        .get(1)
                        .ok_or_else(|| error::corrupt("refresh rotate", "missing record"))?,
                )?;
                let generation = generation(2)?;
                let expires_at = Timestamp::from_unix_millis(int_at(&reply, 3)?);
                if code == 1 {
                    Rotation::Rotated {
                        record,
                        generation,
                        expires_at,
                    }
                } else {
                    Rotation::Repeated {
                        record,
                        generation,
                        expires_at,
                        repeats: u32::try_from(int_at(&reply, 4)?).map_err(|_| {
                            error::corrupt("refresh rotate", "repeat count out of range")
                        })?,
                    }
                }
            }
            3 => Rotation::Reused {
                record: record_from(
                    reply
                        .get(1)
                        .ok_or_else(|| error::corrupt("refresh rotate", "missing record"))?,
                )?,
            },
            _ => return Err(error::corrupt("refresh rotate", "unknown reply code")),
        })
    }

    async fn delete(&self, family: &FamilyId) -> Result<Option<FamilyRecord>, Error> {
        let mut inv = scripts::ScriptCall::new(&scripts::REFRESH_DELETE);
        inv.key(self.key(family));
        let reply: Value = self.backend.invoke_write("refresh delete", &inv).await?;
        match reply {
            Value::Nil => Ok(None),
            v => record_from(&v).map(Some),
        }
    }
}
