//! Keys, an issuer and a verifier that checks a revocation list; `auth-tower`'s `JwtLayer` and
//! token endpoints are built from these (feature `jwt`):
//!
//! ```
//! use auth_core::{Identity, MemoryStore};
//! use auth_jwt::{Algorithm, Issuer, Key, SharedKeySet, Verifier};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Production loads its keys from a secret store; a key set rotates without a restart.
//!     let keys = SharedKeySet::from(Key::generate("k1", Algorithm::ES256)?);
//!     let revocations = MemoryStore::new(); // or Redis / PostgreSQL: every instance sees a logout
//!     let issuer = Issuer::builder()
//!         .with_issuer("https://api.example")
//!         .with_audience("api")
//!         .with_keys(keys.clone())
//!         .build()?;
//!     let verifier = Verifier::builder()
//!         .with_issuer("https://api.example")
//!         .with_audience("api")
//!         .with_keys(keys)
//!         .with_revocations(revocations)
//!         .build()?;
//!
//!     let token = issuer.issue(&Identity::new("alice").with_scope("orders:read"))?;
//!     let who = verifier.verify(token.as_str()).await?; // or an error with its RFC 6750 code
//!     assert!(who.has_scope("orders:read"));
//!     Ok(())
//! }
//! ```
//!
//! [`RefreshTokens`] adds rotating refresh tokens (`RefreshTokens::builder(issuer, store,
//! revocations, secret)`).
//!
//! Issuing and verifying JWTs that can be revoked.
//!
//! - **Keys** ([`Key`], [`KeySet`], [`SharedKeySet`]): named keys, each pinned to one
//!   [`Algorithm`] (HS256/384/512, RS256, PS256, ES256, ES384, EdDSA), loaded once from PEM, DER
//!   or JWK, with weak keys refused when built; a current signing key plus older verification
//!   keys for rotation; the public halves published as a JWKS ([`JwksService`]).
//! - **Issuing** ([`Issuer`]): access tokens (`typ: at+jwt`, 15 minutes by default) from an
//!   [`Identity`], carrying the session they belong to as `sid`.
//! - **Verifying** ([`Verifier`]): a strict RFC 8725 / RFC 9068 profile on top of jsonwebtoken's
//!   signature checks: size limit first, canonical base64url, the algorithm from the key (never
//!   the header), `typ`, no `crit`/`jwk`/`jku`/`x5u`/`x5c`, no duplicate JSON members, `iss`,
//!   `aud`, `exp`, `nbf`, `iat`; then revocation through [`Revocations`]. A bounded
//!   verified-token cache makes repeated asymmetric verification a hash lookup, and still
//!   checks expiry, the key and revocation on every hit. Errors map to RFC 6750 codes
//!   ([`Error::bearer_error`]).
//! - **Refresh tokens** ([`RefreshTokens`]): opaque, rotated on each use, reuse revokes the
//!   whole family and every access token minted from it; a [`RefreshStore`] trait with an
//!   in-memory implementation.
//! - **Remote JWKS** (feature `remote-jwks`, `RemoteJwks`): tokens from an external issuer,
//!   with a lock-free key snapshot refreshed in the background and a rate-limited refetch for
//!   unknown `kid`s.
//!
//! Crypto: jsonwebtoken with exactly one backend (aws-lc-rs). Its backends are exclusive
//! features; this crate also installs its provider as jsonwebtoken's process default, so an
//! accidental second backend elsewhere in a build cannot make verification panic.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod algorithm;
mod b64;
mod backend;
mod cache;
mod error;
mod issue;
mod json;
mod jwks;
/// The signature layer (compact JWS parse and verify), exposed only for the crate's own
/// tests (feature `test-util`): applications verify through [`Verifier`].
#[cfg(feature = "test-util")]
#[doc(hidden)]
pub mod jws;
#[cfg(not(feature = "test-util"))]
mod jws;
mod keys;
mod refresh;
mod verify;

#[cfg(feature = "remote-jwks")]
mod remote_jwks;

pub use algorithm::Algorithm;
pub use error::{BearerError, Error, ErrorKind};
pub use issue::{AccessToken, Issuer, IssuerBuilder};
pub use jwks::{JWKS_CONTENT_TYPE, JwksService};
pub use keys::{Key, KeySet, KeySetBuilder, MAX_KID_LEN, SharedKeySet};
pub use refresh::{
    FamilyId, FamilyRecord, MemoryRefreshStore, RefreshStore, RefreshToken, RefreshTokens,
    RefreshTokensBuilder, RotateRequest, Rotation, TokenPair,
};
pub use verify::{
    ClaimMapping, Claims, TrustedIssuer, TypPolicy, Verifier, VerifierBuilder, bearer_token,
    require_scope,
};

#[cfg(feature = "remote-jwks")]
pub use remote_jwks::{RemoteJwks, RemoteJwksConfig};

#[cfg(feature = "test-util")]
pub use refresh::refresh_store_conformance;

pub use auth_core::{Identity, Revocations};
