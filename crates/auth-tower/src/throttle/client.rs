//! Which address a login comes from: the connection's, or a trusted proxy's header.

use crate::client_addr;
use auth_core::throttle::ThrottleKey;
use http::HeaderName;
use http::request::Parts;
use std::net::IpAddr;

/// Where the client address is read from.
#[derive(Debug, Clone, Default)]
pub(crate) enum ClientSource {
    /// The connection (`ConnectInfo<SocketAddr>`, from
    /// `into_make_service_with_connect_info::<SocketAddr>()`).
    #[default]
    Connection,
    /// The `hops`-th address from the right in a header trusted reverse proxies set
    /// (`X-Forwarded-For`, `X-Real-IP`...), and only there.
    Header {
        /// The header.
        name: HeaderName,
        /// 1: the rightmost entry (one proxy); 2: the one left of it (a CDN, then a load
        /// balancer)...
        hops: usize,
    },
}

impl ClientSource {
    /// The client address of the request with `parts`, if it can be known. With a trusted
    /// header, only from there: a missing or unreadable entry is no address, never the
    /// connection's (that is the proxy's, shared by every client).
    pub(crate) fn client_addr(&self, parts: &Parts) -> Option<IpAddr> {
        match self {
            Self::Connection => client_addr::from_connection(&parts.extensions),
            Self::Header { name, hops } => client_addr::from_header(&parts.headers, name, *hops),
        }
    }

    /// The throttle key of the client of the request with `parts`: its address's; with a
    /// trusted header that gave no address, the one [`ThrottleKey::unknown_address`] (such
    /// clients count together: they neither escape the address limit nor lock the proxy's
    /// address for everyone); with no connection address at all (the server does not provide
    /// it), none (only the account is counted).
    pub(crate) fn address_key(&self, parts: &Parts) -> Option<ThrottleKey> {
        match (self, self.client_addr(parts)) {
            (_, Some(addr)) => Some(ThrottleKey::address(addr)),
            (Self::Header { .. }, None) => {
                tracing::debug!(
                    target: "auth_tower::throttle",
                    "the trusted client address header gave no address: counted as the unknown client"
                );
                Some(ThrottleKey::unknown_address())
            }
            (Self::Connection, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;

    fn parts(headers: &[(&str, &str)], connection: Option<&str>) -> Parts {
        let mut b = http::Request::builder();
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        if let Some(addr) = connection {
            parts
                .extensions
                .insert(ConnectInfo(addr.parse::<SocketAddr>().unwrap()));
        }
        parts
    }

    #[test]
    fn headers_are_ignored_unless_named() {
        let p = parts(&[("x-forwarded-for", "1.2.3.4")], Some("127.0.0.9:5000"));
        assert_eq!(
            ClientSource::Connection.client_addr(&p),
            Some("127.0.0.9".parse().unwrap())
        );
        assert_eq!(
            ClientSource::Connection.client_addr(&parts(&[], None)),
            None
        );
    }

    fn xff(hops: usize) -> ClientSource {
        ClientSource::Header {
            name: HeaderName::from_static("x-forwarded-for"),
            hops,
        }
    }

    #[test]
    fn a_trusted_header_gives_its_rightmost_address() {
        let p = parts(
            &[
                ("x-forwarded-for", "6.6.6.6, 10.0.0.1"),
                ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
            ],
            Some("127.0.0.1:1"),
        );
        assert_eq!(xff(1).client_addr(&p), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(xff(2).client_addr(&p), Some("6.6.6.6".parse().unwrap()));
        let p = parts(&[("x-forwarded-for", "[2001:db8::1]:443")], None);
        assert_eq!(xff(1).client_addr(&p), Some("2001:db8::1".parse().unwrap()));
    }

    #[test]
    fn a_trusted_header_without_an_address_is_the_unknown_client_never_the_proxy() {
        let proxy = Some("127.0.0.2:1");
        let unknown = Some(ThrottleKey::unknown_address());
        for p in [
            parts(&[("x-forwarded-for", "not an address")], proxy),
            parts(&[], proxy),
        ] {
            assert_eq!(xff(1).client_addr(&p), None);
            assert_eq!(xff(1).address_key(&p), unknown);
        }
        // Fewer entries than trusted hops: the request did not come through the CDN.
        let p = parts(&[("x-forwarded-for", "198.51.100.4")], proxy);
        assert_eq!(xff(2).address_key(&p), unknown);
        // A byte beyond ASCII left of the proxy's entry does not hide the client.
        let mut p = parts(&[], proxy);
        p.headers.insert(
            "x-forwarded-for",
            http::HeaderValue::from_bytes(b"\xe9\xff, 203.0.113.7").unwrap(),
        );
        assert_eq!(
            xff(1).address_key(&p),
            Some(ThrottleKey::address("203.0.113.7".parse().unwrap()))
        );
        // No header configured and no connection address: only the account counts.
        assert_eq!(
            ClientSource::Connection.address_key(&parts(&[], None)),
            None
        );
    }
}
