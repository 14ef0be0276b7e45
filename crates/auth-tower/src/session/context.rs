//! The session as the identity source of the request's [`AuthContext`](auth_core::AuthContext).

use super::handle::Inner;
use async_trait::async_trait;
use auth_core::__private::IdentitySource;
use auth_core::{Error, Identity};

#[async_trait]
impl IdentitySource for Inner {
    async fn identity(&self) -> Result<Option<Identity>, Error> {
        Inner::identity(self).await.map_err(|e| {
            let inner = e.error();
            Error::new(inner.kind(), inner.message().to_owned())
        })
    }
}
