//! The in-memory store: sessions and revocations in this process (the embedded default).

mod revocations;
mod store;
mod table;

pub use store::{MemoryStore, MemoryStoreBuilder};
