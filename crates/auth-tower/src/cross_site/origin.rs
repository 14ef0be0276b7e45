//! [`Origin`]: a web origin (RFC 6454) as a browser sends it in the `Origin` header, parsed
//! into scheme, host and port so two spellings of one origin compare equal.
//!
//! Browsers serialize an origin as `scheme://host[:port]`: the scheme and host in lower case
//! (an international name in its ASCII, punycode form), the port only when it is not the
//! scheme's default. Allow-list entries and the `Host` header are parsed by the same rules,
//! with default ports filled in and case folded, so `https://App.example:443` matches
//! `https://app.example`. An entry that no browser could ever send (a path, a query, user
//! info, a wildcard, another scheme) is refused when the layer is built.

use auth_core::Error;
use std::fmt;

/// The schemes whose origins carry cookies to an HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
}

impl Scheme {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }

    const fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
        }
    }
}

/// A tuple origin: scheme, lower-case host, port (the scheme's default filled in).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    scheme: Scheme,
    host: String,
    port: u16,
}

impl Origin {
    /// Parse an `Origin` header value or an allow-list entry; `Err` says why it is not one.
    pub(crate) fn parse(s: &str) -> Result<Self, &'static str> {
        if s.contains('*') {
            return Err("wildcards are not supported: list each origin");
        }
        let (scheme, rest) = s
            .split_once("://")
            .ok_or("not of the form scheme://host[:port]")?;
        let scheme = if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else if scheme.eq_ignore_ascii_case("http") {
            Scheme::Http
        } else {
            return Err("the scheme must be http or https");
        };
        if rest.contains(['/', '?', '#']) {
            return Err("an origin has no path, query or fragment (not even a trailing /)");
        }
        if rest.contains('@') {
            return Err("an origin has no user info");
        }
        Self::with_authority(scheme, rest)
    }

    /// The origin of `scheme` and an authority `host[:port]` (a `Host` header value).
    pub(crate) fn with_authority(scheme: Scheme, authority: &str) -> Result<Self, &'static str> {
        let (host, port) = split_authority(authority)?;
        let port = match port {
            None => scheme.default_port(),
            Some(p) => parse_port(p)?,
        };
        Ok(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// An allow-list entry, or the configuration error that names it and says what is wrong.
    pub(crate) fn allowed(entry: &str) -> Result<Self, Error> {
        Self::parse(entry).map_err(|why| {
            Error::config(format!(
                "allowed origin {entry:?} can never match a browser's Origin header: {why}; \
                 write scheme://host[:port], e.g. https://app.example.com"
            ))
        })
    }
}

/// The ASCII serialization browsers send: `scheme://host`, plus `:port` if not the default.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme.as_str(), self.host)?;
        if self.port != self.scheme.default_port() {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// Split `host[:port]` (host possibly an `[IPv6]` literal) and check the host's characters.
fn split_authority(authority: &str) -> Result<(&str, Option<&str>), &'static str> {
    if authority.is_empty() {
        return Err("no host");
    }
    if !authority.is_ascii() {
        return Err("an international host name must be written in its ASCII (xn--) form");
    }
    let (host, port) = if let Some(literal) = authority.strip_prefix('[') {
        let (inside, after) = literal
            .split_once(']')
            .ok_or("an IPv6 literal must end with ]")?;
        let valid = !inside.is_empty()
            && inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !valid {
            return Err("not a valid IPv6 literal");
        }
        let host = &authority[..inside.len() + 2];
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or("junk after ]")?)),
        }
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
        if !valid {
            return Err("not a valid host name");
        }
        (host, port)
    };
    Ok((host, port))
}

