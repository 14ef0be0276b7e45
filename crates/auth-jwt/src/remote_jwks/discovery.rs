//! Where a remote key set comes from: a JWKS URL given as it is, or an issuer whose metadata
//! (OpenID Connect Discovery 1.0, else RFC 8414) names its `jwks_uri`.
//!
//! The metadata's `issuer` must equal the configured issuer exactly (OpenID Connect Discovery
//! §4.3, RFC 8414 §3.3): a document that names another issuer is refused, so a misconfigured
//! or hostile endpoint cannot hand us another issuer's keys. The discovered JWKS URL is kept
//! until a JWKS fetch fails, then discovered again.

use super::fetch::{self, Document};
use crate::error::{Error, ErrorKind};
use reqwest::{Client, Url};
use serde::Deserialize;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// The well-known suffixes, in the order they are tried.
const OPENID_CONFIGURATION: &str = "/.well-known/openid-configuration";
const OAUTH_AUTHORIZATION_SERVER: &str = "/.well-known/oauth-authorization-server";

/// Where the keys come from.
pub(super) enum Source {
    /// A JWKS URL, fetched as it is.
    Jwks(Url),
    /// An issuer, whose metadata names the JWKS URL.
    Issuer(Box<Discovery>),
}

impl Source {
    /// The URL as logs and `Debug` may show it (no user info, query or fragment).
    pub(super) fn shown(&self) -> String {
        match self {
            Self::Jwks(url) => fetch::redacted(url),
            Self::Issuer(d) => fetch::redacted(&d.candidates[0]),
        }
    }

    /// The issuer being followed, if this is one.
    pub(super) fn issuer(&self) -> Option<&str> {
        match self {
            Self::Jwks(_) => None,
            Self::Issuer(d) => Some(&d.issuer),
        }
    }

    /// The first URL fetched, which decides what kind of client is needed.
    pub(super) fn first_url(&self) -> &Url {
        match self {
            Self::Jwks(url) => url,
            Self::Issuer(d) => &d.candidates[0],
        }
    }

    /// The JWKS URL to fetch now (discovering it first if needed).
    pub(super) async fn jwks_url(
        &self,
        client: &Client,
        timeout: Duration,
        max_bytes: usize,
    ) -> Result<Url, Error> {
        match self {
            Self::Jwks(url) => Ok(url.clone()),
            Self::Issuer(d) => d.jwks_url(client, timeout, max_bytes).await,
        }
    }

    /// A JWKS fetch failed: discover again next time (the issuer may have moved its keys).
    pub(super) fn forget(&self) {
        if let Self::Issuer(d) = self {
            *d.resolved.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }
}

/// An issuer and the metadata URLs to ask it.
pub(super) struct Discovery {
    /// The issuer exactly as configured: what the metadata (and every token) must name.
    issuer: String,
    /// OpenID Connect Discovery's URL, then RFC 8414's.
    candidates: [Url; 2],
    resolved: Mutex<Option<Url>>,
}

/// The members of the metadata we use; the rest is ignored.
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
}

