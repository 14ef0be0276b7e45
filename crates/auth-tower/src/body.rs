//! Response bodies for refusals: any body type with `Default` (tower-http's convention), with
//! the refusal's text written into the bodies we know.
//!
//! A refusal's meaning is in its status and headers (`WWW-Authenticate`, `grpc-status`), so an
//! empty body loses nothing a client acts on. The text (`Unauthorized: ...`, or your
//! [`ErrorBody`](crate::ErrorBody)'s output) is written into axum's and tonic's bodies,
//! `http-body-util`'s `Full<Bytes>` and `String`; any other body type gets its `Default`
//! (for `Empty<Bytes>`, nothing). For your own body type, map the response (`MapResponseBody`)
//! from one of those.

use bytes::Bytes;
use http_body_util::Full;
use std::any::Any;

/// A body of type `B` carrying `text` if `B` is one of the bodies we know, else `B::default()`.
///
/// Decided by the type alone, without allocating: the same check as axum's `Body::new`
/// (`try_downcast`), done on an `Option<B>` slot so nothing is boxed.
pub(crate) fn text_body<B: Default + 'static>(text: String) -> B {
    let mut slot: Option<B> = None;
    let mut text = Some(text);
    fill(&mut slot, &mut text, |t: String| t);
    fill(&mut slot, &mut text, |t| Full::new(Bytes::from(t)));
    #[cfg(feature = "axum")]
    fill(&mut slot, &mut text, axum_core::body::Body::from);
    #[cfg(feature = "tonic")]
    fill(&mut slot, &mut text, |t| {
        tonic::body::Body::new(Full::new(Bytes::from(t)))
    });
    slot.unwrap_or_default()
}

/// If `B` is `T`, put `make(text)` into `slot`.
fn fill<B: 'static, T: 'static>(
    slot: &mut Option<B>,
    text: &mut Option<String>,
    make: impl FnOnce(String) -> T,
) {
    let slot: &mut dyn Any = slot;
    if let Some(slot) = slot.downcast_mut::<Option<T>>()
        && let Some(text) = text.take()
    {
        *slot = Some(make(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Empty};

    async fn text_of<B>(body: B) -> String
    where
        B: BodyExt,
        B::Error: std::fmt::Debug,
    {
        let bytes = body.collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn known_bodies_carry_the_text_and_others_are_default() {
        assert_eq!(text_body::<String>("no".into()), "no");
        assert_eq!(text_of(text_body::<Full<Bytes>>("no".into())).await, "no");
        #[cfg(feature = "axum")]
        assert_eq!(
            text_of(text_body::<axum_core::body::Body>("no".into())).await,
            "no"
        );
        #[cfg(feature = "tonic")]
        assert_eq!(
            text_of(text_body::<tonic::body::Body>("no".into())).await,
            "no"
        );
        assert_eq!(text_of(text_body::<Empty<Bytes>>("no".into())).await, "");
        // A foreign body: anything with `Default`.
        #[derive(Default, Debug, PartialEq)]
        struct Foreign(u8);
        assert_eq!(text_body::<Foreign>("no".into()), Foreign(0));
    }
}
