//! A TCP proxy in front of PostgreSQL that a test can cut: connections through it stop
//! answering (a network partition: nothing is refused, calls just hang) until it is restored,
//! when the held connections are closed and new ones go through again.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Partitioned,
}

/// The proxy; stops (closing every connection) when dropped.
#[derive(Debug)]
pub struct Proxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        // Wake every connection task so it closes its sockets.
        self.mode.send_replace(Mode::Partitioned);
        self.mode.send_replace(Mode::Forward);
    }
}

impl Proxy {
    /// A proxy on 127.0.0.1 (a free port) to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, _) = watch::channel(Mode::Forward);
        let modes = mode.clone();
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                tokio::spawn(relay(inbound, upstream, modes.subscribe()));
            }
        });
        Self { addr, mode, task }
    }

    /// Where to connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// From now on nothing goes through, in either direction, on any connection.
    pub fn partition(&self) {
        self.mode.send_replace(Mode::Partitioned);
    }

    /// Close the held connections; new ones go through again.
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Forward);
    }
}

async fn relay(mut inbound: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    if *mode.borrow_and_update() == Mode::Partitioned {
        // Accepted, never answered: hold it until the partition ends, then close it.
        let _ = mode.wait_for(|m| *m == Mode::Forward).await;
        return;
    }
    let Ok(mut outbound) = TcpStream::connect(upstream).await else {
        return;
    };
    let partitioned = tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => false,
        _ = mode.wait_for(|m| *m == Mode::Partitioned) => true,
    };
    if partitioned {
        // Hold both ends, silent, until the partition ends; then close them.
        let _ = mode.wait_for(|m| *m == Mode::Forward).await;
    }
}
