//! Which Cluster nodes to track: the masters of the slot map (`CLUSTER SLOTS`), and whether
//! that map has changed since tracking was set up (a failover or a resharding moves sessions to
//! a node whose tracking connection may not exist yet).

use super::tracking::Tracker;
use auth_core::Error;
use redis::aio::MultiplexedConnection;
use redis::{ConnectionAddr, ConnectionInfo, Value};

/// The slot ranges and the master serving each, sorted: equal maps mean an equal topology.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct SlotMap(Vec<(i64, i64, String, u16)>);

impl SlotMap {
    /// A connection to each master (settings such as TLS and credentials from the first seed).
    pub(super) fn masters(&self, seeds: &[ConnectionInfo]) -> Result<Vec<ConnectionInfo>, Error> {
        let template = seeds
            .first()
            .ok_or_else(|| Error::config("no Redis Cluster node given"))?;
        let mut nodes: Vec<(&str, u16)> = self
            .0
            .iter()
            .map(|(_, _, host, port)| (host.as_str(), *port))
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
    parse(reply)
        .ok_or_else(|| crate::error::corrupt("read the cluster slot map", "unexpected reply"))
}

/// `[[start, end, [host, port, id, ...], replicas...], ...]`.
fn parse(reply: Value) -> Option<SlotMap> {
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
    (!map.is_empty()).then_some(SlotMap(map))
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
        let map = parse(reply).unwrap();
        let seed: ConnectionInfo = "redis://:pw@seed:7000/".parse().unwrap();
        let masters = map.masters(&[seed]).unwrap();
        let mut addrs: Vec<String> = masters.iter().map(|m| m.addr().to_string()).collect();
        addrs.sort();
        assert_eq!(addrs, ["10.0.0.1:7000", "seed:7001"]);
        assert!(
            masters
                .iter()
                .all(|m| m.redis_settings().password() == Some("pw"))
        );
        assert!(parse(Value::Array(vec![])).is_none());
        assert!(parse(Value::Nil).is_none());
    }
}
