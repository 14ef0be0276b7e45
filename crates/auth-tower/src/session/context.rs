//! The session as the identity source of the request's [`AuthContext`](auth_core::AuthContext).

use super::SessionError;
use super::handle::Inner;
use async_trait::async_trait;
use auth_core::__private::IdentitySource;
use auth_core::{Error, Identity};

#[async_trait]
impl IdentitySource for Inner {
    async fn identity(&self) -> Result<Option<Identity>, Error> {
        Inner::identity(self).await.map_err(|e| core_error(&e))
    }

    fn identity_now(&self) -> Option<Result<Option<Identity>, Error>> {
        Some(Inner::identity_now(self)?.map_err(|e| core_error(&e)))
    }
}

/// The store's error, as the identity context reports it (kind and message).
fn core_error(e: &SessionError) -> Error {
    let inner = e.error();
    Error::new(inner.kind(), inner.message().to_owned())
}
