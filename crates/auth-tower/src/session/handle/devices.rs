//! The "your devices" page: listing the subject's sessions and ending one of them.

use super::Session;
use crate::session::SessionError;
use auth_core::{SessionEntry, SessionKey};

impl Session {
    /// The logged-in subject's live sessions ("your devices"), oldest first; empty when
    /// anonymous. Each record carries when it was created and last seen, and the
    /// [`Device`](auth_core::Device) it was logged in from when the login recorded one
    /// ([`login_from`](Self::login_from)): `describe()` gives "Firefox on Windows".
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{Identity, MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    /// use http::request::Parts;
    ///
    /// async fn login(session: Session, request: Parts) -> Result<&'static str, SessionError> {
    ///     session.login_from(&request, Identity::new("user-42")).await?;
    ///     Ok("welcome")
    /// }
    ///
    /// /// A "your devices" page: what each session was logged in from, and from where.
    /// async fn devices(session: Session) -> Result<String, SessionError> {
    ///     let lines: Vec<String> = session
    ///         .sessions()
    ///         .await?
    ///         .iter()
    ///         .map(|s| {
    ///             let device = s.record.device.clone().unwrap_or_default();
    ///             let address = device.address().map_or("unknown address".into(), |a| a.to_string());
    ///             format!("{}, {address}", device.describe())
    ///         })
    ///         .collect();
    ///     Ok(lines.join("\n"))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/login", post(login))
    ///     .route("/devices", post(devices))
    ///     .layer(SessionLayer::builder(MemoryStore::new()).with_insecure_dev_cookie().build()?);
    /// # use tower::ServiceExt;
    /// # let call = |app: Router, path: &str, cookie: Option<String>| {
    /// #     let mut req = http::Request::post(path).header(
    /// #         "user-agent",
    /// #         "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
    /// #     );
    /// #     if let Some(c) = cookie { req = req.header("cookie", c); }
    /// #     let mut req = req.body(axum::body::Body::empty()).unwrap();
    /// #     // What `into_make_service_with_connect_info::<SocketAddr>()` puts there.
    /// #     req.extensions_mut().insert(axum::extract::ConnectInfo(
    /// #         "192.0.2.7:50000".parse::<std::net::SocketAddr>().unwrap(),
    /// #     ));
    /// #     async move {
    /// #         let res = app.oneshot(req).await.unwrap();
    /// #         let cookie = res.headers().get("set-cookie")
    /// #             .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    /// #         let status = res.status();
    /// #         let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
    /// #         (status, cookie, String::from_utf8(body.to_vec()).unwrap())
    /// #     }
    /// # };
    /// # assert_eq!(call(app.clone(), "/devices", None).await.2, ""); // anonymous: no devices
    /// # let (_, cookie, _) = call(app.clone(), "/login", None).await;
    /// # assert_eq!(call(app, "/devices", cookie).await.2, "Firefox on Windows, 192.0.2.7");
    /// # Ok(()) }
    /// ```
    pub async fn sessions(&self) -> Result<Vec<SessionEntry>, SessionError> {
        match self.identity().await? {
            Some(identity) => self
                .inner
                .config
                .store
                .list_subject(identity.subject())
                .await
                .map_err(|e| self.err(e)),
            None => Ok(Vec::new()),
        }
    }

    /// End one of the logged-in subject's sessions (a "revoke" button on a devices page).
    /// Returns `false`, touching nothing, if `key` is not a live session of the same subject.
    /// Revoking the current session is a [`logout`](Self::logout).
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use auth_tower::store::SessionKey;
    /// use axum::{Router, routing::post};
    ///
    /// /// The "revoke" button of a devices page: the key comes from `sessions()`.
    /// async fn revoke(session: Session, key: SessionKey) -> Result<&'static str, SessionError> {
    ///     Ok(if session.revoke(&key).await? { "revoked" } else { "no such session" })
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/devices/revoke", post(|s: Session| async move {
    ///         let Some(key) = s.sessions().await?.first().map(|e| e.key.clone()) else {
    ///             return Ok::<_, SessionError>("no such session");
    ///         };
    ///         revoke(s, key).await
    ///     }))
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
    /// # assert_eq!(call(app, "/devices/revoke", None).await.2, "no such session");
    /// # Ok(()) }
    /// ```
    pub async fn revoke(&self, key: &SessionKey) -> Result<bool, SessionError> {
        let Some(identity) = self.identity().await? else {
            return Ok(false);
        };
        if identity.session() == Some(key) {
            self.logout().await?;
            return Ok(true);
        }
        let store = &self.inner.config.store;
        let Some(record) = store
            .load(key)
            .await
            .map_err(|e| self.err(e))?
            .filter(|r| r.subject() == Some(identity.subject()))
        else {
            return Ok(false);
        };
        let deleted = store.delete(key).await.map_err(|e| self.err(e))?;
        if deleted {
            self.revoke_session(key, &record)
                .await
                .map_err(|e| self.err(e))?;
        }
        Ok(deleted)
    }
}
