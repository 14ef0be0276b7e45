//! The one place where every refusal becomes a response: HTTP 401/403/400/429/503 with the
//! right `WWW-Authenticate` (and `Retry-After`), or, for gRPC requests (HTTP/2 only, see
//! [`Protocol::of`]), a trailers-only response with `grpc-status`. Every refusal is
//! `Cache-Control: no-store`.

mod error_body;
#[cfg(all(feature = "jwt", feature = "axum"))]
pub(crate) mod oauth;
mod style;

pub use error_body::ErrorBody;
#[cfg(all(feature = "jwt", feature = "axum"))]
pub(crate) use oauth::OAuthError;
pub(crate) use style::Style;

use crate::body::text_body;
use auth_core::BearerError;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue, RETRY_AFTER, TE, WWW_AUTHENTICATE};
use http::{Request, Response, StatusCode, Version};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// The realm of `WWW-Authenticate` challenges when a layer (or the token endpoints) was not
/// given one.
pub(crate) const DEFAULT_REALM: &str = "app";

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// No credentials where some are required (401, bare `WWW-Authenticate: Bearer realm`).
    Unauthenticated,
    /// Credentials present but not valid (401, `error="invalid_token"`).
    InvalidToken,
    /// The request itself is malformed (400, `error="invalid_request"`).
    InvalidRequest,
    /// Authenticated but not allowed (403, `error="insufficient_scope"`).
    InsufficientScope,
    /// Authenticated too long ago for this action: log in again (401,
    /// `error="insufficient_user_authentication"`, RFC 9470 step-up).
    StaleAuthentication,
    /// Refused for a reason other than credentials, e.g. a cross-site request (403).
    Forbidden,
    /// Too many failed logins for this account or from this address: wait (429 with
    /// `Retry-After`; gRPC RESOURCE_EXHAUSTED).
    TooManyRequests,
    /// A store that authentication needs could not be reached (503). Fail closed.
    Unavailable,
    /// A server-side fault, e.g. a value that cannot be serialized (500).
    Internal,
}

