//! Reading one cookie straight from the `Cookie` headers, without a jar.

use http::HeaderMap;
use http::header::COOKIE;

/// The raw value of the first cookie called `name` (browsers send the most specific path
/// first), trimmed, not decoded. A jar would parse and percent-decode every cookie of the
/// request into owned values; the layers need one, and their values need no decoding.
pub(crate) fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    for header in headers.get_all(COOKIE) {
        // Headers that are not visible ASCII are skipped whole; in the rest, the only
        // whitespace is spaces and tabs, so ASCII trimming is all trimming (and no Unicode
        // tables are consulted on every request).
        let Ok(header) = header.to_str() else {
            continue;
        };
        for pair in header.split(';') {
            if let Some((n, value)) = pair.split_once('=')
                && n.trim_ascii() == name
            {
                return Some(value.trim_ascii());
            }
        }
    }
    None
}
