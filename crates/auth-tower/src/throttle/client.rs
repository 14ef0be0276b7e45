//! Which address a login comes from: the connection's, or a trusted proxy's header.

use crate::client_addr;
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
    /// The last address in a header a trusted reverse proxy sets (`X-Forwarded-For`,
    /// `X-Real-IP`...), else the connection.
    Header(HeaderName),
}

impl ClientSource {
    /// The client address of the request with `parts`, if it can be known.
    pub(crate) fn client_addr(&self, parts: &Parts) -> Option<IpAddr> {
        let connection = || client_addr::from_connection(&parts.extensions);
        match self {
            Self::Connection => connection(),
            Self::Header(name) => {
                client_addr::from_header(&parts.headers, name).or_else(connection)
            }
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

    #[test]
    fn a_trusted_header_gives_its_rightmost_address() {
        let xff = ClientSource::Header(HeaderName::from_static("x-forwarded-for"));
        let p = parts(
            &[
                ("x-forwarded-for", "6.6.6.6, 10.0.0.1"),
                ("x-forwarded-for", "6.6.6.6, 203.0.113.7"),
            ],
            Some("127.0.0.1:1"),
        );
        assert_eq!(xff.client_addr(&p), Some("203.0.113.7".parse().unwrap()));
        let p = parts(&[("x-forwarded-for", "[2001:db8::1]:443")], None);
        assert_eq!(xff.client_addr(&p), Some("2001:db8::1".parse().unwrap()));
        // Missing or garbage: the connection's address.
        let p = parts(
            &[("x-forwarded-for", "not an address")],
            Some("127.0.0.2:1"),
        );
        assert_eq!(xff.client_addr(&p), Some("127.0.0.2".parse().unwrap()));
    }
}
