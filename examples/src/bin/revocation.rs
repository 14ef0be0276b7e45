//! `cargo run -p examples --bin revocation`: how fast does a logout on one instance reach
//! another?
//!
//! Starts two instances of the `jwt-api` app in this process (A on 127.0.0.1:3101, B on
//! 127.0.0.1:3102; `PORT_A` / `PORT_B` change them), each with its own connections and
//! revocation listener, sharing one PostgreSQL database when `DATABASE_URL` is set (schema
//! `revocation_example`, revocations by `LISTEN`/`NOTIFY`), else one Redis (`REDIS_URL`, default
//! `redis://127.0.0.1:6379/`, under a key prefix unique to this run), and the same signing key. Then: log in on A, call
//! `/api/me` on B (200), log out on A, and poll B until it refuses the access token; prints
//! the propagation time. Gives up after 5 s with a non-zero exit; stops by itself.

// An example that reports to its terminal.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use examples::backend::Backend;
use examples::jwt_api_app::{self, Keys, Options, Stores};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const GIVE_UP_AFTER: Duration = Duration::from_secs(5);

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("revocation example failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    // Two instances need a shared store: Redis on its default port unless one is configured.
    let backend = match Backend::from_env() {
        Backend::Memory => Backend::Redis("redis://127.0.0.1:6379/".into()),
        shared => shared,
    };
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let name = match backend {
        // One schema for every run: its tables are created once, and rows expire.
        Backend::Postgres(_) => "revocation_example".to_owned(),
        _ => format!("revocation_example_{}_{nanos}", std::process::id()),
    };
    let keys = Keys::generate()?;
    // Short lifetimes: what this run leaves behind expires within minutes.
    let options = Options {
        access_ttl: Duration::from_secs(60),
        family_lifetime: Duration::from_secs(120),
        ..Options::default()
    };

    let a = serve(&keys, &backend, &name, &options, port("PORT_A", 3101)).await?;
    let b = serve(&keys, &backend, &name, &options, port("PORT_B", 3102)).await?;
    println!(
        "instance A on http://{a}, instance B on http://{b}, state {} ({name})",
        backend.describe()
    );

    let (status, body) = call(
        a,
        "POST",
        "/auth/login",
        None,
        Some(r#"{"username":"alice","password":"wonderland"}"#),
    )
    .await?;
    if status != 200 {
        return Err(format!("login on A: {status} {body}").into());
    }
    let tokens: serde_json::Value = serde_json::from_str(&body)?;
    let access = tokens["access_token"].as_str().ok_or("no access_token")?;
    let refresh = tokens["refresh_token"].as_str().ok_or("no refresh_token")?;
    println!("logged in on A as alice");

    let (status, _) = call(b, "GET", "/api/me", Some(access), None).await?;
    if status != 200 {
        return Err(format!("/api/me on B before logout: {status}").into());
    }
    println!("GET /api/me on B with A's token: {status}");

    let logout_body = serde_json::json!({ "refresh_token": refresh }).to_string();
    let sent = Instant::now();
    let (status, body) = call(a, "POST", "/auth/logout", None, Some(&logout_body)).await?;
    let logged_out = Instant::now();
    if status != 204 {
        return Err(format!("logout on A: {status} {body}").into());
    }
    println!(
        "logged out on A (204 in {:.1} ms)",
        ms(logged_out.duration_since(sent))
    );

    let mut polls = 0u32;
    loop {
        polls += 1;
        let (status, _) = call(b, "GET", "/api/me", Some(access), None).await?;
        if status == 401 {
            let after = logged_out.elapsed();
            println!(
                "token refused on instance B {:.1} ms after logout on A ({polls} poll(s) of B)",
                ms(after)
            );
            if polls == 1 {
                println!(
                    "(refused on the first poll: the time is an upper bound, one request to B)"
                );
            }
            return Ok(());
        }
        if logged_out.elapsed() > GIVE_UP_AFTER {
            return Err(format!(
                "B still accepts the token {} s after the logout on A (last status {status})",
                GIVE_UP_AFTER.as_secs()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

fn port(var: &str, default: u16) -> u16 {
    std::env::var(var)
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One instance: its own connections and revocation listener, the shared keys.
async fn serve(
    keys: &Keys,
    backend: &Backend,
    name: &str,
    options: &Options,
    port: u16,
) -> Result<SocketAddr, BoxError> {
    let stores = Stores::from(backend.connect(name).await?);
    let app = jwt_api_app::router(keys, &stores, options)?;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<SocketAddr>();
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("server on {addr} stopped: {e}");
        }
    });
    Ok(addr)
}

/// A minimal HTTP/1.1 request (one connection each, `Connection: close`): status and body.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    json: Option<&str>,
) -> Result<(u16, String), BoxError> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    if let Some(token) = bearer {
        request.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    let body = json.unwrap_or_default();
    if json.is_some() {
        request.push_str("content-type: application/json\r\n");
    }
    request.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(Duration::from_secs(5), exchange).await??;
    let text = String::from_utf8_lossy(&response);
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or("malformed HTTP response")?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}
