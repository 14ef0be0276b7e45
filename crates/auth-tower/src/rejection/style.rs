//! [`Style`]: how one layer answers refusals (the realm of its challenges, and your body).

use super::{ErrorBody, Protocol, Rejection};
use crate::body::text_body;
use http::Response;
use std::sync::Arc;

/// A layer's rendering settings; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Style {
    realm: Arc<str>,
    body: Option<ErrorBody>,
}

impl Default for Style {
    fn default() -> Self {
        Self {
            realm: Arc::from("app"),
            body: None,
        }
    }
}

impl Style {
    pub(crate) fn set_realm(&mut self, realm: impl Into<String>) {
        self.realm = Arc::from(realm.into());
    }

    pub(crate) fn set_body(&mut self, body: ErrorBody) {
        self.body = Some(body);
    }

    /// The response for `rejection` in `protocol`.
    pub(crate) fn render<B: Default + 'static>(
        &self,
        rejection: &Rejection,
        protocol: Protocol,
    ) -> Response<B> {
        match (&self.body, protocol) {
            (Some(body), Protocol::Http) => {
                let (mut head, ()) = rejection.http_head(&self.realm).into_parts();
                let text = body.apply(rejection, &mut head);
                Response::from_parts(head, text_body(text))
            }
            _ => rejection.render(protocol, &self.realm),
        }
    }
}
