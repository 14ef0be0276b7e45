//! Keys: loading from PEM, DER and JWK; weak keys and bad key sets refused when built;
//! publishing; rotation.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

mod common;

use auth_core::Identity;
use auth_jwt::{Algorithm, ErrorKind, Issuer, Key, KeySet, SharedKeySet, Verifier};
use common::*;
use serde_json::{Value, json};

fn kind<T: std::fmt::Debug>(r: Result<T, auth_jwt::Error>) -> ErrorKind {
    r.unwrap_err().kind()
}

#[test]
fn every_algorithm_signs_and_verifies_from_each_encoding() {
    let cases = [
        (Algorithm::RS256, "rsa2048.pem", "rsa2048_pub.pem"),
        (Algorithm::PS256, "rsa2048_b.pem", "rsa2048_b.pem"),
        (Algorithm::ES256, "ec256.pem", "ec256_pub.pem"),
        (Algorithm::ES384, "ec384.pem", "ec384_pub.pem"),
        (Algorithm::EdDSA, "ed25519.pem", "ed25519_pub.pem"),
    ];
    for (alg, private, public) in cases {
        let from_pem = Key::from_pem("a", alg, &pem(private)).unwrap();
        let from_der = Key::from_private_der("b", alg, &der(private)).unwrap();
        assert!(from_pem.can_sign() && from_der.can_sign());
        let sig = from_pem.sign(b"msg").unwrap();
        assert!(
            from_der.verify(b"msg", &sig),
            "{alg}: PEM and DER load the same key"
        );
        let jwk = Value::Object(from_pem.public_jwk().unwrap().clone());
        let from_jwk = Key::from_jwk(&jwk.to_string()).unwrap();
        assert!(!from_jwk.can_sign());
        assert!(
            from_jwk.verify(b"msg", &sig),
            "{alg}: the public JWK verifies"
        );
        assert!(!from_jwk.verify(b"msh", &sig));
        if public != private {
            let pub_pem = Key::from_pem("c", alg, &pem(public)).unwrap();
            let pub_der = Key::from_public_der("d", alg, &der(public)).unwrap();
            assert!(!pub_pem.can_sign());
            assert!(
                pub_pem.verify(b"msg", &sig) && pub_der.verify(b"msg", &sig),
                "{alg}"
            );
            let published = pub_pem.public_jwk().unwrap();
            assert_eq!(published.get("x"), jwk.get("x"));
            assert_eq!(published.get("n"), jwk.get("n"));
        }
    }
    let pkcs1 = Key::from_pem("p1", Algorithm::RS256, &pem("rsa2048_pkcs1.pem")).unwrap();
    let pkcs8 = Key::from_pem("p8", Algorithm::RS256, &pem("rsa2048.pem")).unwrap();
    assert!(pkcs8.verify(b"m", &pkcs1.sign(b"m").unwrap()));
    let pkcs1_der =
        Key::from_private_der("p1d", Algorithm::RS256, &der("rsa2048_pkcs1.pem")).unwrap();
    assert!(pkcs8.verify(b"m", &pkcs1_der.sign(b"m").unwrap()));
}

