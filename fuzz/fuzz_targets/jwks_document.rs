#![no_main]
//! Arbitrary bytes as a JWKS document (what a remote issuer or a configuration file hands us):
//! never a panic; a document that parses publishes a JWKS that parses again to the same keys.

use auth_tower::auth_jwt::KeySet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(keys) = KeySet::from_jwks(data) {
        let published = keys.jwks_json();
        let again = KeySet::from_jwks(&published).expect("our own JWKS parses");
        assert_eq!(again.len(), keys.len(), "the round trip keeps every key");
    }
    let _ = KeySet::from_private_jwks(data);
});
