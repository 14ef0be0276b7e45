//! Reading and buffering the session's values, and who is logged in.

use super::{Phase, Session};
use crate::session::SessionError;
use auth_core::{Error, Identity, SessionKey};
use serde::Serialize;
use serde::de::DeserializeOwned;

impl Session {
    /// The value stored under `name`, if any.
    ///
    /// # Errors
    /// 503 if the store cannot be reached; 500 if the value is not a `T`.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    ///
    /// async fn visit(session: Session) -> Result<String, SessionError> {
    ///     let visits: u64 = session.get("visits").await?.unwrap_or(0);
    ///     session.insert("visits", visits + 1).await?;
    ///     Ok(format!("visit {}", visits + 1))
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/", post(visit))
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
    /// # let (_, cookie, body) = call(app.clone(), "/", None).await;
    /// # assert_eq!(body, "visit 1");
    /// # let (_, _, body) = call(app, "/", cookie).await;
    /// # assert_eq!(body, "visit 2");
    /// # Ok(()) }
    /// ```
    pub async fn get<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, SessionError> {
        let state = self.loaded().await?;
        let value = if state.changes.removed.contains(name) {
            None
        } else if let Some(v) = state.changes.set.get(name) {
            Some(v)
        } else if let Phase::Active { record, .. } = &state.phase {
            record.values.get(name)
        } else {
            None
        };
        value
            .map(|v| T::deserialize(v).map_err(|e| self.err(Error::from(e))))
            .transpose()
    }

    /// Store `value` under `name` (written after the response; nothing is written if the value
    /// is unchanged).
    ///
    /// # Errors
    /// 503 if the store cannot be reached; 500 if the value cannot be serialized.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    ///
    /// async fn set_theme(session: Session) -> Result<(), SessionError> {
    ///     // Only this value is written, after the response: a concurrent request that changes
    ///     // another value does not lose its change.
    ///     session.insert("theme", "dark").await
    /// }
    /// async fn theme(session: Session) -> Result<String, SessionError> {
    ///     Ok(session.get::<String>("theme").await?.unwrap_or_default())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/theme/dark", post(set_theme))
    ///     .route("/theme", post(theme))
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
    /// # let (_, cookie, _) = call(app.clone(), "/theme/dark", None).await;
    /// # assert_eq!(call(app, "/theme", cookie).await.2, "dark");
    /// # Ok(()) }
    /// ```
    pub async fn insert<T: Serialize>(&self, name: &str, value: T) -> Result<(), SessionError> {
        let value = serde_json::to_value(value).map_err(|e| self.err(Error::from(e)))?;
        let mut state = self.loaded().await?;
        let unchanged = match &state.phase {
            Phase::Active { record, .. } => {
                !state.changes.removed.contains(name)
                    && state
                        .changes
                        .set
                        .get(name)
                        .or_else(|| record.values.get(name))
                        == Some(&value)
            }
            _ => false,
        };
        if !unchanged && !matches!(state.phase, Phase::Ended) {
            state.changes.insert(name.to_owned(), value);
        }
        Ok(())
    }

    /// Remove the value under `name`; whether there was one.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    ///
    /// async fn clear_cart(session: Session) -> Result<&'static str, SessionError> {
    ///     Ok(if session.remove("cart").await? { "emptied" } else { "was empty" })
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/cart/clear", post(clear_cart))
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
    /// # assert_eq!(call(app, "/cart/clear", None).await.2, "was empty");
    /// # Ok(()) }
    /// ```
    pub async fn remove(&self, name: &str) -> Result<bool, SessionError> {
        let mut state = self.loaded().await?;
        let existed = match &state.phase {
            Phase::Active { record, .. } => {
                state.changes.set.contains_key(name)
                    || (record.values.contains_key(name) && !state.changes.removed.contains(name))
            }
            _ => state.changes.set.contains_key(name),
        };
        if existed {
            if matches!(state.phase, Phase::Active { .. }) {
                state.changes.remove(name.to_owned());
            } else {
                state.changes.set.remove(name);
            }
        }
        Ok(existed)
    }

    /// Who is logged in to this session, if anyone.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    ///
    /// async fn greeting(session: Session) -> Result<String, SessionError> {
    ///     Ok(match session.identity().await? {
    ///         Some(who) => format!("hello {}", who.subject()),
    ///         None => "hello stranger".to_owned(),
    ///     })
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/", post(greeting))
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
    /// # assert_eq!(call(app, "/", None).await.2, "hello stranger");
    /// # Ok(()) }
    /// ```
    pub async fn identity(&self) -> Result<Option<Identity>, SessionError> {
        self.inner.identity().await
    }

    /// The public key of the current session (what `sessions()` lists), if there is one.
    ///
    /// # Errors
    /// 503 if the store cannot be reached.
    ///
    /// ```
    /// use auth_tower::{MemoryStore, Session, SessionError, SessionLayer};
    /// use axum::{Router, routing::post};
    ///
    /// /// Whether this request has a stored session yet (a new visitor has none until a write).
    /// async fn has_session(session: Session) -> Result<String, SessionError> {
    ///     Ok(session.key().await?.is_some().to_string())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let app: Router = Router::new()
    ///     .route("/", post(has_session))
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
    /// # assert_eq!(call(app, "/", None).await.2, "false");
    /// # Ok(()) }
    /// ```
    pub async fn key(&self) -> Result<Option<SessionKey>, SessionError> {
        let state = self.loaded().await?;
        Ok(match &state.phase {
            Phase::Active { key, .. } => Some(*key),
            _ => None,
        })
    }
}
