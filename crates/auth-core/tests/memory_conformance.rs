//! The memory store against the shared store conformance suite.

auth_core::session_store_conformance!(
    |clock| async move { auth_core::MemoryStore::with_clock(clock) }
);