impl RejectionKind {
    /// The HTTP status.
    pub const fn status(self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::InvalidToken | Self::StaleAuthentication => {
                StatusCode::UNAUTHORIZED
            }
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::InsufficientScope | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The gRPC status code (UNAUTHENTICATED 16, PERMISSION_DENIED 7, INVALID_ARGUMENT 3,
    /// RESOURCE_EXHAUSTED 8, UNAVAILABLE 14, INTERNAL 13).
    pub const fn grpc_code(self) -> u8 {
        match self {
            Self::Unauthenticated | Self::InvalidToken | Self::StaleAuthentication => 16,
            Self::InvalidRequest => 3,
            Self::InsufficientScope | Self::Forbidden => 7,
            Self::TooManyRequests => 8,
            Self::Unavailable => 14,
            Self::Internal => 13,
        }
    }

    /// The RFC 6750 `error` code, where there is one (from the one table,
    /// [`auth_core::BearerError`], which `auth_jwt` maps its errors onto too).
    pub const fn bearer_error(self) -> Option<BearerError> {
        match self {
            Self::InvalidToken => Some(BearerError::InvalidToken),
            Self::InvalidRequest => Some(BearerError::InvalidRequest),
            Self::InsufficientScope => Some(BearerError::InsufficientScope),
            Self::StaleAuthentication => Some(BearerError::InsufficientUserAuthentication),
            Self::Unauthenticated
            | Self::Forbidden
            | Self::TooManyRequests
            | Self::Unavailable
            | Self::Internal => None,
        }
    }

    /// The kind that answers with `code`: the inverse of [`bearer_error`](Self::bearer_error).
    pub const fn from_bearer_error(code: BearerError) -> Self {
        match code {
            BearerError::InvalidToken => Self::InvalidToken,
            BearerError::InvalidRequest => Self::InvalidRequest,
            BearerError::InsufficientScope => Self::InsufficientScope,
            BearerError::InsufficientUserAuthentication => Self::StaleAuthentication,
            // A code added to the table later: refuse as an invalid token (401).
            _ => Self::InvalidToken,
        }
    }

    /// The `error` code of JSON refusal bodies ([`ErrorBody::json`], the token endpoints'
    /// RFC 6749 §5.2 errors): the RFC 6750 code where there is one, else `unauthenticated`,
    /// `forbidden`, `slow_down` (RFC 8628 §3.5: ask less often), `temporarily_unavailable` or
    /// `server_error` (RFC 6749 §4.1.2.1).
    pub const fn error_code(self) -> &'static str {
        match self.bearer_error() {
            Some(code) => code.as_str(),
            None => match self {
                Self::Unauthenticated => "unauthenticated",
                Self::TooManyRequests => "slow_down",
                Self::Unavailable => "temporarily_unavailable",
                Self::Internal => "server_error",
                _ => "forbidden",
            },
        }
    }
}

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
    pub fn render<B: Default + 'static>(&self, protocol: Protocol, realm: &str) -> Response<B> {
        self.log(protocol);
        match protocol {
            Protocol::Grpc => self.render_grpc(),
            Protocol::Http => self.render_http(realm),
        }
    }

    /// Every refusal, whichever path renders it, is logged here.
    pub(crate) fn log(&self, protocol: Protocol) {
        tracing::debug!(
            target: "auth_tower::rejection",
            kind = ?self.kind,
            description = %self.description,
            grpc = protocol.is_grpc(),
            "request refused"
        );
    }

    fn render_http<B: Default + 'static>(&self, realm: &str) -> Response<B> {
        self.http_head(realm).map(|()| text_body(plain_text(self)))
    }

    /// The HTTP response without its body: status, content type, `Cache-Control: no-store`
    /// and the challenge.
    pub(crate) fn http_head(&self, realm: &str) -> Response<()> {
        let mut res = self.head("text/plain; charset=utf-8");
        if let Some(challenge) = self.challenge(realm) {
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
        let mut value = format!("Bearer realm=\"{}\"", quoted_string(realm));
        match (self.kind, self.kind.bearer_error()) {
            (RejectionKind::Unauthenticated, _) => {}
            (_, Some(error)) => {
                value.push_str(&format!(
                    ", error=\"{}\", error_description=\"{}\"",
                    error.as_str(),
                    quoted_string(&self.description)
                ));
            }
            (_, None) => return None,
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

    fn render_grpc<B: Default>(&self) -> Response<B> {
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

/// As a response from a handler (`who.require_role("admin")?`): rendered for HTTP with the
/// default realm. Layers render with the request's protocol and their configured realm.
#[cfg(feature = "axum")]
impl axum_core::response::IntoResponse for Rejection {
    fn into_response(self) -> axum_core::response::Response {
        self.render(Protocol::Http, DEFAULT_REALM)
    }
}

/// The protocol a request speaks, which decides how a rejection is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// Plain HTTP: a refusal is a 401/403/400/503 with `WWW-Authenticate`.
    Http,
    /// gRPC over HTTP/2: a refusal is a trailers-only `200` carrying `grpc-status`.
    Grpc,
}

impl Protocol {
    /// The protocol of `req`: gRPC only when it really is gRPC, that is HTTP/2 **and**
    /// `content-type: application/grpc` (optionally `+proto`, `+json`, ... or parameters)
    /// **and** `te: trailers`. Everything else is HTTP.
    ///
    /// Why so strict: a gRPC refusal is an HTTP `200`. A forward-auth proxy (nginx
    /// `auth_request`, Traefik ForwardAuth) copies the client's headers into its HTTP/1.1
    /// sub-request and treats any 2xx as "allowed", so trusting the content type alone turned
    /// every refusal into an authentication bypass. gRPC is only defined over HTTP/2, and the
    /// gRPC spec requires `te: trailers` (tonic, grpc-go, grpc-java and grpc-dotnet clients all
    /// send it; proxies drop it, as a hop-by-hop header). A gRPC client that gets the HTTP
    /// refusal instead still sees the right code: gRPC maps HTTP 401/403/503 to
    /// UNAUTHENTICATED/PERMISSION_DENIED/UNAVAILABLE. gRPC-Web (`application/grpc-web*`, often
    /// over HTTP/1.1) is HTTP here for the same reason.
    pub fn of<B>(req: &Request<B>) -> Self {
        let headers = req.headers();
        let grpc = req.version() == Version::HTTP_2
            && headers
                .get(CONTENT_TYPE)
                .is_some_and(|v| is_grpc_content_type(v.as_bytes()))
            && headers
                .get_all(TE)
                .iter()
                .any(|v| has_trailers(v.as_bytes()));
        if grpc { Self::Grpc } else { Self::Http }
    }

    /// Whether this is gRPC.
    pub const fn is_grpc(self) -> bool {
        matches!(self, Self::Grpc)
    }
}

/// `application/grpc`, alone or followed by `+codec` or `;parameters` (never `grpc-web`).
fn is_grpc_content_type(value: &[u8]) -> bool {
    const GRPC: &[u8] = b"application/grpc";
    value.len() >= GRPC.len()
        && value[..GRPC.len()].eq_ignore_ascii_case(GRPC)
        && matches!(value.get(GRPC.len()), None | Some(b'+' | b';'))
}

/// Whether a `te` header value lists `trailers` (a comma-separated list of codings).
fn has_trailers(value: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|item| {
        let coding = item.split(|&b| b == b';').next().unwrap_or_default();
        coding.trim_ascii().eq_ignore_ascii_case(b"trailers")
    })
}

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

    /// A request with `version`, and a `content-type` and a `te` header where given.
    fn request(version: Version, content_type: Option<&str>, te: Option<&str>) -> Request<()> {
        let mut b = Request::builder().version(version);
        if let Some(ct) = content_type {
            b = b.header(CONTENT_TYPE, ct);
        }
        if let Some(te) = te {
            b = b.header(http::header::TE, te);
        }
        b.body(()).unwrap()
    }

    #[test]
    fn grpc_is_http2_with_the_grpc_content_type_and_te_trailers() {
        for ct in [
            "application/grpc",
            "application/grpc+proto",
            "application/grpc+json",
            "Application/GRPC",
            "application/grpc; charset=utf-8",
        ] {
            let req = request(Version::HTTP_2, Some(ct), Some("trailers"));
            assert_eq!(Protocol::of(&req), Protocol::Grpc, "{ct}");
        }
    }

    #[test]
    fn http1_with_a_grpc_content_type_is_http() {
        // What a forward-auth proxy sends when it copies the client's headers: it must get an
        // HTTP status, never a 200 carrying grpc-status.
        for version in [Version::HTTP_09, Version::HTTP_10, Version::HTTP_11] {
            for te in [None, Some("trailers")] {
                let req = request(version, Some("application/grpc"), te);
                assert_eq!(Protocol::of(&req), Protocol::Http, "{version:?} te={te:?}");
            }
        }
    }

    #[test]
    fn http2_grpc_without_te_trailers_is_http() {
        // The gRPC spec requires `te: trailers` and tonic, grpc-go and grpc-java send it; a proxy
        // that forwards headers drops it (it is hop-by-hop).
        for te in [None, Some("gzip"), Some("")] {
            let req = request(Version::HTTP_2, Some("application/grpc"), te);
            assert_eq!(Protocol::of(&req), Protocol::Http, "te={te:?}");
        }
    }

    #[test]
    fn lookalike_content_types_are_http() {
        for ct in [
            "application/grpc-web",
            "application/grpc-web+proto",
            "application/grpc-web-text",
            "application/grpcx",
            "application/json",
            "text/plain; application/grpc",
            " application/grpc",
        ] {
            let req = request(Version::HTTP_2, Some(ct), Some("trailers"));
            assert_eq!(Protocol::of(&req), Protocol::Http, "{ct}");
        }
        let req = request(Version::HTTP_2, None, Some("trailers"));
        assert_eq!(Protocol::of(&req), Protocol::Http, "no content type");
    }

    #[test]
    fn every_refusal_is_no_store() {
        use RejectionKind::*;
        for kind in [
            Unauthenticated,
            InvalidToken,
            InvalidRequest,
            InsufficientScope,
            StaleAuthentication,
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
        let req = request(
            Version::HTTP_2,
            Some("application/grpc+proto"),
            Some("trailers"),
        );
        assert_eq!(Protocol::of(&req), Protocol::Grpc);
        let r: Response<String> = Rejection::new(RejectionKind::Unavailable, "store down: 100% ✗")
            .render(Protocol::Grpc, "app");
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["grpc-status"], "14");
        assert_eq!(r.headers()["grpc-message"], "store down: 100%25 %E2%9C%97");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/grpc");
        assert!(r.body().is_empty());
        let plain = Request::builder()
            .header(CONTENT_TYPE, "application/json")
            .body(())
            .unwrap();
        assert_eq!(Protocol::of(&plain), Protocol::Http);
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
