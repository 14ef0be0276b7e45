//! A TCP proxy that holds every chunk for a fixed time in each direction: Redis "0.5 ms away"
//! on loopback, since this kernel has no `sch_netem` for `tc ... netem delay`.
//!
//! Per connection and direction, a reader thread stamps each chunk with its due time and a
//! writer thread sends it when due, so pipelined commands overlap as they would on a real link
//! (a delay, not a bandwidth limit). Std threads and `thread::sleep` (calibrated for the
//! timer's overshoot at start) are far more precise than tokio's millisecond timers. Dropping
//! the proxy closes the listener and every connection.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

pub(crate) struct DelayProxy {
    pub(crate) port: u16,
    stop: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl DelayProxy {
    /// Listen on `port`, forward to `upstream` (a loopback port), `one_way` added per direction.
    pub(crate) fn start(port: u16, upstream: u16, one_way: Duration) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("delay proxy: bind 127.0.0.1:{port}: {e}"));
        let sleep_for = calibrated(one_way);
        let stop = Arc::new(AtomicBool::new(false));
        let streams = Arc::new(Mutex::new(Vec::new()));
        let (stop2, streams2) = (stop.clone(), streams.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let server = TcpStream::connect(("127.0.0.1", upstream))
                    .expect("delay proxy: connect upstream");
                for s in [&client, &server] {
                    s.set_nodelay(true).expect("nodelay");
                    let clone = s.try_clone().expect("clone");
                    streams2.lock().expect("streams").push(clone);
                }
                pipe(&client, &server, sleep_for, one_way);
                pipe(&server, &client, sleep_for, one_way);
            }
        });
        Self {
            port,
            stop,
            streams,
        }
    }
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port)); // wakes the accept loop
        for s in self.streams.lock().expect("streams").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Copy `from` to `to`, each chunk sent `delay` after it was read.
fn pipe(from: &TcpStream, to: &TcpStream, sleep_for: Duration, delay: Duration) {
    let (mut from, mut to) = (
        from.try_clone().expect("clone"),
        to.try_clone().expect("clone"),
    );
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    thread::spawn(move || {
        for (read_at, chunk) in rx {
            let waited = read_at.elapsed();
            if waited < delay {
                // `sleep_for` is `delay` less the timer's usual overshoot.
                thread::sleep(sleep_for.saturating_sub(waited));
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

/// What to ask `thread::sleep` for so that it returns after about `target`.
fn calibrated(target: Duration) -> Duration {
    let mut overshoot: Vec<Duration> = (0..100)
        .map(|_| {
            let start = Instant::now();
            thread::sleep(target);
            start.elapsed().saturating_sub(target)
        })
        .collect();
    overshoot.sort();
    target.saturating_sub(overshoot[overshoot.len() / 2])
}

/// Median round trip of a Redis `PING` to `port` over one connection (for the report).
pub(crate) fn ping_rtt(port: u16) -> Duration {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect for PING");
    s.set_nodelay(true).expect("nodelay");
    let mut buf = [0u8; 16];
    let mut times: Vec<Duration> = (0..200)
        .map(|_| {
            let start = Instant::now();
            s.write_all(b"PING\r\n").expect("PING");
            let mut got = 0;
            while got < 7 {
                got += s.read(&mut buf[got..]).expect("PONG");
            }
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
