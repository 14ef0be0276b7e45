//! Logging in: a new session id on every login (session fixation defence), and the device
//! the login came from when the handler hands over the request.

use super::{CREATE_ATTEMPTS, Phase, Session, State};
use crate::session::SessionError;
use crate::session::cookie::CookieAction;
use crate::session::device;
use auth_core::{
    AuthMethod, Device, Error, ErrorKind, Identity, SessionChanges, SessionId, SessionKey,
    SessionRecord,
};
use http::request::Parts;
use std::sync::Arc;

impl Session {
    /// Log `identity` in: the session gets a new id (session fixation defence), keeps its
    /// values, and the response sends the new cookie. Logging in as a different subject than
    /// the one logged in starts a new, empty session instead.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use auth_tower::Identity;
    /// use axum::{Router, routing::post};
    ///
    /// async fn login(session: Session) -> Result<&'static str, SessionError> {
    ///     // ... check the credentials first ...
    ///     session.login(Identity::new("user-42").with_role("admin")).await?;
    ///     Ok("welcome")
    /// }
    /// async fn me(who: Identity) -> String {
    ///     who.subject().to_owned()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/login", post(login))
    ///     .route("/me", post(me))
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
    /// # assert_eq!(call(app, "/me", cookie).await.2, "user-42");
    /// # Ok(()) }
    /// ```
    pub async fn login(&self, identity: Identity) -> Result<(), SessionError> {
        let mut state = self.loaded().await?;
        self.login_locked(&mut state, identity, None)
            .await
            .map_err(|e| self.err(e))
    }

    /// [`login`](Self::login), recording the device the login comes from for a "your devices"
    /// page ([`sessions`](Self::sessions)): the request's `User-Agent` (shortened) and client
    /// address. The address is the connection's (axum's `ConnectInfo<SocketAddr>` from
    /// `into_make_service_with_connect_info::<SocketAddr>()`, or a `SocketAddr` your server
    /// put into the request extensions), or, behind a reverse proxy, the header named with
    /// [`with_client_ip_header`](crate::session::SessionLayerBuilder::with_client_ip_header).
    ///
    /// The request is read here and nowhere else: requests that do not log in cost nothing.
    /// The device stays as recorded until the next login; later requests do not change it.
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
    ///     // ... check the credentials first ...
    ///     session.login_from(&request, Identity::new("user-42")).await?;
    ///     Ok("welcome")
    /// }
    /// async fn device(session: Session) -> Result<String, SessionError> {
    ///     let sessions = session.sessions().await?;
    ///     let device = sessions[0].record.device.clone().unwrap_or_default();
    ///     Ok(format!("{} from {:?}", device.describe(), device.address()))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/login", post(login))
    ///     .route("/device", post(device))
    ///     .layer(SessionLayer::builder(MemoryStore::new()).with_insecure_dev_cookie().build()?);
    /// # use tower::ServiceExt;
    /// # let call = |app: Router, path: &str, cookie: Option<String>| {
    /// #     let mut req = http::Request::post(path).header("user-agent", "curl/8.5.0");
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
    /// #         let body = axum::body::to_bytes(res.into_body(), 1 << 16).await.unwrap();
    /// #         (cookie, String::from_utf8(body.to_vec()).unwrap())
    /// #     }
    /// # };
    /// # let (cookie, _) = call(app.clone(), "/login", None).await;
    /// # assert_eq!(call(app, "/device", cookie).await.1, "curl from Some(192.0.2.7)");
    /// # Ok(()) }
    /// ```
    pub async fn login_from(
        &self,
        request: &Parts,
        identity: Identity,
    ) -> Result<(), SessionError> {
        let device = device::capture(
            &request.headers,
            &request.extensions,
            self.inner
                .config
                .client_ip_header
                .as_ref()
                .map(|(name, hops)| (name, *hops)),
        );
        self.login_with_device(identity, device).await
    }

