//! Fetching a JWKS document: HTTPS (plain HTTP only to loopback), a timeout, a size cap, and
//! redirects only within the same origin.

use super::cache_control;
use crate::error::{Error, ErrorKind};
use http::header::{ACCEPT, CACHE_CONTROL};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Client, StatusCode, Url};
use std::sync::Arc;
use std::time::Duration;

/// The most redirects followed (same origin only).
const MAX_REDIRECTS: usize = 3;

/// A fetched document and the freshness lifetime its response announced.
pub(super) struct Fetched {
    pub(super) body: Vec<u8>,
    pub(super) max_age: Option<Duration>,
}

fn is_loopback(url: &Url) -> bool {
    match url.host_str() {
        Some(host) if host.eq_ignore_ascii_case("localhost") => true,
        Some(host) => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            host.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// Parse and police the JWKS URL.
pub(super) fn parse_url(url: &str) -> Result<Url, Error> {
    let url =
        Url::parse(url).map_err(|e| Error::config("the JWKS URL does not parse").with_source(e))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(Error::config(
            "the JWKS URL must be https (plain http is allowed to loopback only)",
        )),
    }
}

/// An HTTP client on rustls with aws-lc-rs and the Mozilla root store, following redirects
/// only within `url`'s origin.
pub(super) fn client(url: &Url, timeout: Duration) -> Result<Client, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("TLS configuration").with_source(e))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let origin = url.origin();
    let policy = Policy::custom(move |attempt: Attempt<'_>| {
        if attempt.previous().len() > MAX_REDIRECTS || attempt.url().origin() != origin {
            attempt.stop()
        } else {
            attempt.follow()
        }
    });
    Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(policy)
        .user_agent(concat!("auth-jwt/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::config("the HTTP client could not be built").with_source(e))
}

fn unavailable(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::new(ErrorKind::Unavailable, message)
}

/// `url` as it may be logged or shown: without user info (`user:pass@`), query or fragment,
/// where identity providers and proxies put credentials and API keys.
pub(super) fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    // Both only fail for URLs that cannot have user info (no host), which we never accept.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.into()
}

/// GET the document, refusing anything but a `200` of at most `max_bytes`.
pub(super) async fn fetch(client: &Client, url: &Url, max_bytes: usize) -> Result<Fetched, Error> {
    let mut response = client
        .get(url.clone())
        .header(ACCEPT, "application/jwk-set+json, application/json")
        .send()
        .await
        // `without_url`: reqwest's message would repeat the URL, user info and query included.
        .map_err(|e| unavailable("the JWKS request failed").with_source(e.without_url()))?;
    if response.status() != StatusCode::OK {
        return Err(unavailable(format!(
            "the JWKS endpoint answered {} (redirects to other origins are not followed)",
            response.status()
        )));
    }
    let too_large = || Error::new(ErrorKind::InvalidKeySet, "the JWKS response is too large");
    if response
        .content_length()
        .is_some_and(|len| len > max_bytes as u64)
    {
        return Err(too_large());
    }
    let max_age = cache_control::max_age(response.headers().get(CACHE_CONTROL));
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| unavailable("the JWKS response broke off").with_source(e.without_url()))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched { body, max_age })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted_urls_have_no_userinfo_query_or_fragment() {
        let cases = [
            (
                "https://user:pass@idp.example/jwks?api_key=k#f",
                "https://idp.example/jwks",
            ),
            (
                "https://user@idp.example:8443/jwks",
                "https://idp.example:8443/jwks",
            ),
            ("https://:pass@idp.example/", "https://idp.example/"),
            (
                "http://127.0.0.1:8080/a/b?x=1&y=2",
                "http://127.0.0.1:8080/a/b",
            ),
            (
                "https://idp.example/.well-known/jwks.json",
                "https://idp.example/.well-known/jwks.json",
            ),
        ];
        for (url, shown) in cases {
            assert_eq!(redacted(&parse_url(url).unwrap()), shown, "{url}");
        }
    }

    #[test]
    fn url_policy() {
        assert!(parse_url("https://idp.example/.well-known/jwks.json").is_ok());
        assert!(parse_url("http://127.0.0.1:8080/jwks").is_ok());
        assert!(parse_url("http://[::1]/jwks").is_ok());
        assert!(parse_url("http://localhost/jwks").is_ok());
        assert!(parse_url("http://idp.example/jwks").is_err());
        assert!(parse_url("file:///etc/passwd").is_err());
        assert!(parse_url("not a url").is_err());
    }
}