impl Discovery {
    /// Follow `issuer` (`https`, or plain `http` to loopback; no query or fragment).
    pub(super) fn new(issuer: &str) -> Result<Self, Error> {
        let url = fetch::parse_url(issuer)?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(Error::config(
                "an issuer URL has no query, fragment or user info",
            ));
        }
        let path = url.path().trim_end_matches('/');
        let mut openid = url.clone();
        openid.set_path(&format!("{path}{OPENID_CONFIGURATION}"));
        let mut oauth = url.clone();
        oauth.set_path(&format!("{OAUTH_AUTHORIZATION_SERVER}{path}"));
        Ok(Self {
            issuer: issuer.to_owned(),
            candidates: [openid, oauth],
            resolved: Mutex::new(None),
        })
    }

    async fn jwks_url(
        &self,
        client: &Client,
        timeout: Duration,
        max_bytes: usize,
    ) -> Result<Url, Error> {
        if let Some(url) = self
            .resolved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(url);
        }
        let mut last = None;
        for candidate in &self.candidates {
            match fetch::fetch(client, candidate, Document::Metadata, timeout, max_bytes).await {
                Ok(fetched) => {
                    let url = self.jwks_uri_of(&fetched.body)?;
                    tracing::info!(
                        target: "auth_jwt::jwks",
                        metadata = %fetch::redacted(candidate),
                        jwks = %fetch::redacted(&url),
                        "issuer metadata discovered"
                    );
                    *self.resolved.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(url.clone());
                    return Ok(url);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::new(ErrorKind::Unavailable, "no metadata URL")))
    }

    /// The `jwks_uri` of a metadata document, after checking that it speaks for our issuer.
    fn jwks_uri_of(&self, body: &[u8]) -> Result<Url, Error> {
        let metadata: Metadata = serde_json::from_slice(body).map_err(|e| {
            Error::new(
                ErrorKind::Unavailable,
                "the issuer metadata is not a JSON object with issuer and jwks_uri",
            )
            .with_source(e)
        })?;
        if metadata.issuer != self.issuer {
            // A configuration error (no fetch will fix it), naming both values: the usual
            // cause is a trailing `/` on one side. The document's value is shown escaped and cut.
            let named: String = metadata.issuer.chars().take(200).collect();
            let hint = if metadata.issuer.trim_end_matches('/') == self.issuer.trim_end_matches('/')
            {
                " (they differ by a trailing '/': configure the issuer exactly as the metadata and the tokens write it)"
            } else {
                ""
            };
            return Err(Error::config(format!(
                "the issuer metadata names the issuer {named:?}, not the configured {:?}{hint}",
                self.issuer
            )));
        }
        let refused = || {
            Error::new(
                ErrorKind::Unavailable,
                "the issuer metadata's jwks_uri is not an https URL (or http to loopback from a \
                 loopback issuer)",
            )
        };
        let url = fetch::parse_url(&metadata.jwks_uri).map_err(|_| refused())?;
        // An https issuer's keys come over https: a plain-http jwks_uri, even to loopback,
        // would let whoever can answer on that port hand us keys.
        if self.candidates[0].scheme() == "https" && url.scheme() != "https" {
            return Err(refused());
        }
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 19 finding 13: an https issuer's metadata could point its keys at plain http on
    /// loopback.
    #[test]
    fn an_https_issuers_jwks_uri_must_be_https_even_to_loopback() {
        let d = Discovery::new("https://idp.example").unwrap();
        for jwks in [
            "http://127.0.0.1:8080/jwks",
            "http://localhost/jwks",
            "http://[::1]/jwks",
        ] {
            let doc = serde_json::json!({ "issuer": "https://idp.example", "jwks_uri": jwks });
            assert!(d.jwks_uri_of(doc.to_string().as_bytes()).is_err(), "{jwks}");
        }
    }

    /// Issue 19: a trailing-slash mismatch failed forever as a 503 whose log named neither value.
    #[test]
    fn an_issuer_mismatch_is_a_config_error_naming_both_values() {
        let d = Discovery::new("https://idp.example/").unwrap();
        let doc = serde_json::json!({ "issuer": "https://idp.example", "jwks_uri": "https://idp.example/jwks" });
        let e = d.jwks_uri_of(doc.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let message = e.to_string();
        assert!(message.contains("\"https://idp.example\""), "{message}");
        assert!(message.contains("\"https://idp.example/\""), "{message}");
        assert!(message.contains("trailing '/'"), "{message}");
    }

    #[test]
    fn well_known_urls_follow_both_specs() {
        let d = Discovery::new("https://idp.example/realms/acme").unwrap();
        assert_eq!(
            d.candidates[0].as_str(),
            "https://idp.example/realms/acme/.well-known/openid-configuration"
        );
        assert_eq!(
            d.candidates[1].as_str(),
            "https://idp.example/.well-known/oauth-authorization-server/realms/acme"
        );
        let d = Discovery::new("https://tenant.auth0.example/").unwrap();
        assert_eq!(
            d.candidates[0].as_str(),
            "https://tenant.auth0.example/.well-known/openid-configuration"
        );
        assert_eq!(
            d.candidates[1].as_str(),
            "https://tenant.auth0.example/.well-known/oauth-authorization-server"
        );
    }

    #[test]
    fn issuer_urls_are_policed() {
        assert!(Discovery::new("http://idp.example").is_err());
        assert!(Discovery::new("https://idp.example/?tenant=1").is_err());
        assert!(Discovery::new("https://idp.example/#x").is_err());
        assert!(Discovery::new("https://user@idp.example/").is_err());
        assert!(Discovery::new("http://127.0.0.1:8080").is_ok());
    }

    #[test]
    fn metadata_must_name_exactly_our_issuer() {
        let d = Discovery::new("https://idp.example/realms/acme").unwrap();
        let doc = |iss: &str, jwks: &str| {
            serde_json::json!({ "issuer": iss, "jwks_uri": jwks }).to_string()
        };
        let ok = d.jwks_uri_of(
            doc(
                "https://idp.example/realms/acme",
                "https://keys.idp.example/certs",
            )
            .as_bytes(),
        );
        assert_eq!(ok.unwrap().as_str(), "https://keys.idp.example/certs");
        for iss in [
            "https://idp.example/realms/acme/",
            "https://idp.example/realms/other",
            "https://IDP.example/realms/acme",
            "",
        ] {
            let refused = d.jwks_uri_of(doc(iss, "https://idp.example/certs").as_bytes());
            assert!(refused.is_err(), "{iss:?}");
        }
        let insecure = d.jwks_uri_of(
            doc(
                "https://idp.example/realms/acme",
                "http://idp.example/certs",
            )
            .as_bytes(),
        );
        assert!(insecure.is_err());
        assert!(d.jwks_uri_of(b"[]").is_err());
        // A loopback issuer may publish its keys on loopback http (tests, a local IdP).
        let local = Discovery::new("http://127.0.0.1:8080").unwrap();
        let ok = local
            .jwks_uri_of(doc("http://127.0.0.1:8080", "http://127.0.0.1:8080/jwks").as_bytes());
        assert!(ok.is_ok());
        assert!(
            d.jwks_uri_of(br#"{"issuer":"https://idp.example/realms/acme"}"#)
                .is_err()
        );
    }
}
