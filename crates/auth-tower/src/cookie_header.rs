//! Reading one cookie straight from the `Cookie` headers, without a jar.

use http::HeaderMap;
use http::header::COOKIE;

/// The raw value of the first cookie called `name` (browsers send the most specific path
/// first), trimmed, not decoded. A jar would parse and percent-decode every cookie of the
/// request into owned values; the layers need one, and their values need no decoding.
///
/// Only the pair we read has to be well-formed: the header is split on `;` as bytes, and a
/// cookie with bytes outside visible ASCII (`theme=café`, set by a sibling subdomain or a
/// same-site script) is skipped on its own. Refusing the whole header for it would let
/// whoever can set one odd cookie keep the user logged out. A pair called `name` whose value
/// is not visible ASCII is skipped too, as if absent.
pub(crate) fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let name = name.as_bytes();
    for header in headers.get_all(COOKIE) {
        for pair in header.as_bytes().split(|&b| b == b';') {
            // The name is compared before anything else is looked at: the other cookies of
            // the request cost one pass to find their `;`, and no more.
            let Some(rest) = strip_name(pair, name) else {
                continue;
            };
            // The only whitespace left to trim in visible ASCII is spaces and tabs, so ASCII
            // trimming is all trimming (and no Unicode tables are consulted on every request).
            let value = rest.trim_ascii();
            if is_visible_ascii(value)
                && let Ok(value) = std::str::from_utf8(value)
            {
                return Some(value);
            }
        }
    }
    None
}

/// What follows `name` and the first `=` in `pair` (`name = value`, with optional whitespace
/// around the name), or `None` when the pair has another name or no `=`.
fn strip_name<'p>(pair: &'p [u8], name: &[u8]) -> Option<&'p [u8]> {
    let after = pair.trim_ascii_start().strip_prefix(name)?;
    let after = after.trim_ascii_start();
    // `name` is a token (checked when the layer is built): no `=` and no whitespace, so this
    // is exactly "the pair's name, up to its first `=` and trimmed, is `name`".
    after.strip_prefix(b"=")
}

/// Visible ASCII, spaces and tabs only; checked without branching on each byte (no early
/// exit), which the compiler turns into a few wide compares for a session id's 43 bytes.
fn is_visible_ascii(value: &[u8]) -> bool {
    value.iter().fold(true, |ok, &b| {
        ok & ((0x20..0x7f).contains(&b) | (b == b'\t'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(COOKIE, HeaderValue::from_bytes(v).unwrap());
        }
        map
    }

    /// Security review 2, finding 7: `session=<valid>; theme=café` made the whole header
    /// unreadable, so the request was anonymous (401).
    #[test]
    fn a_non_ascii_sibling_cookie_does_not_hide_the_session() {
        let h = headers(&["session=abc; theme=caf\u{e9}".as_bytes()]);
        assert_eq!(find(&h, "session"), Some("abc"));
        let h = headers(&[b"theme=caf\xe9; session=abc"]);
        assert_eq!(find(&h, "session"), Some("abc"));
        let h = headers(&[b"\xff\xfe=x; session=abc"]);
        assert_eq!(find(&h, "session"), Some("abc"));
    }

    #[test]
    fn the_value_read_must_be_visible_ascii() {
        let h = headers(&[b"session=ab\xe9c"]);
        assert_eq!(find(&h, "session"), None);
        // A later well-formed pair of the same name is still found.
        let h = headers(&[b"session=ab\xe9c", b"session=good"]);
        assert_eq!(find(&h, "session"), Some("good"));
    }

    #[test]
    fn the_first_pair_called_name_wins_trimmed() {
        let h = headers(&[b"a=1;  session = first ; session=second", b"session=third"]);
        assert_eq!(find(&h, "session"), Some("first"));
        assert_eq!(find(&h, "sess"), None);
        assert_eq!(find(&h, "a"), Some("1"));
        let h = headers(&[b"session; x=1", b"noequals"]);
        assert_eq!(find(&h, "session"), None);
        assert_eq!(find(&h, "x"), Some("1"));
        assert_eq!(find(&HeaderMap::new(), "session"), None);
    }
}
