//! Issuing and verifying JWTs that can be revoked.
//!
//! This crate is being built: key sets with `kid` and rotation, a strict RFC 8725 verifier,
//! access + refresh tokens with rotation and reuse detection, and revocation through
//! [`auth_core::Revocations`]. Until then it only re-exports the vocabulary it builds on.

pub use auth_core::{Identity, Revocations};
