//! A minimal HTTP/1.1 server on 127.0.0.1:0 with canned replies, counting requests per path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Send `Content-Length` (otherwise the body runs until the connection closes).
    pub(crate) length: bool,
}

impl Reply {
    pub(crate) fn jwks(body: impl Into<Vec<u8>>, max_age: u64) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/jwk-set+json".into()),
                ("cache-control".into(), format!("public, max-age={max_age}")),
            ],
            body: body.into(),
            length: true,
        }
    }

    pub(crate) fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: b"nope".to_vec(),
            length: true,
        }
    }

    pub(crate) fn redirect(location: String) -> Self {
        Self {
            status: 302,
            headers: vec![("location".into(), location)],
            body: vec![],
            length: true,
        }
    }
}

#[derive(Default)]
struct Routes {
    replies: HashMap<String, Reply>,
    hits: HashMap<String, usize>,
}

/// A minimal HTTP/1.1 server: one request per connection, canned replies by path.
#[derive(Clone)]
pub(crate) struct Server {
    pub(crate) port: u16,
    routes: Arc<Mutex<Routes>>,
}

impl Server {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes = Arc::new(Mutex::new(Routes::default()));
        let shared = routes.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let routes = shared.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let request = String::from_utf8_lossy(&buf);
                    let path = request.split(' ').nth(1).unwrap_or("/").to_owned();
                    let reply = {
                        let mut r = routes.lock().unwrap();
                        *r.hits.entry(path.clone()).or_default() += 1;
                        r.replies
                            .get(&path)
                            .cloned()
                            .unwrap_or_else(|| Reply::status(404))
                    };
                    let mut head = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", reply.status);
                    for (k, v) in &reply.headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    if reply.length {
                        head.push_str(&format!("content-length: {}\r\n", reply.body.len()));
                    }
                    head.push_str("\r\n");
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&reply.body).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { port, routes }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn set(&self, path: &str, reply: Reply) {
        self.routes
            .lock()
            .unwrap()
            .replies
            .insert(path.into(), reply);
    }

    pub(crate) fn hits(&self, path: &str) -> usize {
        self.routes
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}
