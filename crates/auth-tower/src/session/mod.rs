//! Cookie sessions: [`SessionLayer`] and the per-request [`Session`].
//!
//! - **Lazy**: a request without a session cookie costs no store call, and one with a cookie
//!   costs none until a handler reads the session.
//! - **Writes only what changed**, after the response, field by field: two concurrent
//!   requests changing different values both land. The idle expiry is pushed forward at most
//!   once per touch interval, so read-only requests usually write nothing, and that write
//!   never holds the response: it finishes as a task of the runtime, and a failure is logged,
//!   not answered (the session lives on until its current idle expiry).
//! - **Fails closed**: a store that cannot be reached is a 503 (gRPC 14), never an anonymous
//!   pass and never a panic.
//! - **Bad cookies are just absent**: a malformed cookie (any length, any alphabet) is never
//!   looked up; an unknown or expired one starts a fresh anonymous session (the client's id is
//!   never adopted). Only logout clears the cookie: clearing a dead one could race with a
//!   concurrent login's new cookie and log the user out.

mod commit;
pub(crate) mod config;
mod context;
mod cookie;
mod cookie_scope;
mod device;
mod error;
#[cfg(feature = "axum")]
mod extract;
mod handle;
mod layer;
pub(crate) mod service;

pub use auth_core::Device;
pub use config::SessionLayerBuilder;
#[cfg(feature = "jwt")]
pub(crate) use config::validate_cookie_name;
pub use cookie_scope::SameSite;
pub use error::SessionError;
#[cfg(all(feature = "axum", feature = "jwt"))]
pub(crate) use extract::BearerRequest;
#[cfg(feature = "axum")]
pub use extract::NoSession;
pub use handle::Session;
pub use layer::SessionLayer;
pub use service::ResponseFuture;
pub use service::SessionService;
