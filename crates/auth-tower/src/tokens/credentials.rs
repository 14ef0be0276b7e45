//! [`CheckCredentials`]: the one thing an application supplies to the token endpoints.

use auth_core::Identity;
use std::future::Future;
use std::pin::Pin;

/// Checks a username and password at login; the application's part of the token endpoints.
///
/// Answer `Ok(Some(identity))` for good credentials (with the roles and scopes its access
/// tokens should carry), `Ok(None)` for a wrong username or password (the client gets a 400
/// `invalid_grant`, the same for both), and `Err` when the check itself could not be made,
/// e.g. the user database is down (the client gets a 503 `temporarily_unavailable`).
///
/// Compare password hashes in constant time, and spend the same time on an unknown user as on
/// a wrong password, so the answer's timing does not tell which usernames exist.
///
/// Implement it on a type with an `async fn`:
///
/// ```
/// use auth_tower::Identity;
/// use auth_tower::tokens::CheckCredentials;
///
/// struct Users;
///
/// impl CheckCredentials for Users {
///     type Error = std::io::Error;
///
///     async fn check(&self, username: &str, password: &str) -> Result<Option<Identity>, Self::Error> {
///         Ok((username == "alice" && password == "wonderland")
///             .then(|| Identity::new("alice").with_scope("reports:read")))
///     }
/// }
/// ```
///
/// or pass a closure taking owned strings:
///
/// ```
/// use auth_tower::Identity;
/// use auth_tower::tokens::CheckCredentials;
///
/// fn assert_checks(_: impl CheckCredentials) {}
/// assert_checks(|username: String, password: String| async move {
///     Ok::<_, std::io::Error>((username == "bob" && password == "builder").then(|| Identity::new("bob")))
/// });
/// ```
pub trait CheckCredentials: Send + Sync + 'static {
    /// Why a check could not be made (logged; the client sees only a 503).
    type Error: std::error::Error + Send + Sync + 'static;

    /// The identity `username` logs in as, if `password` is right.
    fn check(
        &self,
        username: &str,
        password: &str,
    ) -> impl Future<Output = Result<Option<Identity>, Self::Error>> + Send;
}

impl<F, Fut, E> CheckCredentials for F
where
    F: Fn(String, String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Identity>, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;

    fn check(
        &self,
        username: &str,
        password: &str,
    ) -> impl Future<Output = Result<Option<Identity>, E>> + Send {
        self(username.to_owned(), password.to_owned())
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type CheckFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Identity>, BoxError>> + Send + 'a>>;

/// [`CheckCredentials`] behind a pointer, so the endpoints need no type parameter.
pub(super) trait DynCheck: Send + Sync + 'static {
    fn check<'a>(&'a self, username: &'a str, password: &'a str) -> CheckFuture<'a>;
}

impl<C: CheckCredentials> DynCheck for C {
    fn check<'a>(&'a self, username: &'a str, password: &'a str) -> CheckFuture<'a> {
        Box::pin(async move {
            CheckCredentials::check(self, username, password)
                .await
                .map_err(|e| Box::new(e) as BoxError)
        })
    }
}
