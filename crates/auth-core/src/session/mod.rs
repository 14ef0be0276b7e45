//! Sessions: ids, records, changes and the store trait.

mod id;
mod record;
mod store;

pub use id::{SESSION_ID_BYTES, SESSION_ID_ENCODED_LEN, SessionId, SessionKey};
pub use record::{SaveOutcome, SessionChanges, SessionEntry, SessionRecord, Touch};
pub use store::SessionStore;
