//! Which Cluster nodes to track: the masters of the slot map (`CLUSTER SLOTS`) and every
//! healthy master that owns no slot yet (`CLUSTER NODES`), and whether that picture has changed
//! since tracking was set up (a failover or a resharding moves sessions to a node whose
//! tracking connection may not exist yet).
//!
//! Masters without slots matter during a resharding: while a slot migrates, a read of a moved
//! key is answered by the importing node through an `ASK` redirect, and that node owns no slot
//! in the map until the migration ends. Were it untracked, a session read from it would be
//! cached with nobody to report its changes. Tracking every master means a key read from any
//! node is invalidated by that node; a master that joins is noticed at the next check (within
//! `CHECK_EVERY`), which ends the tracking session and flushes the cache.

use super::tracking::Tracker;
use auth_core::Error;
use redis::aio::MultiplexedConnection;
use redis::{ConnectionAddr, ConnectionInfo, Value};

/// The slot ranges and the master serving each, and the healthy masters serving no slot, both
/// sorted: equal maps mean an equal topology.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct SlotMap {
    slots: Vec<(i64, i64, String, u16)>,
    idle_masters: Vec<(String, u16)>,
}

impl SlotMap {
    /// A connection to each master (settings such as TLS and credentials from the first seed).
    pub(super) fn masters(&self, seeds: &[ConnectionInfo]) -> Result<Vec<ConnectionInfo>, Error> {
        let template = seeds
            .first()
            .ok_or_else(|| Error::config("no Redis Cluster node given"))?;
        let mut nodes: Vec<(&str, u16)> = self
            .slots
            .iter()
            .map(|(_, _, host, port)| (host.as_str(), *port))
            .chain(self.idle_masters.iter().map(|(h, p)| (h.as_str(), *p)))
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
            .into_iter()
            .map(|(host, port)| {
                let addr = match template.addr() {
                    ConnectionAddr::Tcp(seed_host, _) => {
                        ConnectionAddr::Tcp(non_empty(host, seed_host), port)
                    }
                    ConnectionAddr::TcpTls {
                        host: seed_host,
                        insecure,
                        tls_params,
                        ..
                    } => ConnectionAddr::TcpTls {
                        host: non_empty(host, seed_host),
                        port,
                        insecure: *insecure,
                        tls_params: tls_params.clone(),
                    },
                    _ => {
                        return Err(Error::config(
                            "Redis Cluster nodes must be reached over TCP",
                        ));
                    }
                };
                Ok(template.clone().set_addr(addr))
            })
            .collect()
    }
}

/// A node that does not know its own endpoint answers an empty host: the seed's is used.
fn non_empty(host: &str, seed_host: &str) -> String {
    if host.is_empty() { seed_host } else { host }.to_owned()
}

/// The slot map as the first seed that answers sees it.
pub(super) async fn slot_map(t: &Tracker, seeds: &[ConnectionInfo]) -> Result<SlotMap, Error> {
    let mut last = None;
    for seed in seeds {
        let client = redis::Client::open(seed.clone())
            .map_err(|e| Error::config("invalid Redis Cluster node URL").with_source(e))?;
        let conn = t
            .bounded(
                "connect for the cluster slot map",
                client.get_multiplexed_async_connection(),
            )
            .await;
        match conn {
            Ok(mut conn) => match slot_map_from(t, &mut conn).await {
                Ok(map) => return Ok(map),
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::config("no Redis Cluster node given")))
}

/// The slot map as the node behind `conn` sees it.
pub(super) async fn slot_map_from(
    t: &Tracker,
    conn: &mut MultiplexedConnection,
) -> Result<SlotMap, Error> {
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("SLOTS");
    let reply: Value = t
        .bounded("read the cluster slot map", cmd.query_async(conn))
        .await?;
    let slots = parse(reply)
        .ok_or_else(|| crate::error::corrupt("read the cluster slot map", "unexpected reply"))?;
    let mut cmd = redis::cmd("CLUSTER");
    cmd.arg("NODES");
    let nodes: String = t
        .bounded("read the cluster's nodes", cmd.query_async(conn))
        .await?;
    Ok(SlotMap {
        slots,
        idle_masters: idle_masters(&nodes),
    })
}

/// The masters of a `CLUSTER NODES` listing that serve no slot and are not known to be failing
/// (`fail`, `fail?`), half-joined (`handshake`) or without an address (`noaddr`): the nodes a
/// resharding imports into. One line per node: `id host:port@cport[,hostname] flags master
/// ping pong epoch link slot...`; a slot under migration shows as `[slot-<-id]` or
/// `[slot->-id]`, which is not a slot served.
fn idle_masters(listing: &str) -> Vec<(String, u16)> {
    let mut out: Vec<(String, u16)> = listing
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_ascii_whitespace().collect();
            let (addr, flags) = (fields.get(1)?, fields.get(2)?);
            let flags: Vec<&str> = flags.split(',').collect();
            let healthy = flags.contains(&"master")
                && !flags
                    .iter()
                    .any(|f| matches!(*f, "fail" | "fail?" | "handshake" | "noaddr"));
            let serves_a_slot = fields.iter().skip(8).any(|f| !f.starts_with('['));
            if !healthy || serves_a_slot {
                return None;
            }
            let host_port = addr.split(['@', ',']).next()?;
            let (host, port) = host_port.rsplit_once(':')?;
            Some((host.to_owned(), port.parse().ok()?))
        })
        .collect();
    out.sort_unstable();
    out
}

