//! Key ids: the bytes a `kid` may hold and how long it may be.

use crate::error::Error;
use std::sync::Arc;

/// The longest `kid` accepted, in bytes.
pub const MAX_KID_LEN: usize = 256;

/// Whether `kid` is usable: 1 to [`MAX_KID_LEN`] bytes of visible ASCII (no spaces or controls).
pub(crate) fn kid_is_valid(kid: &str) -> bool {
    !kid.is_empty() && kid.len() <= MAX_KID_LEN && kid.bytes().all(|b| b.is_ascii_graphic())
}

pub(super) fn checked_kid(kid: String) -> Result<Arc<str>, Error> {
    if kid_is_valid(&kid) {
        Ok(kid.into())
    } else {
        Err(Error::config(format!(
            "a kid must be 1 to {MAX_KID_LEN} bytes of visible ASCII"
        )))
    }
}
