//! Logging out of this session or of all of a subject's sessions, publishing revocations only
//! for sessions that existed with an identity.

use super::{Phase, Session, State};
use crate::session::SessionError;
use crate::session::cookie::CookieAction;
use auth_core::Revocation;
use std::sync::Arc;

impl Session {
    /// Log out: delete the session from the store and clear the cookie.
    ///
    /// # Errors
    /// 503 if the store cannot be reached (the session is then still alive).
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use auth_tower::Identity;
    /// use axum::{Router, routing::post};
    ///
    /// async fn logout(session: Session) -> Result<&'static str, SessionError> {
    ///     session.logout().await?; // the record is deleted and the cookie cleared
    ///     Ok("bye")
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/logout", post(logout))
    ///     .route("/me", post(|who: Identity| async move { who.subject().to_owned() }))
    /// # .route("/login", post(|s: Session| async move { s.login(Identity::new("u")).await }))
    ///     .layer(SessionLayer::builder(MemoryStore::new()).with_insecure_dev_cookie().build()?);
    /// # use tower::ServiceExt;
    /// # let call = |app: Router, path: &str, cookie: Option<String>| {
    /// #     let mut req = http::Request::post(path);
    /// #     if let Some(c) = cookie { req = req.header("cookie", c); }
    /// #     let req = req.body(axum::body::Body::empty()).unwrap();
    /// #     async move {
    /// #         let res = app.oneshot(req).await.unwrap();
    /// #         let cookie = res.headers().get("set-cookie")
    /// #             .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    /// #         let status = res.status();
    /// #         let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
    /// #         (status, cookie, String::from_utf8(body.to_vec()).unwrap())
    /// #     }
    /// # };
    /// # let (_, cookie, _) = call(app.clone(), "/login", None).await;
    /// # assert_eq!(call(app.clone(), "/logout", cookie.clone()).await.2, "bye");
    /// # assert_eq!(call(app, "/me", cookie).await.0, 401); // the old cookie is worth nothing
    /// # Ok(()) }
    /// ```
    pub async fn logout(&self) -> Result<(), SessionError> {
        let mut state = self.inner.state.lock().await;
        // The session to end, with its record: a logout is rare, so one read to learn whether
        // the session had an identity is worth it (only those are revoked).
        let target = match &state.phase {
            Phase::Active { key, record } => Some((*key, Some(record.clone()))),
            Phase::Unloaded => match &self.inner.presented {
                Some(id) => {
                    let key = id.key();
                    let record = self
                        .inner
                        .config
                        .store
                        .load(&key)
                        .await
                        .map_err(|e| self.err(e))?;
                    Some((key, record.map(Arc::new)))
                }
                None => None,
            },
            Phase::Fresh | Phase::Ended => None,
        };
        if let Some((key, record)) = target {
            self.inner
                .config
                .store
                .delete(&key)
                .await
                .map_err(|e| self.err(e))?;
            // A well-formed cookie proves nothing, and an anonymous session minted nothing:
            // revoke only a session that existed with an identity.
            match record {
                Some(record) if record.identity.is_some() => {
                    self.revoke_session(&key, &record)
                        .await
                        .map_err(|e| self.err(e))?;
                    tracing::info!(target: "auth_tower::session", session = ?key, "logged out");
                }
                _ => {
                    tracing::debug!(target: "auth_tower::session", "logout of an anonymous or unknown session: nothing to revoke");
                }
            }
        }
        self.end(&mut state);
        Ok(())
    }

    /// Log the subject out of every session they have (all devices), this one included.
    /// Returns how many sessions were deleted. Anonymous sessions just log out.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    ///
    /// /// After a password change: end every session of this user, on every device.
    /// async fn logout_everywhere(session: Session) -> Result<String, SessionError> {
    ///     let ended = session.logout_everywhere().await?;
    ///     Ok(format!("{ended} sessions ended"))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/logout-everywhere", post(logout_everywhere))
    ///     .layer(SessionLayer::builder(MemoryStore::new()).with_insecure_dev_cookie().build()?);
    /// # use tower::ServiceExt;
    /// # let call = |app: Router, path: &str, cookie: Option<String>| {
    /// #     let mut req = http::Request::post(path);
    /// #     if let Some(c) = cookie { req = req.header("cookie", c); }
    /// #     let req = req.body(axum::body::Body::empty()).unwrap();
    /// #     async move {
    /// #         let res = app.oneshot(req).await.unwrap();
    /// #         let cookie = res.headers().get("set-cookie")
    /// #             .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    /// #         let status = res.status();
    /// #         let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
    /// #         (status, cookie, String::from_utf8(body.to_vec()).unwrap())
    /// #     }
    /// # };
    /// # assert_eq!(call(app, "/logout-everywhere", None).await.2, "0 sessions ended");
    /// # Ok(()) }
    /// ```
    pub async fn logout_everywhere(&self) -> Result<u64, SessionError> {
        let subject = self.identity().await?.map(|i| i.subject().to_owned());
        let Some(subject) = subject else {
            self.logout().await?;
            return Ok(0);
        };
        let mut state = self.inner.state.lock().await;
        let n = self
            .inner
            .config
            .store
            .delete_subject(&subject)
            .await
            .map_err(|e| self.err(e))?;
        // Past `now`: a session or token issued in this very millisecond, just before the
        // call, is revoked too (one issued just after it errs on the safe side).
        self.publish(|now, until| {
            let before = now.saturating_add(std::time::Duration::from_millis(1));
            Revocation::subject_before(subject.clone(), before, until)
        })
        .await
        .map_err(|e| self.err(e))?;
        tracing::info!(target: "auth_tower::session", sessions = n, "logged out everywhere");
        self.end(&mut state);
        Ok(n)
    }

    fn end(&self, state: &mut State) {
        state.phase = Phase::Ended;
        state.changes = Default::default();
        state.cookie = CookieAction::Clear;
    }
}
