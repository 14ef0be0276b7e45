//! Reading the freshness lifetime of a JWKS response from `Cache-Control` (RFC 9111 §5.2).

use http::HeaderValue;
use std::time::Duration;

/// The `max-age` of a `Cache-Control` value; `Some(ZERO)` for `no-store` / `no-cache`;
/// `None` when it says nothing about freshness (the caller's default applies).
pub(super) fn max_age(value: Option<&HeaderValue>) -> Option<Duration> {
    let value = value?.to_str().ok()?;
    let mut result = None;
    for directive in value.split(',') {
        let directive = directive.trim();
        if directive.eq_ignore_ascii_case("no-store") || directive.eq_ignore_ascii_case("no-cache")
        {
            return Some(Duration::ZERO);
        }
        let Some((name, arg)) = directive.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("max-age") {
            let arg = arg.trim().trim_matches('"');
            if !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_digit()) {
                // Overlong values saturate (RFC 9111 §1.2.2).
                let secs = arg.parse::<u64>().unwrap_or(u64::MAX);
                result = Some(Duration::from_secs(secs));
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> Option<Duration> {
        max_age(Some(&HeaderValue::from_str(v).unwrap()))
    }

    #[test]
    fn directives() {
        assert_eq!(parse("public, max-age=300"), Some(Duration::from_secs(300)));
        assert_eq!(parse("Max-Age = \"60\""), Some(Duration::from_secs(60)));
        assert_eq!(
            parse("max-age=99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse("no-store"), Some(Duration::ZERO));
        assert_eq!(parse("public"), None);
        assert_eq!(parse("max-age=-1"), None);
        assert_eq!(max_age(None), None);
    }
}
