//! The session cookie's rules, in one place: how it is read, written and cleared.

use super::config::CookieConfig;
use auth_core::SessionId;
use cookie::{Cookie, SameSite};
use tower_cookies::Cookies;

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
pub(crate) fn read(cookies: &Cookies, config: &CookieConfig) -> Option<Result<SessionId, ()>> {
    let cookie = cookies.get(&config.name)?;
    Some(SessionId::parse(cookie.value()).map_err(|_| ()))
}

/// Apply `action` to the response's cookie jar. Returns whether a `Set-Cookie` will be sent.
pub(crate) fn apply(cookies: &Cookies, config: &CookieConfig, action: &CookieAction) -> bool {
    match action {
        CookieAction::Keep => false,
        CookieAction::Set(id) => {
            let mut cookie = base(config, id.expose_cookie_value());
            if let Some(max_age) = config.max_age {
                cookie.set_max_age(cookie::time::Duration::try_from(max_age).ok());
            }
            cookies.add(cookie);
            true
        }
        CookieAction::Clear => {
            let mut cookie = base(config, String::new());
            cookie.set_max_age(cookie::time::Duration::ZERO);
            cookies.add(cookie);
            true
        }
    }
}

fn base(config: &CookieConfig, value: String) -> Cookie<'static> {
    Cookie::build((config.name.clone(), value))
        .http_only(true)
        .secure(config.secure)
        .same_site(SameSite::Lax)
        .path("/")
        .build()
}
