//! The one place where every refusal becomes a response: HTTP 401/403/400/429/503 with the
//! right `WWW-Authenticate` (and `Retry-After`), or, for gRPC requests (HTTP/2 only, see
//! [`Protocol::of`]), a trailers-only response with `grpc-status`. Every refusal is
//! `Cache-Control: no-store`, logged, and counted in `auth_tower_decisions_total` with its kind
//! as the `outcome` ([`RejectionKind::as_str`]).

mod error_body;
mod from_error;
mod handler;
mod kind;
#[cfg(all(feature = "jwt", feature = "axum"))]
pub(crate) mod oauth;
mod protocol;
mod style;
pub(crate) mod text;

pub use error_body::ErrorBody;
pub(crate) use handler::{is_handler_refusal, restyle};
pub use kind::RejectionKind;
#[cfg(all(feature = "jwt", feature = "axum"))]
pub(crate) use oauth::OAuthError;
pub use protocol::Protocol;
pub(crate) use style::{Renderer, Style};

use crate::body::text_body;
use crate::decision::{self, Decider, Outcome};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{Response, StatusCode};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// The realm of `WWW-Authenticate` challenges when a layer (or the token endpoints) was not
/// given one.
pub(crate) const DEFAULT_REALM: &str = "app";

/// `{"error": code, "error_description": description}`: the one JSON refusal body.
pub(crate) fn json_body(code: &str, description: &str) -> String {
    serde_json::json!({
        "error": code,
        "error_description": description,
    })
    .to_string()
}

/// A refusal: a kind and a short description safe to show to the client (never a secret,
/// never an internal error message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    kind: RejectionKind,
    description: Cow<'static, str>,
    retry_after: Option<Duration>,
}

