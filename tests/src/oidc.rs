//! A real OpenID Provider for the tests: `oidc-provider` (node, tests/oidc/provider.mjs) on a
//! loopback port, issuing JWT access tokens to a client-credentials client. `.ci/run` installs
//! it (`npm ci --prefix tests/oidc`); a test that needs it fails loudly when it is missing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The client the provider knows (see provider.mjs).
const CLIENT_ID: &str = "api-client";
const CLIENT_SECRET: &str = "api-client-secret-0123456789abcdef";

/// The audience our API accepts: tokens for this resource are 300 s.
pub const API: &str = "https://api.example";
/// A resource whose tokens live 1 s (expiry tests).
pub const SHORT_LIVED: &str = "https://short-lived.example";
/// Another API: its tokens are valid, but not for us.
pub const OTHER_API: &str = "https://other.example";

/// A running provider; killed when dropped.
#[derive(Debug)]
pub struct OidcProvider {
    child: Option<Child>,
    issuer: String,
}

impl OidcProvider {
    /// Start the provider on a free loopback port and wait until it listens.
    ///
    /// # Panics
    /// If node or the installed package is missing (`npm ci --prefix tests/oidc`), or the
    /// provider does not come up.
    #[allow(clippy::unwrap_used, clippy::expect_used)]
    pub fn start() -> Self {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/oidc");
        assert!(
            std::path::Path::new(dir)
                .join("node_modules/oidc-provider/package.json")
                .exists(),
            "oidc-provider is not installed: run `npm ci --prefix tests/oidc` (.ci/run does)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("node")
            .arg(format!("{dir}/provider.mjs"))
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node must be installed to run the OpenID Provider");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider's first line");
        let announced: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|_| panic!("provider said {line:?}"));
        let issuer = announced["issuer"].as_str().expect("issuer").to_owned();
        Self {
            child: Some(child),
            issuer,
        }
    }

    /// The issuer (`http://127.0.0.1:PORT`, no trailing slash), as its tokens' `iss` say.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A client-credentials access token for `resource` with `scope` (space-separated).
    ///
    /// # Panics
    /// If the provider refuses.
    #[allow(clippy::unwrap_used)]
    pub async fn token(&self, resource: &str, scope: &str) -> String {
        let res = crate::client()
            .post(format!("{}/token", self.issuer))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[
                ("grant_type", "client_credentials"),
                ("resource", resource),
                ("scope", scope),
            ])
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(status, 200, "token request refused: {body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Rotate the signing key: a new key signs from now on, the old one stays published.
    /// Returns the new `kid`.
    ///
    /// # Panics
    /// If the provider does not answer.
    #[allow(clippy::unwrap_used)]
    pub async fn rotate(&self) -> String {
        let res = crate::client()
            .post(format!("{}/__rotate", self.issuer))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = res.json().await.unwrap();
        body["kid"].as_str().unwrap().to_owned()
    }

    /// Stop the provider (as an outage would).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
    }
}
