//! A minimal HTTP/1.1 client for set-up and the smoke run: wait for a port, one GET.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Wait until something accepts on `port`, or until `alive` says the server is gone.
pub(crate) fn wait_for(port: u16, limit: Duration, mut alive: impl FnMut() -> bool) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(alive(), "the server for port {port} exited while starting");
        assert!(start.elapsed() < limit, "server on {port} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One response: status code, raw head and body.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) head: String,
    pub(crate) body: String,
}

/// GET `path` with an optional extra header line (`Name: value`).
pub(crate) fn get(port: u16, path: &str, header: Option<&str>) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let extra = header.map(|h| format!("{h}\r\n")).unwrap_or_default();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}Connection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("read");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP response from {path} on {port}:\n{response}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status from {path} on {port}:\n{response}"));
    Response {
        status,
        head: head.to_owned(),
        body: body.trim().to_owned(),
    }
}

/// GET `path` and insist on a 2xx.
pub(crate) fn get_ok(port: u16, path: &str, header: Option<&str>) -> Response {
    let r = get(port, path, header);
    assert!(
        (200..300).contains(&r.status),
        "GET {path} on {port} answered {}:\n{}\n\n{}",
        r.status,
        r.head,
        r.body
    );
    r
}

/// GET /init and return the `name=value` of its Set-Cookie.
pub(crate) fn init_cookie(port: u16) -> String {
    let r = get_ok(port, "/init", None);
    r.head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
        })
        .unwrap_or_else(|| panic!("no Set-Cookie from /init on {port}:\n{}", r.head))
}
