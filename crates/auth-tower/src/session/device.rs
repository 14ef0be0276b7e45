//! The device a login comes from: the `User-Agent` and the client address, read from the
//! request only by a login that asks for it ([`Session::login_from`]), so no other request
//! pays anything for it.
//!
//! [`Session::login_from`]: super::Session::login_from

use crate::client_addr;
use auth_core::Device;
use http::header::USER_AGENT;
use http::{Extensions, HeaderMap, HeaderName};

/// The device of the request with `headers` and `extensions`: its `User-Agent` (cleaned and
/// shortened by [`Device::with_user_agent`]) and its client address, from `address_header`
/// (a trusted proxy's header, and which entry from the right) when the app named one (only
/// from there: a missing or unreadable entry is no address, not the proxy's), else from the
/// connection.
pub(crate) fn capture(
    headers: &HeaderMap,
    extensions: &Extensions,
    address_header: Option<(&HeaderName, usize)>,
) -> Device {
    let mut device = Device::new();
    if let Some(user_agent) = headers.get(USER_AGENT) {
        // Not `to_str`: a user agent with bytes beyond ASCII is still worth showing.
        device = device.with_user_agent(&String::from_utf8_lossy(user_agent.as_bytes()));
    }
    let address = match address_header {
        Some((name, hops)) => client_addr::from_header(headers, name, hops),
        None => client_addr::from_connection(extensions),
    };
    if let Some(address) = address {
        device = device.with_address(address);
    }
    device
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    fn request(headers: &[(&str, &[u8])], connection: Option<&str>) -> http::request::Parts {
        let mut b = http::Request::builder();
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        if let Some(addr) = connection {
            parts.extensions.insert(addr.parse::<SocketAddr>().unwrap());
        }
        parts
    }

    #[test]
    fn a_trusted_header_replaces_the_connection_and_is_never_guessed() {
        let xff = HeaderName::from_static("x-forwarded-for");
        let p = request(&[("x-forwarded-for", b"6.6.6.6")], Some("127.0.0.9:5000"));
        let by_connection = capture(&p.headers, &p.extensions, None);
        assert_eq!(by_connection.address(), Some("127.0.0.9".parse().unwrap()));
        let by_header = capture(&p.headers, &p.extensions, Some((&xff, 1)));
        assert_eq!(by_header.address(), Some("6.6.6.6".parse().unwrap()));
        let p = request(&[("x-forwarded-for", b"garbage")], Some("127.0.0.9:5000"));
        assert_eq!(
            capture(&p.headers, &p.extensions, Some((&xff, 1))).address(),
            None
        );
        let p = request(&[], Some("127.0.0.9:5000"));
        assert_eq!(
            capture(&p.headers, &p.extensions, Some((&xff, 1))).address(),
            None
        );
        // A byte beyond ASCII left of the proxy's entry does not hide it.
        let p = request(
            &[("x-forwarded-for", b"caf\xc3\xa9, 203.0.113.7")],
            Some("127.0.0.9:5000"),
        );
        assert_eq!(
            capture(&p.headers, &p.extensions, Some((&xff, 1))).address(),
            Some("203.0.113.7".parse().unwrap())
        );
    }

    #[test]
    fn behind_two_proxies_the_second_entry_from_the_right_is_the_client() {
        let xff = HeaderName::from_static("x-forwarded-for");
        let p = request(
            &[("x-forwarded-for", b"6.6.6.6, 203.0.113.7, 10.0.0.2")],
            Some("127.0.0.9:5000"),
        );
        let device = capture(&p.headers, &p.extensions, Some((&xff, 2)));
        assert_eq!(device.address(), Some("203.0.113.7".parse().unwrap()));
        let p = request(&[("x-forwarded-for", b"10.0.0.2")], None);
        assert_eq!(
            capture(&p.headers, &p.extensions, Some((&xff, 2))).address(),
            None,
            "fewer entries than hops: no address, never a guess"
        );
    }

    #[test]
    fn user_agents_beyond_ascii_are_kept_and_cleaned() {
        let p = request(&[("user-agent", b"Caf\xc3\xa9Browser/1 \xff")], None);
        let device = capture(&p.headers, &p.extensions, None);
        assert_eq!(device.user_agent(), Some("CaféBrowser/1 \u{fffd}"));
        assert_eq!(device.address(), None);
        let p = request(&[], None);
        assert_eq!(capture(&p.headers, &p.extensions, None), Device::new());
    }
}
