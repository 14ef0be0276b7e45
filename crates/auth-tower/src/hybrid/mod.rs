//! Cookie sessions and bearer tokens on the same routes (feature `jwt`): [`HybridLayer`].
//!
//! Each request is authenticated by exactly one mechanism, chosen by what it presents:
//!
//! - **`Authorization: Bearer ...`** (scheme case-insensitive): the request is a bearer
//!   request, handled exactly as by [`JwtLayer`](crate::JwtLayer). A valid token puts its
//!   [`Identity`](auth_core::Identity) in the request's [`AuthContext`](auth_core::AuthContext); a present but invalid, expired or
//!   revoked token is a 401 `invalid_token`, and two `Authorization` headers (or an empty
//!   token) a 400 `invalid_request`: **bad bearer credentials never fall back to the
//!   cookie**, so a stolen cookie cannot rescue a forged token and a client learns at once
//!   that its token is bad. The session cookie is not read, no `Session` is available, and no
//!   cross-site check applies (a bearer token is not sent by the browser on its own).
//! - **Anything else** (no `Authorization` header, or another scheme such as `Basic` from a
//!   proxy): the request is a cookie request, handled exactly as by
//!   [`SessionLayer`](crate::SessionLayer), cross-site protection included.
//!
//! Either way handlers and guards see the same `Identity`: take `Identity` (or
//! `Option<Identity>`) and put [`RequireAuth`](crate::RequireAuth) on protected route groups.
//! The layer itself lets anonymous requests through, as the session layer does, so login pages
//! stay reachable.

mod layer;
mod service;

pub use layer::HybridLayer;
pub use service::{HybridService, ResponseFuture};
