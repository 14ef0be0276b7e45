//! The session cookie's rules, in one place: how it is read, written and cleared.

use super::config::CookieConfig;
use auth_core::SessionId;
use cookie::Cookie;
use http::HeaderMap;
use http::header::{HeaderValue, SET_COOKIE};

/// What the response must do with the session cookie.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum CookieAction {
    /// Leave it as it is.
    #[default]
    Keep,
    /// Send this id.
    Set(SessionId),
    /// Tell the client to drop it.
    Clear,
}

/// The session id the request presented: `None` without a cookie; `Some(Err(()))` for a cookie
/// that is not a well-formed id (never looked up in the store).
///
/// Reads the `Cookie` headers directly instead of through the jar: the jar parses and
/// percent-decodes every cookie of the request into owned values, which cost about a tenth of
/// a request's CPU for the one value we need. Our values are canonical base64url, so no
/// decoding applies; a percent-encoded or quoted value is simply malformed. The first cookie
/// with our name wins (browsers send the most specific path first).
pub(crate) fn read(headers: &HeaderMap, config: &CookieConfig) -> Option<Result<SessionId, ()>> {
    let value = crate::cookie_header::find(headers, &config.name)?;
    Some(SessionId::parse(value).map_err(|_| ()))
}

/// Apply `action` to the response headers. Returns whether a `Set-Cookie` was added.
///
/// The header is appended, so cookies set by the handler (or by a `tower-cookies`
/// `CookieManagerLayer` around us) are kept.
pub(crate) fn apply(headers: &mut HeaderMap, config: &CookieConfig, action: &CookieAction) -> bool {
    let cookie = match action {
        CookieAction::Keep => return false,
        CookieAction::Set(id) => {
            let mut cookie = base(config, id.expose_cookie_value());
            if let Some(max_age) = config.max_age {
                cookie.set_max_age(cookie::time::Duration::try_from(max_age).ok());
            }
            cookie
        }
        CookieAction::Clear => {
            let mut cookie = base(config, String::new());
            cookie.set_max_age(cookie::time::Duration::ZERO);
            cookie
        }
    };
    // Name and value are a validated token and base64url: always a valid header value.
    match HeaderValue::from_str(&cookie.to_string()) {
        Ok(value) => {
            headers.append(SET_COOKIE, value);
            true
        }
        Err(_) => false,
    }
}

fn base(config: &CookieConfig, value: String) -> Cookie<'static> {
    let mut cookie = Cookie::build((config.name.clone(), value))
        .http_only(true)
        .secure(config.secure)
        .same_site(config.same_site.as_cookie())
        .path(config.path.clone())
        .build();
    if let Some(domain) = &config.domain {
        cookie.set_domain(domain.clone());
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CookieConfig {
        CookieConfig {
            name: "__Host-session".into(),
            secure: true,
            max_age: None,
            domain: None,
            path: "/".into(),
            same_site: crate::session::SameSite::Lax,
        }
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(http::header::COOKIE, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn finds_our_cookie_among_others_and_across_headers() {
        let id = SessionId::generate().unwrap();
        let v = id.expose_cookie_value();
        let c = config();
        assert_eq!(read(&headers(&[]), &c), None);
        assert_eq!(read(&headers(&["a=1; b=2"]), &c), None);
        assert_eq!(
            read(&headers(&[&format!("a=1; __Host-session={v}; b=2")]), &c),
            Some(Ok(id.clone()))
        );
        assert_eq!(
            read(&headers(&["a=1", &format!(" __Host-session = {v} ")]), &c),
            Some(Ok(id.clone()))
        );
        assert_eq!(read(&headers(&["__Host-session=bad"]), &c), Some(Err(())));
        assert_eq!(
            read(&headers(&["x__Host-session=1; __Host-sessionx=2"]), &c),
            None
        );
        assert_eq!(
            read(&headers(&[&format!("__Host-session=\"{v}\"")]), &c),
            Some(Err(()))
        );
    }
}
