//! The shared store conformance suite, unchanged, against the Redis at `REDIS_URL`: each test
//! on its own key prefix, deleted when the test ends.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

auth_core::session_store_conformance!(common::store, skip_unless = common::redis_ready(),);
