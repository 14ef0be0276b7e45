//! The memory stores against the shared store conformance suites: sessions, and refresh-token
//! families (one test per check each).

#![allow(clippy::unwrap_used, clippy::expect_used)]

auth_core::session_store_conformance!(|clock| async move {
    auth_core::MemoryStore::builder().with_clock(clock).build()
});

mod refresh {
    auth_core::refresh_store_conformance!(|| async {
        auth_core::refresh::MemoryRefreshStore::new()
    });
}

mod revocations {
    auth_core::revocations_conformance!(|| async {
        auth_core::MemoryStore::builder()
            .with_revocations_per_subject(
                auth_core::conformance::revocations::SUITE_SESSIONS_PER_SUBJECT,
            )
            .build()
    });
}
