//! A Redis Cluster of `redis-server` processes started by tests, joined by `redis-cli --cluster
//! create`, resharded and failed over on demand; dropping it kills every node.

use crate::server::RedisServer;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Redis Cluster of cluster-enabled [`RedisServer`]s, slots assigned by
/// `redis-cli --cluster create` (masters only, or with replicas); dropping it kills every node.
#[derive(Debug)]
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

/// A synchronous connection to one node, or `None` when it does not answer.
fn node_connection(node: &RedisServer) -> Option<redis::Connection> {
    redis::Client::open(node.url())
        .and_then(|c| c.get_connection_with_timeout(Duration::from_millis(500)))
        .ok()
}

/// One node's answer to `CLUSTER <sub>`, as text ("" when it does not answer).
fn cluster_text(node: &RedisServer, sub: &str) -> String {
    node_connection(node)
        .and_then(|mut c| redis::cmd("CLUSTER").arg(sub).query::<String>(&mut c).ok())
        .unwrap_or_default()
}

impl RedisCluster {
    /// Start `masters` nodes, join them into one cluster and wait until every node reports
    /// `cluster_state:ok`.
    ///
    /// # Panics
    /// When `redis-server` or `redis-cli` is missing, or the cluster is not ok within 30 s.
    pub fn start(masters: usize) -> Self {
        Self::start_with_replicas(masters, 0, Duration::from_secs(5))
    }

