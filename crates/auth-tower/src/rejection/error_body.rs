//! [`ErrorBody`]: your body for HTTP refusals (JSON, an HTML page, a redirect to a login
//! page), with the status and headers the layer chose kept unless you change them.

use super::{Rejection, RejectionKind};
use http::header::{CONTENT_TYPE, HeaderValue, LOCATION};
use http::{StatusCode, response::Parts};
use std::fmt;
use std::sync::Arc;

type BodyFn = dyn Fn(&Rejection, &mut Parts) -> String + Send + Sync;

/// Replaces the body of the HTTP responses a layer refuses requests with.
///
/// The function gets the [`Rejection`] and the response head the layer built (status,
/// `WWW-Authenticate`, `Cache-Control: no-store`, `Content-Type: text/plain`), and returns the
/// body. It may change the head too: set a JSON content type, or turn a 401 into a redirect.
/// gRPC refusals are never passed to it (they are trailers-only, with no body).
///
/// Give it to a layer with `with_error_body` ([`SessionLayerBuilder`], [`RequireAuth`],
/// `JwtLayer`, `HybridLayer`).
///
/// ```
/// use auth_tower::rejection::{ErrorBody, RejectionKind};
/// use auth_tower::guard::RequireAuth;
/// use http::{StatusCode, header::{CONTENT_TYPE, HeaderValue}};
///
/// // An HTML page for every refusal; status and headers stay as the layer set them.
/// let html = ErrorBody::new(|rejection, head| {
///     head.headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
///     format!("<h1>{}</h1>", head.status.canonical_reason().unwrap_or("Error"))
/// });
/// let pages = RequireAuth::identity().with_error_body(html);
///
/// // RFC 6750-style JSON for an API.
/// let api = RequireAuth::identity().with_scope("reports:read").with_error_body(ErrorBody::json());
///
/// // Browsers that are not logged in go to the login page.
/// let web = RequireAuth::identity().with_error_body(ErrorBody::redirect_to_login("/login"));
/// # let _ = (pages, api, web);
/// ```
///
/// [`SessionLayerBuilder`]: crate::session::SessionLayerBuilder
/// [`RequireAuth`]: crate::RequireAuth
#[derive(Clone)]
pub struct ErrorBody(Arc<BodyFn>);

impl ErrorBody {
    /// Your body function; see the type docs.
    pub fn new(f: impl Fn(&Rejection, &mut Parts) -> String + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// A JSON body, `{"error": "...", "error_description": "..."}`, with the RFC 6750 error
    /// code where there is one (`invalid_token`, `invalid_request`, `insufficient_scope`,
    /// `insufficient_user_authentication`), else `unauthenticated`, `forbidden`, `slow_down`
    /// (429, a throttled login), `temporarily_unavailable` or `server_error`.
    pub fn json() -> Self {
        Self::new(|rejection, head| {
            head.headers
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            super::json_body(rejection.kind().error_code(), rejection.description())
        })
    }

    /// Answer "not logged in" (and "log in again", for step-up) with `303 See Other` to
    /// `location`, for browser pages; every other refusal keeps its status and plain-text body.
    ///
    /// `location` should be a path on your site (an absolute path such as `/login`). A value
    /// that is not a valid header value is ignored, and the refusal stays a 401.
    pub fn redirect_to_login(location: &str) -> Self {
        let location = HeaderValue::from_str(location).ok();
        Self::new(move |rejection, head| {
            let login = matches!(
                rejection.kind(),
                RejectionKind::Unauthenticated | RejectionKind::FreshLoginRequired
            );
            match &location {
                Some(location) if login => {
                    head.status = StatusCode::SEE_OTHER;
                    head.headers.insert(LOCATION, location.clone());
                    String::new()
                }
                _ => super::plain_text(rejection),
            }
        })
    }

    pub(crate) fn apply(&self, rejection: &Rejection, head: &mut Parts) -> String {
        (self.0)(rejection, head)
    }
}

impl fmt::Debug for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorBody(..)")
    }
}