/// A port as browsers serialize it: decimal digits, 1 to 65535, no leading zero. A `Host` of
/// `app:08080` is no spelling a browser sends, and taking it for `app:8080` would make the layer
/// looser than the origin comparison it documents.
fn parse_port(port: &str) -> Result<u16, &'static str> {
    const BAD: &str = "the port must be a number from 1 to 65535, without leading zeros";
    if port.is_empty()
        || port.len() > 5
        || port.starts_with('0')
        || !port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(BAD);
    }
    match port.parse::<u16>() {
        Ok(0) | Err(_) => Err(BAD),
        Ok(p) => Ok(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    #[test]
    fn default_ports_and_case_are_normalised() {
        assert_eq!(
            origin("https://app.example:443"),
            origin("https://app.example")
        );
        assert_eq!(
            origin("HTTP://App.EXAMPLE:80"),
            origin("http://app.example")
        );
        assert_eq!(origin("https://[::1]:443"), origin("https://[::1]"));
        assert_eq!(
            origin("https://app.example:443").to_string(),
            "https://app.example"
        );
        assert_eq!(origin("http://[::1]:8080").to_string(), "http://[::1]:8080");
    }

    #[test]
    fn scheme_host_and_port_all_count() {
        assert_ne!(origin("http://app.example"), origin("https://app.example"));
        assert_ne!(
            origin("http://app.example:443"),
            origin("https://app.example")
        );
        assert_ne!(
            origin("https://app.example:8443"),
            origin("https://app.example")
        );
        assert_ne!(
            origin("https://app.example."),
            origin("https://app.example")
        );
        assert_ne!(
            origin("https://a.app.example"),
            origin("https://app.example")
        );
    }

    #[test]
    fn what_no_browser_sends_is_refused() {
        for bad in [
            "null",
            "",
            "*",
            "https://*.example",
            "app.example",
            "https://",
            "https://:443",
            "https://app.example/",
            "https://app.example/x",
            "https://app.example?q",
            "https://app.example#f",
            "https://u:p@app.example",
            "ftp://app.example",
            "file://",
            "https://app.example:",
            "https://app.example:0",
            "https://app.example:65536",
            "https://app.example:123456",
            "https://app.example:+1",
            "https://app example",
            "https://bücher.example",
            "https://[::1",
            "https://[]",
            "https://[::1]x",
            "https://[g::1]",
            "https://a:1:2",
        ] {
            assert!(Origin::parse(bad).is_err(), "accepted {bad:?}");
        }
        let err = Origin::allowed("https://app.example/").unwrap_err();
        assert_eq!(err.kind(), auth_core::ErrorKind::Config);
        assert!(err.to_string().contains("no path"), "{err}");
    }

    #[test]
    fn host_headers_parse_with_the_schemes_default_port() {
        let own = |scheme, host| Origin::with_authority(scheme, host).unwrap();
        assert_eq!(
            own(Scheme::Https, "app.example"),
            origin("https://app.example")
        );
        assert_eq!(
            own(Scheme::Https, "app.example:443"),
            origin("https://app.example")
        );
        assert_eq!(
            own(Scheme::Http, "App.example:8080"),
            origin("http://app.example:8080")
        );
        assert!(Origin::with_authority(Scheme::Https, "").is_err());
    }

    /// Found by the `cross_site_headers` fuzz target: `Host: ap-X.fu160zz:08080` was taken for
    /// port 8080, so a PATCH from `http://ap-x.fu160zz:8080` was let through as same-origin.
    #[test]
    fn ports_with_leading_zeros_are_no_port() {
        for host in ["app.example:08080", "app.example:0443", "app.example:00"] {
            assert!(
                Origin::with_authority(Scheme::Http, host).is_err(),
                "accepted {host:?}"
            );
        }
        assert!(Origin::parse("http://app.example:08080").is_err());
        assert!(Origin::parse("https://app.example:0443").is_err());
        assert_eq!(
            Origin::with_authority(Scheme::Http, "app.example:8080").unwrap(),
            origin("http://app.example:8080")
        );
    }

    fn host() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z0-9]([a-zA-Z0-9-]{0,12}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]{1,8}){0,3}",
            "\\[(::1|[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7})\\]",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn parse_never_panics_and_its_serialization_is_a_fixed_point(s in "\\PC{0,40}") {
            if let Ok(o) = Origin::parse(&s) {
                let text = o.to_string();
                prop_assert_eq!(Origin::parse(&text), Ok(o));
                prop_assert!(!text.contains(['?', '#', '@', '*']));
                prop_assert_eq!(text.matches('/').count(), 2);
            }
        }

        #[test]
        fn spellings_of_one_origin_are_equal(
            https in any::<bool>(),
            host in host(),
            port in proptest::option::of(1u16..),
            explicit_default in any::<bool>(),
        ) {
            let scheme = if https { "https" } else { "http" };
            let default = if https { 443 } else { 80 };
            let port = port.or(explicit_default.then_some(default));
            let written = match port {
                Some(p) => format!("{scheme}://{host}:{p}"),
                None => format!("{scheme}://{host}"),
            };
            let parsed = Origin::parse(&written).unwrap();
            prop_assert_eq!(&Origin::parse(&written.to_ascii_uppercase()).unwrap(), &parsed);
            let browser = match port {
                Some(p) if p != default => format!("{scheme}://{}:{p}", host.to_ascii_lowercase()),
                _ => format!("{scheme}://{}", host.to_ascii_lowercase()),
            };
            prop_assert_eq!(parsed.to_string(), browser);
            let other = if https { "http" } else { "https" };
            prop_assert_ne!(Origin::parse(&written.replacen(scheme, other, 1)).unwrap(), parsed);
        }
    }
}