impl Rejection {
    /// A rejection of `kind` with a client-safe `description`.
    pub fn new(kind: RejectionKind, description: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            description: description.into(),
            retry_after: None,
        }
    }

    /// Tell the client when to try again: an HTTP `Retry-After` in whole seconds (rounded up,
    /// at least 1), and the same in the gRPC `grpc-message`.
    #[must_use]
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// When the client may try again, if the refusal says.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// [`retry_after`](Self::retry_after) in whole seconds, rounded up, at least 1.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after.map(retry_after_seconds)
    }

    /// The kind.
    pub fn kind(&self) -> RejectionKind {
        self.kind
    }

    /// The description.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// What the client is told, in plain text: `Unauthorized: <description>` (the body of
    /// HTTP refusals unless a layer has an [`ErrorBody`]).
    pub fn body_text(&self) -> String {
        plain_text(self)
    }

    /// The response, in the protocol of the request (`protocol`), with any body type that has
    /// `Default`: axum's and tonic's bodies, `Full<Bytes>` and `String` carry the plain-text
    /// description, any other body is left at its default (the status and headers say it all).
    /// It is counted as a handler's refusal (`layer="handler"`).
    ///
    /// ```
    /// use auth_tower::{Rejection, RejectionKind};
    /// use auth_tower::rejection::Protocol;
    /// let refusal = Rejection::new(RejectionKind::InsufficientScope, "needs reports:read");
    /// let res: http::Response<String> = refusal.render(Protocol::Http, "app");
    /// assert_eq!(res.status(), 403);
    /// assert!(res.body().contains("needs reports:read"));
    /// ```
    pub fn render<B: Default + 'static>(&self, protocol: Protocol, realm: &str) -> Response<B> {
        self.render_by(Decider::Handler, protocol, realm)
    }

    /// [`render`](Self::render), counted as a refusal by `decider`.
    pub(crate) fn render_by<B: Default + 'static>(
        &self,
        decider: Decider,
        protocol: Protocol,
        realm: &str,
    ) -> Response<B> {
        self.log(protocol, decider);
        match protocol {
            Protocol::Grpc => self.render_grpc(),
            Protocol::Http => self.render_http(Some(realm)),
        }
    }

    /// Every refusal, whichever path renders it, is logged and counted here, as a decision
    /// of `decider`.
    pub(crate) fn log(&self, protocol: Protocol, decider: Decider) {
        decision::record(decider, Outcome::Refused(self.kind));
        tracing::debug!(
            target: "auth_tower::rejection",
            kind = ?self.kind,
            description = %self.description,
            grpc = protocol.is_grpc(),
            "request refused"
        );
    }

    /// The HTTP response: with a `Bearer` challenge in `realm`, or, for a layer that takes no
    /// bearer tokens (`None`: a session layer alone), with none.
    pub(crate) fn render_http<B: Default + 'static>(&self, realm: Option<&str>) -> Response<B> {
        self.http_head(realm).map(|()| text_body(plain_text(self)))
    }

    /// The HTTP response without its body: status, content type, `Cache-Control: no-store`
    /// and the challenge, if there is a `realm` to challenge in.
    pub(crate) fn http_head(&self, realm: Option<&str>) -> Response<()> {
        let mut res = self.head("text/plain; charset=utf-8");
        if let Some(challenge) = realm.and_then(|realm| self.challenge(realm)) {
            res.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        res
    }

    /// What every HTTP refusal has: the status, `content_type`, `Cache-Control: no-store`
    /// and `Retry-After` if the refusal says when.
    pub(crate) fn head(&self, content_type: &'static str) -> Response<()> {
        let mut res = Response::new(());
        *res.status_mut() = self.kind.status();
        let headers = res.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after_seconds() {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }

    /// The `WWW-Authenticate` challenge (RFC 6750 section 3), for 401s and bearer 400/403s.
    fn challenge(&self, realm: &str) -> Option<HeaderValue> {
        let error = match (self.kind, self.kind.bearer_error()) {
            (RejectionKind::Unauthenticated, _) => None,
            (_, Some(error)) => Some(error),
            // Not about the credentials (a cross-site request, a store that is down).
            (_, None) => return None,
        };
        let mut value = format!("Bearer realm=\"{}\"", quoted_string(realm));
        if let Some(error) = error {
            value.push_str(&format!(
                ", error=\"{}\", error_description=\"{}\"",
                error.as_str(),
                quoted_string(&self.description)
            ));
        }
        HeaderValue::from_str(&value).ok()
    }

    /// The gRPC status message: the description, and when to retry if the refusal says.
    pub(crate) fn grpc_message(&self) -> String {
        match self.retry_after_seconds() {
            Some(seconds) => format!("{}; retry after {seconds} s", self.description),
            None => self.description.to_string(),
        }
    }

    pub(crate) fn render_grpc<B: Default>(&self) -> Response<B> {
        // Trailers-only: status 200, and grpc-status / grpc-message in the headers. Only ever
        // for real gRPC (see `Protocol::of`); `no-store` so no cache keeps it either way.
        let mut res = Response::new(B::default());
        let headers = res.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/grpc"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            "grpc-status",
            HeaderValue::from(u16::from(self.kind.grpc_code())),
        );
        if let Ok(message) = HeaderValue::from_str(&percent_encode_grpc(&self.grpc_message())) {
            headers.insert("grpc-message", message);
        }
        res
    }
}

/// A wait as `Retry-After` seconds: rounded up, at least 1 (0 would invite an immediate retry).
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    let up = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    up.max(1)
}

/// The default plain-text body: `Unauthorized: <description>`.
pub(crate) fn plain_text(rejection: &Rejection) -> String {
    format!(
        "{}: {}\n",
        rejection
            .kind
            .status()
            .canonical_reason()
            .unwrap_or("Error"),
        rejection.description
    )
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.description)
    }
}

impl std::error::Error for Rejection {}

