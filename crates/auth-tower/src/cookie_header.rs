//! Reading one cookie straight from the `Cookie` headers, without a jar.

use http::HeaderMap;
use http::header::COOKIE;

/// The raw value of the first cookie called `name` (browsers send the most specific path
/// first), trimmed, not decoded. A jar would parse and percent-decode every cookie of the
/// request into owned values; the layers need one, and their values need no decoding.
pub(crate) fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|h| h.split(';'))
        .find_map(|pair| {
            let (n, value) = pair.split_once('=')?;
            (n.trim() == name).then(|| value.trim())
        })
}
