//! [`ScriptCall`]: one invocation of a script, kept as the `EVALSHA` command it becomes, so it
//! can be sent on its own or in a pipeline with the `WAIT` that must follow it on the same
//! connection (`redis::ScriptInvocation` sends itself only).

use redis::aio::ConnectionLike;
use redis::{Cmd, ErrorKind, RedisResult, Script, ServerErrorKind, ToRedisArgs};

/// A script with its keys and arguments, built like a `redis::ScriptInvocation`.
pub(crate) struct ScriptCall {
    script: &'static Script,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
}

impl ScriptCall {
    pub(crate) fn new(script: &'static Script) -> Self {
        Self {
            script,
            keys: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Add a key (`KEYS[i]`).
    pub(crate) fn key<T: ToRedisArgs>(&mut self, key: T) -> &mut Self {
        key.write_redis_args(&mut self.keys);
        self
    }

    /// Add an argument (`ARGV[i]`).
    pub(crate) fn arg<T: ToRedisArgs>(&mut self, arg: T) -> &mut Self {
        arg.write_redis_args(&mut self.args);
        self
    }

    /// `EVALSHA <sha1> <number of keys> keys... args...`: routed on a Cluster by its first key.
    pub(crate) fn evalsha(&self) -> Cmd {
        let mut cmd = redis::cmd("EVALSHA");
        cmd.arg(self.script.get_hash())
            .arg(self.keys.len())
            .arg(&self.keys)
            .arg(&self.args);
        cmd
    }

    /// Load the script (on every node of a Cluster).
    pub(crate) async fn load(&self, conn: &mut impl ConnectionLike) -> RedisResult<String> {
        self.script.load_async(conn).await
    }

    /// Run it; if the server does not know the script yet, load it and run it again.
    pub(crate) async fn invoke<T: redis::FromRedisValue>(
        &self,
        conn: &mut impl ConnectionLike,
    ) -> RedisResult<T> {
        let cmd = self.evalsha();
        match cmd.query_async(conn).await {
            Err(e) if is_no_script(&e) => {
                self.load(conn).await?;
                cmd.query_async(conn).await
            }
            done => done,
        }
    }
}

/// The server does not have the script (a restart or `SCRIPT FLUSH` emptied its cache).
pub(crate) fn is_no_script(e: &redis::RedisError) -> bool {
    e.kind() == ErrorKind::Server(ServerErrorKind::NoScript)
}
