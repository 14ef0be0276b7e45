//! [`Protocol`]: whether a refusal is rendered for HTTP or for gRPC, decided strictly.

use http::header::{CONTENT_TYPE, TE};
use http::{Request, Version};

/// The protocol a request speaks, which decides how a rejection is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_plain_json_request_is_http() {
        let plain = Request::builder()
            .header(CONTENT_TYPE, "application/json")
            .body(())
            .unwrap();
        assert_eq!(Protocol::of(&plain), Protocol::Http);
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
}
