//! Sessions: ids, records, the device a session was logged in from, changes and the store
//! trait.

mod device;
mod id;
mod record;
mod store;

pub use device::{Device, MAX_USER_AGENT_BYTES};
pub use id::{SESSION_ID_BYTES, SESSION_ID_ENCODED_LEN, SessionId, SessionKey};
pub use record::{SaveOutcome, SessionChanges, SessionEntry, SessionRecord, Touch};
pub use store::SessionStore;
