#![no_main]
//! Arbitrary text as an access token, straight into the verifier (no HTTP around it), with a
//! fixed key set of every family (HMAC, ECDSA, EdDSA) and a second, external issuer: never a
//! panic, and never an accepted token (the fuzzer holds no key, so acceptance is a bug).

use auth_tower::auth_jwt::{Algorithm, ClaimMapping, Key, KeySet, TrustedIssuer, Verifier};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let own = KeySet::builder()
            .with_signing_key(Key::generate_hmac("hs", Algorithm::HS256).expect("hmac"))
            .with_verify_only_key(Key::generate("es", Algorithm::ES256).expect("es256"))
            .with_verify_only_key(Key::generate("ed", Algorithm::EdDSA).expect("eddsa"))
            .build()
            .expect("keys");
        let idp = Key::generate("idp", Algorithm::ES256).expect("idp key");
        Verifier::builder()
            .with_issuer("https://issuer.fuzz")
            .with_audience("api")
            .with_keys(own)
            .with_trusted_issuer(
                TrustedIssuer::new("https://idp.fuzz/realms/x", idp)
                    .with_audience("api")
                    .with_claim_mapping(ClaimMapping::keycloak("api")),
            )
            .build()
            .expect("verifier")
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        assert!(
            verifier().verify_sync(token).is_err(),
            "a token nobody signed was accepted"
        );
    }
});