/// `[[start, end, [host, port, id, ...], replicas...], ...]`.
fn parse(reply: Value) -> Option<Vec<(i64, i64, String, u16)>> {
    let Value::Array(ranges) = reply else {
        return None;
    };
    let mut map = Vec::with_capacity(ranges.len());
    for range in ranges {
        let Value::Array(range) = range else {
            return None;
        };
        let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(master))) =
            (range.first(), range.get(1), range.get(2))
        else {
            return None;
        };
        let host = match master.first()? {
            Value::BulkString(b) => String::from_utf8(b.clone()).ok()?,
            Value::SimpleString(s) => s.clone(),
            _ => return None,
        };
        let Some(Value::Int(port)) = master.get(1) else {
            return None;
        };
        map.push((*start, *end, host, u16::try_from(*port).ok()?));
    }
    map.sort_unstable();
    (!map.is_empty()).then_some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(host: &str, port: i64) -> Value {
        Value::Array(vec![
            Value::BulkString(host.as_bytes().to_vec()),
            Value::Int(port),
            Value::BulkString(b"id".to_vec()),
        ])
    }

    #[test]
    fn masters_of_the_slot_map() {
        let reply = Value::Array(vec![
            Value::Array(vec![Value::Int(8192), Value::Int(16383), node("", 7001)]),
            Value::Array(vec![
                Value::Int(0),
                Value::Int(8191),
                node("10.0.0.1", 7000),
                node("10.0.0.2", 7002),
            ]),
        ]);
        let map = SlotMap {
            slots: parse(reply).unwrap(),
            idle_masters: vec![("10.0.0.9".to_owned(), 7009)],
        };
        let seed: ConnectionInfo = "redis://:pw@seed:7000/".parse().unwrap();
        let masters = map.masters(&[seed]).unwrap();
        let mut addrs: Vec<String> = masters.iter().map(|m| m.addr().to_string()).collect();
        addrs.sort();
        assert_eq!(addrs, ["10.0.0.1:7000", "10.0.0.9:7009", "seed:7001"]);
        assert!(
            masters
                .iter()
                .all(|m| m.redis_settings().password() == Some("pw"))
        );
        assert!(parse(Value::Array(vec![])).is_none());
        assert!(parse(Value::Nil).is_none());
    }

    /// Security review 2, finding 13: the node a slot migrates into owns no slot until the
    /// migration ends, so it was not tracked while reads reached it through `ASK` redirects.
    #[test]
    fn masters_without_slots_are_tracked_unless_failing() {
        let listing = "\
a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460 [93->-d4]
b2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-16383
d4 127.0.0.1:7003@17003,node-d master - 0 0 4 connected [93-<-a1]
e5 127.0.0.1:7004@17004 master,fail - 0 0 5 disconnected
f6 :7005@17005 master,handshake - 0 0 0 connected
c3 127.0.0.1:7002@17002 slave b2 0 0 2 connected
g7 ::1:7006@17006 master - 0 0 7 connected
";
        assert_eq!(
            idle_masters(listing),
            [("127.0.0.1".to_owned(), 7003), ("::1".to_owned(), 7006)]
        );
        assert!(idle_masters("").is_empty());
        assert!(idle_masters("garbage\n\n x y").is_empty());
    }
}
