//! The memory store against the shared store conformance suite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

auth_core::session_store_conformance!(|clock| async move {
    auth_core::MemoryStore::builder().with_clock(clock).build()
});