/// Escape for an RFC 7230 quoted-string, and drop anything that is not visible ASCII.
fn quoted_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// gRPC's percent-encoding of `grpc-message`: everything outside printable ASCII, and `%`.
fn percent_encode_grpc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn www(r: &Response<String>) -> Option<&str> {
        r.headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
    }

    #[test]
    fn http_challenges_follow_rfc_6750() {
        let r: Response<String> = Rejection::new(RejectionKind::Unauthenticated, "login required")
            .render(Protocol::Http, "app");
        assert_eq!(r.status(), 401);
        assert_eq!(www(&r), Some("Bearer realm=\"app\""));
        let r: Response<String> = Rejection::new(RejectionKind::InvalidToken, "token \"expired\"")
            .render(Protocol::Http, "app");
        assert_eq!(
            www(&r),
            Some(
                "Bearer realm=\"app\", error=\"invalid_token\", error_description=\"token \\\"expired\\\"\""
            )
        );
        let r: Response<String> = Rejection::new(RejectionKind::Forbidden, "cross-site request")
            .render(Protocol::Http, "app");
        assert_eq!(r.status(), 403);
        assert_eq!(www(&r), None);
        assert!(r.body().contains("cross-site request"));
        let r: Response<String> =
            Rejection::new(RejectionKind::Unavailable, "session store unavailable")
                .render(Protocol::Http, "app");
        assert_eq!(r.status(), 503);
    }

    #[test]
    fn every_refusal_is_no_store() {
        use RejectionKind::*;
        for kind in [
            Unauthenticated,
            InvalidToken,
            InvalidRequest,
            InsufficientScope,
            FreshLoginRequired,
            Forbidden,
            Unavailable,
            Internal,
        ] {
            for protocol in [Protocol::Http, Protocol::Grpc] {
                let r: Response<String> = Rejection::new(kind, "no").render(protocol, "app");
                assert_eq!(
                    r.headers().get(CACHE_CONTROL).map(HeaderValue::as_bytes),
                    Some(&b"no-store"[..]),
                    "{kind:?} {protocol:?}"
                );
            }
        }
    }

    #[test]
    fn grpc_is_trailers_only_with_status_codes() {
        // (Which requests are gRPC is protocol.rs's tests.)
        let r: Response<String> = Rejection::new(RejectionKind::Unavailable, "store down: 100% ✗")
            .render(Protocol::Grpc, "app");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["grpc-status"], "14");
        assert_eq!(r.headers()["grpc-message"], "store down: 100%25 %E2%9C%97");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/grpc");
        assert!(r.body().is_empty());
    }

    #[test]
    fn too_many_requests_is_429_with_retry_after_over_http() {
        let r: Response<String> =
            Rejection::new(RejectionKind::TooManyRequests, "too many failed logins")
                .with_retry_after(Duration::from_millis(2_001))
                .render(Protocol::Http, "app");
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[RETRY_AFTER], "3");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-store");
        assert_eq!(
            www(&r),
            None,
            "no challenge: the credentials are not the problem"
        );
        assert!(r.body().contains("too many failed logins"));
        let r: Response<String> = Rejection::new(RejectionKind::TooManyRequests, "wait")
            .with_retry_after(Duration::from_millis(1))
            .render(Protocol::Http, "app");
        assert_eq!(r.headers()[RETRY_AFTER], "1", "never 0");
    }

    #[test]
    fn too_many_requests_is_resource_exhausted_over_grpc() {
        let r: Response<String> =
            Rejection::new(RejectionKind::TooManyRequests, "too many failed logins")
                .with_retry_after(Duration::from_secs(4))
                .render(Protocol::Grpc, "app");
        assert_eq!(r.status(), 200, "trailers-only");
        assert_eq!(r.headers()["grpc-status"], "8");
        assert_eq!(
            r.headers()["grpc-message"],
            "too many failed logins; retry after 4 s"
        );
        assert!(r.headers().get(RETRY_AFTER).is_none());
    }
}
