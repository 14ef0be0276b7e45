//! Which address a request comes from: the connection's, or the header a trusted reverse proxy
//! sets. Shared by the login throttle and the session's login device.

use http::{Extensions, HeaderMap, HeaderName};
use std::net::{IpAddr, SocketAddr};

/// The address of the connection the request came on: axum's `ConnectInfo<SocketAddr>`
/// (`into_make_service_with_connect_info::<SocketAddr>()`, feature `axum`), or a plain
/// `SocketAddr` a hyper or tower server put into the request extensions.
pub(crate) fn from_connection(extensions: &Extensions) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(addr)) =
        extensions.get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return Some(addr.ip());
    }
    extensions.get::<SocketAddr>().map(SocketAddr::ip)
}

/// The rightmost address in the last `name` header: the one the nearest proxy appended (what
/// the client put to its left is the client's to choose, so never trusted). Takes a plain
/// address (`203.0.113.7`, `2001:db8::1`), one with a port (`203.0.113.7:443`,
/// `[2001:db8::1]:443`), or an RFC 7239 `Forwarded` element (`for="[2001:db8::1]:443";proto=https`).
/// `None` for anything else (an obfuscated or `unknown` node, garbage, bytes that are not
/// text): never an error, never a guess.
pub(crate) fn from_header(headers: &HeaderMap, name: &HeaderName) -> Option<IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    let node = forwarded_for(last).unwrap_or(last);
    let node = node.trim_matches('"');
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| {
            // `[2001:db8::1]` without a port.
            let inner = node.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<IpAddr>().ok()
        })
}

/// The `for=` parameter of a `Forwarded` element (`for=192.0.2.60;proto=http;by=...`).
fn forwarded_for(element: &str) -> Option<&str> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("for")
            .then_some(value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(v).unwrap(),
            );
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_rightmost_entry_of_the_last_header_counts() {
        let xff = HeaderName::from_static("x-forwarded-for");
        let h = headers(&[
            ("x-forwarded-for", b"6.6.6.6, 10.0.0.1"),
            ("x-forwarded-for", b"6.6.6.6,203.0.113.7"),
        ]);
        assert_eq!(from_header(&h, &xff), ip("203.0.113.7"));
        for (value, expected) in [
            (&b"2001:db8::1"[..], ip("2001:db8::1")),
            (b"[2001:db8::1]:443", ip("2001:db8::1")),
            (b"[2001:db8::1]", ip("2001:db8::1")),
            (b"203.0.113.7:8080", ip("203.0.113.7")),
            (b" 1.1.1.1 , 203.0.113.9 ", ip("203.0.113.9")),
            (b"203.0.113.9, ", None),
            (b"not an address", None),
            (b"unknown", None),
            (b"", None),
            (b"999.1.1.1", None),
            (b"\xff\xfe", None),
        ] {
            let h = headers(&[("x-forwarded-for", value)]);
            assert_eq!(from_header(&h, &xff), expected, "{value:?}");
        }
        assert_eq!(from_header(&HeaderMap::new(), &xff), None);
    }

    #[test]
    fn forwarded_elements_give_their_for_parameter() {
        let fwd = HeaderName::from_static("forwarded");
        for (value, expected) in [
            (
                &b"for=6.6.6.6, for=192.0.2.60;proto=http;by=203.0.113.43"[..],
                ip("192.0.2.60"),
            ),
            (
                b"proto=https;For=\"[2001:db8:cafe::17]:4711\"",
                ip("2001:db8:cafe::17"),
            ),
            (b"for=_hidden", None),
            (b"for=unknown", None),
            (b"proto=https", None),
        ] {
            let h = headers(&[("forwarded", value)]);
            assert_eq!(from_header(&h, &fwd), expected, "{value:?}");
        }
    }

    #[test]
    fn connection_addresses_come_from_either_extension() {
        let mut e = Extensions::new();
        assert_eq!(from_connection(&e), None);
        e.insert("127.0.0.3:9".parse::<SocketAddr>().unwrap());
        assert_eq!(from_connection(&e), ip("127.0.0.3"));
        #[cfg(feature = "axum")]
        {
            e.insert(axum::extract::ConnectInfo(
                "127.0.0.4:9".parse::<SocketAddr>().unwrap(),
            ));
            assert_eq!(from_connection(&e), ip("127.0.0.4"), "axum's first");
        }
    }
}