    /// [`login`](Self::login), recording `device` as where the login comes from: for a
    /// device your app knows by other means (a tonic request's remote address, a native
    /// client that names itself). [`login_from`](Self::login_from) reads it from the request.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{Identity, MemoryStore, Session, SessionError, SessionLayer};
    /// use auth_tower::session::Device;
    ///
    /// async fn login(session: Session) -> Result<(), SessionError> {
    ///     let device = Device::new().with_user_agent("ExampleApp/2.1 (Android 14)");
    ///     session.login_with_device(Identity::new("user-42"), device).await?;
    ///     let sessions = session.sessions().await?;
    ///     assert_eq!(sessions[0].record.device.as_ref().map(Device::describe).as_deref(), Some("unknown browser on Android"));
    ///     Ok(())
    /// }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use tower::{ServiceExt, service_fn};
    /// # let layer = SessionLayer::builder(MemoryStore::new()).build()?;
    /// # let app = tower::Layer::layer(&layer, service_fn(|req: http::Request<()>| async move {
    /// #     let session = req.extensions().get::<Session>().cloned().unwrap();
    /// #     login(session).await.map(|()| http::Response::new(String::new()))
    /// # }));
    /// # app.oneshot(http::Request::new(())).await?;
    /// # Ok(()) }
    /// ```
    pub async fn login_with_device(
        &self,
        identity: Identity,
        device: Device,
    ) -> Result<(), SessionError> {
        let mut state = self.loaded().await?;
        self.login_locked(&mut state, identity, Some(device))
            .await
            .map_err(|e| self.err(e))
    }

    async fn login_locked(
        &self,
        state: &mut State,
        identity: Identity,
        device: Option<Device>,
    ) -> Result<(), Error> {
        let config = &self.inner.config;
        let now = config.clock.now();
        let identity = match identity.authenticated_at() {
            Some(_) => identity,
            None => identity.with_authenticated_at(now),
        }
        // The session key and expiry are derived when read; never stored in the identity.
        .with_session(None)
        .with_expires_at(None)
        .with_method(AuthMethod::Session);
        let subject = identity.subject().to_owned();

        let mut changes = std::mem::take(&mut state.changes).into_changes();
        changes.identity = Some(Some(identity));
        changes.device = device;
        changes.touch = Some(auth_core::Touch::new(
            now,
            now.saturating_add(config.idle_timeout),
        ));

        let previous = std::mem::take(&mut state.phase);
        // The old key stops being valid either way, so what was minted from it is revoked
        // first (if it had an identity): a login that cannot publish that changes nothing.
        let rotated = match previous {
            Phase::Active { key, record } if record.subject().is_none_or(|s| s == subject) => {
                self.revoke_session(&key, &record).await?;
                self.rotate(&key, &changes).await?
            }
            Phase::Active { key, record } => {
                // Another user logs in on this browser: nothing of the previous user's session
                // may carry over.
                self.revoke_session(&key, &record).await?;
                config.store.delete(&key).await?;
                None
            }
            _ => None,
        };
        let (id, record) = match rotated {
            Some(done) => done,
            None => {
                let mut record =
                    SessionRecord::new(now, config.idle_timeout, config.absolute_timeout);
                changes.apply_to(&mut record);
                record.version = 0;
                let id = self.create(&record).await?;
                (id, record)
            }
        };
        let key = id.key();
        tracing::info!(target: "auth_tower::session", session = ?key, "logged in; session id rotated");
        state.cookie = CookieAction::Set(id);
        state.phase = Phase::Active {
            key,
            record: Arc::new(record),
        };
        Ok(())
    }

    async fn rotate(
        &self,
        old: &SessionKey,
        changes: &SessionChanges,
    ) -> Result<Option<(SessionId, SessionRecord)>, Error> {
        for _ in 0..CREATE_ATTEMPTS {
            let id = SessionId::generate()?;
            match self
                .inner
                .config
                .store
                .rotate(old, &id.key(), changes)
                .await
            {
                Ok(Some(record)) => return Ok(Some((id, record))),
                Ok(None) => return Ok(None),
                Err(e) if e.kind() == ErrorKind::Collision => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::storage("could not find a free session id"))
    }

    /// Create `record` under a fresh id.
    pub(crate) async fn create(&self, record: &SessionRecord) -> Result<SessionId, Error> {
        for _ in 0..CREATE_ATTEMPTS {
            let id = SessionId::generate()?;
            match self.inner.config.store.create(&id.key(), record).await {
                Ok(()) => return Ok(id),
                Err(e) if e.kind() == ErrorKind::Collision => {}
                Err(e) => return Err(e),
            }
        }
        Err(Error::storage("could not find a free session id"))
    }
}