#[test]
fn private_jwks_round_trip_through_der_building() {
    // Write private JWKs by hand from a key we can also load from PEM, then load them.
    let ed = Key::from_pem("ed", Algorithm::EdDSA, &pem("ed25519.pem")).unwrap();
    let seed = &der("ed25519.pem")[16..];
    let ed_jwk = json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": ed.public_jwk().unwrap()["x"], "d": b64(seed)});
    let loaded = Key::from_jwk(&ed_jwk.to_string()).unwrap();
    assert!(ed.verify(b"m", &loaded.sign(b"m").unwrap()));

    // A mismatched private half is refused.
    let mut wrong = ed_jwk.clone();
    wrong["d"] = json!(b64([1u8; 32]));
    assert_eq!(
        kind(Key::from_jwk(&wrong.to_string())),
        ErrorKind::InvalidKey
    );

    let set = KeySet::from_private_jwks(
        json!({"keys": [ed_jwk, {"kty": "oct", "kid": "h", "alg": "HS256", "k": b64(HS256_SECRET)}]})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    assert_eq!(set.signing_key().unwrap().kid(), "ed");
    assert_eq!(set.len(), 2);
    let published: Value = serde_json::from_slice(&set.jwks_json()).unwrap();
    assert_eq!(
        published["keys"].as_array().unwrap().len(),
        1,
        "the secret is not published"
    );
    assert!(published["keys"][0].get("d").is_none());
}

#[test]
fn weak_and_wrong_keys_are_refused_when_built() {
    assert_eq!(
        kind(Key::hmac("k", Algorithm::HS256, &[1; 31])),
        ErrorKind::WeakKey
    );
    assert_eq!(
        kind(Key::hmac("k", Algorithm::HS384, &[1; 47])),
        ErrorKind::WeakKey
    );
    assert_eq!(
        kind(Key::hmac("k", Algorithm::HS512, &[1; 63])),
        ErrorKind::WeakKey
    );
    assert_eq!(
        kind(Key::hmac("k", Algorithm::HS256, b"")),
        ErrorKind::WeakKey
    );
    assert!(Key::hmac("k", Algorithm::HS256, &[1; 32]).is_ok());
    assert_eq!(
        kind(Key::from_pem("k", Algorithm::RS256, &pem("rsa1024.pem"))),
        ErrorKind::WeakKey
    );
    assert_eq!(
        kind(Key::from_pem(
            "k",
            Algorithm::RS256,
            &pem("rsa1024_pub.pem")
        )),
        ErrorKind::WeakKey
    );
    assert_eq!(
        kind(Key::from_public_der(
            "k",
            Algorithm::RS256,
            &der("rsa1024_pub.pem")
        )),
        ErrorKind::WeakKey
    );
    // Key type and algorithm must agree.
    assert_eq!(
        kind(Key::from_pem("k", Algorithm::ES256, &pem("rsa2048.pem"))),
        ErrorKind::InvalidKey
    );
    assert_eq!(
        kind(Key::from_pem("k", Algorithm::ES256, &pem("ec384.pem"))),
        ErrorKind::InvalidKey
    );
    assert_eq!(
        kind(Key::from_pem("k", Algorithm::ES384, &pem("ec256_pub.pem"))),
        ErrorKind::InvalidKey
    );
    assert_eq!(
        kind(Key::from_pem("k", Algorithm::HS256, &pem("ec256.pem"))),
        ErrorKind::InvalidKey
    );
    assert_eq!(
        kind(Key::hmac("k", Algorithm::ES256, &[1; 32])),
        ErrorKind::InvalidKey
    );
    let sec1 = Key::from_pem("k", Algorithm::ES256, &pem("ec256_sec1.pem")).unwrap_err();
    assert!(sec1.message().contains("PKCS#8"), "{sec1}");
    assert_eq!(
        kind(Key::from_pem("k", Algorithm::ES256, b"not pem")),
        ErrorKind::InvalidKey
    );
    // kid rules.
    assert_eq!(
        kind(Key::hmac("", Algorithm::HS256, &[1; 32])),
        ErrorKind::Config
    );
    assert_eq!(
        kind(Key::hmac("a b", Algorithm::HS256, &[1; 32])),
        ErrorKind::Config
    );
    assert_eq!(
        kind(Key::hmac("k".repeat(257), Algorithm::HS256, &[1; 32])),
        ErrorKind::Config
    );
}

#[test]
fn jwk_rules() {
    let ec = Key::from_pem("e", Algorithm::ES256, &pem("ec256.pem")).unwrap();
    let public = Value::Object(ec.public_jwk().unwrap().clone());
    let with = |name: &str, v: Value| {
        let mut j = public.clone();
        j[name] = v;
        Key::from_jwk(&j.to_string())
    };
    let without = |name: &str| {
        let mut j = public.clone();
        j.as_object_mut().unwrap().remove(name);
        Key::from_jwk(&j.to_string())
    };
    assert!(without("alg").is_ok(), "EC alg inferred from crv");
    assert!(without("use").is_ok());
    assert_eq!(kind(without("kid")), ErrorKind::InvalidKey);
    assert_eq!(kind(with("use", json!("enc"))), ErrorKind::InvalidKey);
    assert_eq!(
        kind(with("key_ops", json!(["encrypt"]))),
        ErrorKind::InvalidKey
    );
    assert!(with("key_ops", json!(["verify"])).is_ok());
    assert_eq!(kind(with("alg", json!("ES384"))), ErrorKind::InvalidKey);
    assert_eq!(
        kind(with("alg", json!("ES521"))),
        ErrorKind::UnsupportedAlgorithm
    );
    assert_eq!(
        kind(with("alg", json!("none"))),
        ErrorKind::UnsupportedAlgorithm
    );
    assert_eq!(kind(with("crv", json!("P-384"))), ErrorKind::InvalidKey);
    assert_eq!(kind(with("kty", json!("RSA"))), ErrorKind::InvalidKey);
    assert_eq!(
        kind(with("x", json!(b64([1u8; 32])))),
        ErrorKind::InvalidKey,
        "off the curve"
    );
    assert_eq!(
        kind(with(
            "x",
            json!(format!("{}=", public["x"].as_str().unwrap()))
        )),
        ErrorKind::InvalidKey
    );
    assert!(
        Key::from_jwk(&format!(
            r#"{{"kid":"a","kid":"b","kty":"EC","crv":"P-256","x":{},"y":{}}}"#,
            public["x"], public["y"]
        ))
        .is_err(),
        "duplicate members"
    );
    // RSA JWKs need an alg to pin.
    let rsa = Key::from_pem("r", Algorithm::RS256, &pem("rsa2048_pub.pem")).unwrap();
    let mut rsa_jwk = Value::Object(rsa.public_jwk().unwrap().clone());
    rsa_jwk.as_object_mut().unwrap().remove("alg");
    assert_eq!(
        kind(Key::from_jwk(&rsa_jwk.to_string())),
        ErrorKind::InvalidKey
    );
    rsa_jwk["e"] = json!("AQ");
    rsa_jwk["alg"] = json!("RS256");
    assert_eq!(
        kind(Key::from_jwk(&rsa_jwk.to_string())),
        ErrorKind::WeakKey,
        "e = 1"
    );
}

#[test]
fn jwks_with_private_members_or_duplicate_kids_is_refused() {
    let ec = Key::from_pem("e", Algorithm::ES256, &pem("ec256.pem")).unwrap();
    let public = Value::Object(ec.public_jwk().unwrap().clone());
    assert!(KeySet::from_jwks(json!({"keys": [public]}).to_string().as_bytes()).is_ok());
    for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        let mut leaky = public.clone();
        leaky[member] = json!(b64([1u8; 32]));
        let doc = json!({"keys": [leaky]}).to_string();
        assert_eq!(
            kind(KeySet::from_jwks(doc.as_bytes())),
            ErrorKind::InvalidKeySet,
            "{member}"
        );
    }
    let oct = json!({"kty": "oct", "kid": "h", "alg": "HS256", "k": b64(HS256_SECRET)});
    assert_eq!(
        kind(KeySet::from_jwks(
            json!({"keys": [oct]}).to_string().as_bytes()
        )),
        ErrorKind::InvalidKeySet
    );
    let dup = json!({"keys": [public, public]}).to_string();
    assert_eq!(
        kind(KeySet::from_jwks(dup.as_bytes())),
        ErrorKind::DuplicateKeyId
    );
    for bad in [
        &b"[]"[..],
        b"{}",
        br#"{"keys":{}}"#,
        br#"{"keys":[1]}"#,
        b"{",
    ] {
        assert_eq!(kind(KeySet::from_jwks(bad)), ErrorKind::InvalidKeySet);
    }
    let built = KeySet::builder()
        .with_signing_key(Key::hmac("same", Algorithm::HS256, &[1; 32]).unwrap())
        .with_verify_only_key(Key::hmac("same", Algorithm::HS256, &[2; 32]).unwrap())
        .build();
    assert_eq!(kind(built), ErrorKind::DuplicateKeyId);
    let verify_only_signer = KeySet::builder()
        .with_signing_key(Key::from_jwk(&public.to_string()).unwrap())
        .build();
    assert_eq!(kind(verify_only_signer), ErrorKind::Config);
}