    /// Start `masters` masters with `replicas` replicas each (`--cluster-replicas`), every
    /// node with `node_timeout` as its `cluster-node-timeout`, and wait until every node
    /// reports `cluster_state:ok`, knows every other node, and every master has its replicas
    /// connected and in sync.
    ///
    /// # Panics
    /// As [`start`](Self::start).
    pub fn start_with_replicas(masters: usize, replicas: usize, node_timeout: Duration) -> Self {
        // Started one by one, so the next free-port probe sees the previous one taken.
        let nodes: Vec<RedisServer> = (0..masters * (1 + replicas))
            .map(|_| RedisServer::start_cluster_node_with(node_timeout))
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port()))
            .collect();
        let status = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "this test needs `redis-cli` on PATH ({e}); install it \
                     (`apt-get install redis-tools`)"
                )
            });
        assert!(status.success(), "redis-cli --cluster create failed");
        let cluster = Self { nodes };
        cluster.wait_until_ok();
        if replicas > 0 {
            cluster.wait_for_replicas(replicas);
        }
        cluster
    }

    fn wait_until_ok(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let total = self.nodes.len();
        for node in &self.nodes {
            loop {
                let info = cluster_text(node, "INFO");
                if info.contains("cluster_state:ok")
                    && info.contains(&format!("cluster_known_nodes:{total}\r\n"))
                {
                    break;
                }
                assert!(Instant::now() < deadline, "cluster never became ok: {info}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// Wait until every master has `replicas` replicas online whose replication offset
    /// caught up with it.
    fn wait_for_replicas(&self, replicas: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        for i in self.master_indices() {
            loop {
                let info = node_connection(&self.nodes[i])
                    .and_then(|mut c| {
                        redis::cmd("INFO")
                            .arg("replication")
                            .query::<String>(&mut c)
                            .ok()
                    })
                    .unwrap_or_default();
                let online = info
                    .lines()
                    .filter(|l| l.starts_with("slave") && l.contains("state=online"))
                    .count();
                if online >= replicas {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "master {i} never got {replicas} replica(s) online: {info}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// Every node's `redis://127.0.0.1:PORT/`.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The nodes, in the order they were started.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// The indices (into [`nodes`](Self::nodes)) of the running nodes that are masters now,
    /// by their own `ROLE`.
    pub fn master_indices(&self) -> Vec<usize> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].pid().is_some())
            .filter(|&i| {
                node_connection(&self.nodes[i])
                    .and_then(|mut c| redis::cmd("ROLE").query::<redis::Value>(&mut c).ok())
                    .is_some_and(|role| match role {
                        redis::Value::Array(parts) => matches!(
                            parts.first(),
                            Some(redis::Value::BulkString(b)) if b == b"master"
                        ),
                        _ => false,
                    })
            })
            .collect()
    }

    /// The indices of the running nodes that replicate node `master` now, by their own
    /// `ROLE`.
    pub fn replicas_of(&self, master: usize) -> Vec<usize> {
        let port = i64::from(self.nodes[master].port());
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].pid().is_some())
            .filter(|&i| {
                node_connection(&self.nodes[i])
                    .and_then(|mut c| redis::cmd("ROLE").query::<redis::Value>(&mut c).ok())
                    .is_some_and(|role| match role {
                        redis::Value::Array(parts) => {
                            matches!(parts.first(), Some(redis::Value::BulkString(b)) if b == b"slave")
                                && matches!(parts.get(2), Some(redis::Value::Int(p)) if *p == port)
                        }
                        _ => false,
                    })
            })
            .collect()
    }

    /// The index of the node that serves `key`'s slot now, as a running master sees the slot
    /// map (`CLUSTER KEYSLOT`, then `CLUSTER SLOTS`).
    ///
    /// # Panics
    /// When no running node answers or no node serves the slot.
    pub fn node_for_key(&self, key: &str) -> usize {
        let ask = self
            .nodes
            .iter()
            .find_map(node_connection)
            .expect("a running cluster node");
        let mut ask = ask;
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut ask)
            .expect("CLUSTER KEYSLOT");
        let port = slot_owner_port(&mut ask, slot).expect("a node serves the slot");
        self.nodes
            .iter()
            .position(|n| n.port() == port)
            .expect("the slot's node is one of ours")
    }

    /// SIGKILL node `index` (it stays dead; the cluster's view of it does not change until
    /// its peers notice).
    ///
    /// # Panics
    /// When `index` is out of range.
    pub fn kill(&mut self, index: usize) {
        self.nodes[index].kill();
    }

    /// Wait (up to `within`) until a replica has taken over every slot of the dead master
    /// that listened on `dead_port`: every running node says `cluster_state:ok` and no slot
    /// is served by `dead_port` any more. How long that took from the call.
    ///
    /// # Panics
    /// When that does not happen within `within`.
    pub fn wait_for_failover(&self, dead_port: u16, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let running: Vec<&RedisServer> =
                self.nodes.iter().filter(|n| n.pid().is_some()).collect();
            let done = running.iter().all(|node| {
                let ok = cluster_text(node, "INFO").contains("cluster_state:ok");
                ok && node_connection(node).is_some_and(|mut c| !serves_port(&mut c, dead_port))
            });
            if done {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < within,
                "no replica took over from the master on port {dead_port} within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `CLUSTER SLOTS` as (first slot, last slot, master port) rows.
fn slot_ranges(conn: &mut redis::Connection) -> Vec<(i64, i64, u16)> {
    let Ok(redis::Value::Array(ranges)) = redis::cmd("CLUSTER").arg("SLOTS").query(conn) else {
        return Vec::new();
    };
    ranges
        .into_iter()
        .filter_map(|range| {
            let redis::Value::Array(parts) = range else {
                return None;
            };
            let int = |v: Option<&redis::Value>| match v {
                Some(redis::Value::Int(n)) => Some(*n),
                _ => None,
            };
            let (first, last) = (int(parts.first())?, int(parts.get(1))?);
            let Some(redis::Value::Array(master)) = parts.get(2) else {
                return None;
            };
            let port = u16::try_from(int(master.get(1))?).ok()?;
            Some((first, last, port))
        })
        .collect()
}

fn slot_owner_port(conn: &mut redis::Connection, slot: i64) -> Option<u16> {
    slot_ranges(conn)
        .into_iter()
        .find(|(first, last, _)| (*first..=*last).contains(&slot))
        .map(|(_, _, port)| port)
}

fn serves_port(conn: &mut redis::Connection, port: u16) -> bool {
    let ranges = slot_ranges(conn);
    ranges.is_empty() || ranges.iter().any(|(_, _, p)| *p == port)
}
