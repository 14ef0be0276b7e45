//! Fetching a JWKS document: HTTPS (plain HTTP only to loopback), a timeout, a size cap, and
//! redirects only within the same origin.

use super::RemoteJwksConfig;
use super::cache_control;
use crate::error::{Error, ErrorKind};
use http::header::{ACCEPT, CACHE_CONTROL};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Client, StatusCode, Url};
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

/// Parse and police a JWKS, issuer or discovered URL: `https`, or plain `http` to loopback.
pub(super) fn parse_url(url: &str) -> Result<Url, Error> {
    let url =
        Url::parse(url).map_err(|e| Error::config("the URL does not parse").with_source(e))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(Error::config(
            "key and issuer URLs must be https (plain http is allowed to loopback only)",
        )),
    }
}

/// The HTTP client: the application's own (`RemoteJwksConfig::with_http_client`) as it is, or
/// ours, following redirects only within the origin of the request that was redirected; with
/// feature `remote-jwks-rustls` ours speaks TLS on rustls with aws-lc-rs and the Mozilla roots.
/// Without that feature and without a client of the application's, only loopback `http` can
/// be fetched, and anything else is refused here rather than failing on the first fetch.
pub(super) fn client(url: &Url, config: &RemoteJwksConfig) -> Result<Client, Error> {
    if let Some(client) = &config.http_client {
        return Ok(client.clone());
    }
    let builder = Client::builder()
        .connect_timeout(config.timeout)
        .redirect(same_origin_redirects())
        .user_agent(concat!("auth-jwt/", env!("CARGO_PKG_VERSION")));
    #[cfg(feature = "remote-jwks-rustls")]
    let builder = builder.use_preconfigured_tls(rustls_config()?);
    #[cfg(not(feature = "remote-jwks-rustls"))]
    if url.scheme() == "https" {
        return Err(Error::config(
            "fetching keys over https needs an HTTP client: pass yours with \
             RemoteJwksConfig::with_http_client, or enable the feature remote-jwks-rustls",
        ));
    }
    let _ = url;
    builder
        .build()
        .map_err(|e| Error::config("the HTTP client could not be built").with_source(e))
}

/// Follow at most [`MAX_REDIRECTS`], and only to the origin of the URL first asked for (a
/// discovery document and its JWKS may live on different origins; each stays on its own).
fn same_origin_redirects() -> Policy {
    Policy::custom(|attempt: Attempt<'_>| {
        let first = attempt.previous().first().map(Url::origin);
        if attempt.previous().len() > MAX_REDIRECTS || first != Some(attempt.url().origin()) {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

#[cfg(feature = "remote-jwks-rustls")]
fn rustls_config() -> Result<rustls::ClientConfig, Error> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("TLS configuration").with_source(e))?
        .with_root_certificates(roots)
        .with_no_client_auth())
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

/// Which document a fetch is for: what it asks for and how errors name it.
#[derive(Clone, Copy)]
pub(super) enum Document {
    /// A JWK set (RFC 7517).
    Jwks,
    /// Authorization server metadata (OpenID Connect Discovery or RFC 8414).
    Metadata,
}

impl Document {
    fn accept(self) -> &'static str {
        match self {
            Self::Jwks => "application/jwk-set+json, application/json",
            Self::Metadata => "application/json",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Jwks => "JWKS",
            Self::Metadata => "issuer metadata",
        }
    }

    fn invalid(self, message: &'static str) -> Error {
        let kind = match self {
            Self::Jwks => ErrorKind::InvalidKeySet,
            Self::Metadata => ErrorKind::Unavailable,
        };
        Error::new(kind, message)
    }
}

/// GET `document` at `url` within `timeout`, refusing anything but a `200` of at most
/// `max_bytes`.
pub(super) async fn fetch(
    client: &Client,
    url: &Url,
    document: Document,
    timeout: Duration,
    max_bytes: usize,
) -> Result<Fetched, Error> {
    let name = document.name();
    let mut response = client
        .get(url.clone())
        .header(ACCEPT, document.accept())
        .timeout(timeout)
        .send()
        .await
        // `without_url`: reqwest's message would repeat the URL, user info and query included.
        .map_err(|e| {
            unavailable(format!("the {name} request failed")).with_source(e.without_url())
        })?;
    if response.status() != StatusCode::OK {
        return Err(unavailable(format!(
            "the {name} endpoint answered {} (redirects to other origins are not followed)",
            response.status()
        )));
    }
    let too_large = || document.invalid("the response is too large");
    if response
        .content_length()
        .is_some_and(|len| len > max_bytes as u64)
    {
        return Err(too_large());
    }
    let max_age = cache_control::max_age(response.headers().get(CACHE_CONTROL));
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        unavailable(format!("the {name} response broke off")).with_source(e.without_url())
    })? {
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
