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

/// The address a trusted proxy put in header `name`: the `hops`-th entry from the right (1:
/// the rightmost, which the nearest proxy appended; 2 behind a CDN whose address the nearest
/// proxy appended after the client's), reading all `name` lines as one list (RFC 9110 §5.3).
/// What the client put to the left of that entry is the client's to choose, so it is never
/// read: only the bytes of the one entry used are parsed, and an odd byte elsewhere changes
/// nothing. Takes a plain address (`203.0.113.7`, `2001:db8::1`), one with a port
/// (`203.0.113.7:443`, `[2001:db8::1]:443`), or an RFC 7239 `Forwarded` element
/// (`for="[2001:db8::1]:443";proto=https`). `None` for anything else (fewer entries than
/// `hops`, an obfuscated or `unknown` node, garbage, bytes that are not ASCII): never an error,
/// never a guess.
pub(crate) fn from_header(headers: &HeaderMap, name: &HeaderName, hops: usize) -> Option<IpAddr> {
    let entry = headers
        .get_all(name)
        .iter()
        .rev()
        .flat_map(|line| line.as_bytes().rsplit(|b| *b == b','))
        .nth(hops.max(1) - 1)?;
    let entry = entry.trim_ascii();
    if !entry.is_ascii() {
        return None;
    }
    let entry = std::str::from_utf8(entry).ok()?;
    let node = forwarded_for(entry).unwrap_or(entry);
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
        assert_eq!(from_header(&h, &xff, 1), ip("203.0.113.7"));
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
            assert_eq!(from_header(&h, &xff, 1), expected, "{value:?}");
        }
        assert_eq!(from_header(&HeaderMap::new(), &xff, 1), None);
    }

    #[test]
    fn an_odd_byte_left_of_the_entry_used_changes_nothing() {
        let xff = HeaderName::from_static("x-forwarded-for");
        for value in [
            &b"caf\xc3\xa9, 203.0.113.7"[..],
            b"\xff\xfe\x80, 203.0.113.7",
            b"1.1.1.1, \xe9t\xe9,203.0.113.7",
        ] {
            let h = headers(&[("x-forwarded-for", value)]);
            assert_eq!(from_header(&h, &xff, 1), ip("203.0.113.7"), "{value:?}");
        }
        let h = headers(&[("x-forwarded-for", b"203.0.113.7\xff")]);
        assert_eq!(
            from_header(&h, &xff, 1),
            None,
            "the entry used must be clean"
        );
    }

    #[test]
    fn a_hop_count_takes_the_entry_that_many_from_the_right_across_lines() {
        let xff = HeaderName::from_static("x-forwarded-for");
        // The client forged two entries; the CDN appended the client's address, the load
        // balancer the CDN's.
        let h = headers(&[
            ("x-forwarded-for", b"6.6.6.6, \xff"),
            ("x-forwarded-for", b"198.51.100.4, 192.0.2.10"),
        ]);
        assert_eq!(from_header(&h, &xff, 1), ip("192.0.2.10"));
        assert_eq!(from_header(&h, &xff, 2), ip("198.51.100.4"));
        assert_eq!(from_header(&h, &xff, 3), None, "the forged byte");
        assert_eq!(from_header(&h, &xff, 4), ip("6.6.6.6"));
        assert_eq!(from_header(&h, &xff, 5), None, "fewer entries than hops");
        assert_eq!(from_header(&h, &xff, 0), ip("192.0.2.10"), "0 reads as 1");
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
            assert_eq!(from_header(&h, &fwd, 1), expected, "{value:?}");
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