#[test]
fn debug_output_never_shows_key_material() {
    let key = Key::hmac("k", Algorithm::HS256, HS256_SECRET).unwrap();
    let set = KeySet::single(key).unwrap();
    let shown = format!("{set:?} {:?}", set.get("k").unwrap());
    assert!(!shown.contains("0123456789abcdef"), "{shown}");
    let ec = Key::from_pem("e", Algorithm::ES256, &pem("ec256.pem")).unwrap();
    assert!(!format!("{ec:?}").contains(ec.public_jwk().unwrap()["x"].as_str().unwrap()));
}

#[test]
fn rotation_keeps_old_tokens_valid_until_their_key_is_dropped() {
    let a = || Key::from_pem("2025-01", Algorithm::ES256, &pem("ec256.pem")).unwrap();
    let keys = SharedKeySet::from(a());
    let issuer = Issuer::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let verifier = Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(keys.clone())
        .build()
        .unwrap();
    let old = issuer.issue(&Identity::new("u")).unwrap();
    verifier.verify_sync(old.as_str()).unwrap();

    let b = Key::from_pem("2025-02", Algorithm::EdDSA, &pem("ed25519.pem")).unwrap();
    keys.replace(
        KeySet::builder()
            .with_signing_key(b)
            .with_verify_only_key(a())
            .build()
            .unwrap(),
    );
    let new = issuer.issue(&Identity::new("u")).unwrap();
    assert!(
        new.as_str()
            .starts_with(&b64(r#"{"alg":"EdDSA","kid":"2025-02","typ":"at+jwt"}"#))
    );
    verifier.verify_sync(old.as_str()).unwrap();
    verifier.verify_sync(new.as_str()).unwrap();

    // Drop the old key: its tokens die at once, cached or not.
    let b = Key::from_pem("2025-02", Algorithm::EdDSA, &pem("ed25519.pem")).unwrap();
    keys.replace(KeySet::single(b).unwrap());
    assert_eq!(
        verifier.verify_sync(old.as_str()).unwrap_err().kind(),
        ErrorKind::UnknownKey
    );
    // A key re-added under the same kid is a different key to the cache.
    let other = Key::from_pem("2025-02", Algorithm::EdDSA, &pem("ed25519.pem")).unwrap();
    keys.replace(KeySet::single(other).unwrap());
    verifier.verify_sync(new.as_str()).unwrap();
}

#[test]
fn generated_keys_sign_verify_and_publish() {
    for alg in [
        Algorithm::HS256,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::EdDSA,
    ] {
        let keys = SharedKeySet::from(Key::generate("g1", alg).unwrap());
        let issuer = Issuer::builder()
            .with_issuer("https://iss")
            .with_audience("api")
            .with_keys(keys.clone())
            .build()
            .unwrap();
        let verifier = Verifier::builder()
            .with_issuer("https://iss")
            .with_audience("api")
            .with_keys(keys.clone())
            .build()
            .unwrap();
        let token = issuer.issue(&Identity::new("u")).unwrap();
        assert_eq!(verifier.verify_sync(token.as_str()).unwrap().subject(), "u");
        let jwks: Value = serde_json::from_slice(&keys.load().jwks_json()).unwrap();
        let published = jwks["keys"].as_array().unwrap().len();
        assert_eq!(published, usize::from(alg != Algorithm::HS256), "{alg}");
    }
    assert_eq!(
        kind(Key::generate("r", Algorithm::RS256)),
        ErrorKind::UnsupportedAlgorithm
    );
}
