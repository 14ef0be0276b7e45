//! Wycheproof vectors, read at run time from the shared vectors folder (never copied here),
//! applied at the signature layer: the JWS and JWK sets through `auth_jwt::jws::verify` and
//! the key loaders, the ECDSA P1363 and Ed25519 sets through `Key::verify`.
//!
//! The folder is `../shared/vectors/wycheproof` beside the workspace, or `$WYCHEPROOF_DIR`.
//! The tests are `#[ignore = "needs the Wycheproof vectors ..."]`; run with `--include-ignored`
//! (as `.ci/run` does) they fail when the folder is missing.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

mod common;

use auth_jwt::{Algorithm, Key, KeySet, jws};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::PathBuf;

/// The vectors folder.
///
/// # Panics
/// When it holds no vectors: the tests need them (they are `#[ignore]`d for that reason).
fn vectors_dir() -> PathBuf {
    let dir = std::env::var_os("WYCHEPROOF_DIR").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/vectors/wycheproof"
            ))
        },
        PathBuf::from,
    );
    assert!(
        dir.join("json_web_signature_test.json").is_file(),
        "this test needs the Wycheproof vectors, not found in {}: set WYCHEPROOF_DIR to a \
         checkout's testvectors_v1 folder",
        dir.display()
    );
    dir
}

fn load(dir: &std::path::Path, name: &str) -> Value {
    let text = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_slice(&text).unwrap()
}

#[derive(Default, Debug)]
struct Tally {
    valid_accepted: usize,
    valid_total: usize,
    invalid_rejected: usize,
    invalid_total: usize,
    unsupported: usize,
    documented: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, id: &str, expected_valid: bool, accepted: bool) {
        if expected_valid {
            self.valid_total += 1;
            if accepted {
                self.valid_accepted += 1;
            } else {
                self.failures.push(format!("{id}: valid vector rejected"));
            }
        } else {
            self.invalid_total += 1;
            if accepted {
                self.failures.push(format!("{id}: invalid vector accepted"));
            } else {
                self.invalid_rejected += 1;
            }
        }
    }

    fn report(&self, name: &str) {
        // Straight to stderr, past the test harness's capture, so a normal run shows the counts.
        let _ = writeln!(
            std::io::stderr(),
            "wycheproof {name}: valid accepted {}/{}, invalid rejected {}/{}, \
             valid with unsupported algorithms skipped {}, documented deviations {}",
            self.valid_accepted,
            self.valid_total,
            self.invalid_rejected,
            self.invalid_total,
            self.unsupported,
            self.documented
        );
        assert!(
            self.failures.is_empty(),
            "{name}:\n{}",
            self.failures.join("\n")
        );
        assert!(
            self.valid_total + self.invalid_total > 0,
            "{name}: no vectors ran"
        );
    }
}

/// Vectors where the upstream label and this profile deliberately differ, with the reason and
/// what we do instead (`true` = accepted).
const JWS_DEVIATIONS: [(u64, bool, &str); 4] = [
    (
        367,
        true,
        "byte-identical to valid tcId 357 in this file: the same token gets the same answer",
    ),
    (
        370,
        true,
        "byte-identical to valid tcId 357 in this file: the same token gets the same answer",
    ),
    (
        372,
        false,
        "labelled valid, but '?' is not base64url and the MAC does not cover the bytes sent",
    ),
    (
        373,
        false,
        "labelled valid, but '?' is not base64url and the MAC does not cover the bytes sent",
    ),
];

fn header_alg(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header).ok()?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v.get("alg")?.as_str().map(str::to_owned)
}

fn supported(alg: Option<&str>) -> bool {
    alg.is_some_and(|a| Algorithm::from_name(a).is_ok())
}

/// The key set of a JWS/JWK test group: its public set if it has one, else its private one.
fn group_keys(group: &Value) -> Result<KeySet, auth_jwt::Error> {
    let wrap = |v: &Value| {
        if v.get("keys").is_some() {
            v.clone()
        } else {
            json!({"keys": [v]})
        }
    };
    match group.get("public") {
        Some(public) if public.is_object() => {
            KeySet::from_jwks(wrap(public).to_string().as_bytes())
        }
        _ => KeySet::from_private_jwks(wrap(&group["private"]).to_string().as_bytes()),
    }
}

fn run_jose_file(dir: &std::path::Path, name: &str, deviations: &[(u64, bool, &str)]) {
    let file = load(dir, name);
    let mut tally = Tally::default();
    for group in file["testGroups"].as_array().unwrap() {
        let keys = group_keys(group);
        let key_alg = group["private"]["alg"]
            .as_str()
            .or_else(|| group["private"]["keys"][0]["alg"].as_str());
        for test in group["tests"].as_array().unwrap() {
            let id = test["tcId"].as_u64().unwrap();
            let token = match &test["jws"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let expected_valid = test["result"] == "valid";
            let accepted = keys.as_ref().is_ok_and(|k| jws::verify(k, &token).is_ok());
            if let Some((_, ours, why)) = deviations.iter().find(|(d, _, _)| *d == id) {
                assert_eq!(
                    accepted, *ours,
                    "{name} tcId {id}: documented behaviour changed"
                );
                let _ = writeln!(
                    std::io::stderr(),
                    "  documented deviation {name} tcId {id}: {why}"
                );
                tally.documented += 1;
                continue;
            }
            let alg = header_alg(&token);
            if expected_valid && !(supported(alg.as_deref()) && supported(key_alg)) {
                tally.unsupported += 1;
                continue;
            }
            tally.record(
                &format!("{name} tcId {id} ({})", test["comment"]),
                expected_valid,
                accepted,
            );
        }
    }
    tally.report(name);
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Raw-signature vectors: the key from the group's JWK, cross-checked against its PEM and DER.
fn run_signature_file(dir: &std::path::Path, name: &str, alg: Algorithm, sha: Option<&str>) {
    let file = load(dir, name);
    let mut tally = Tally::default();
    for group in file["testGroups"].as_array().unwrap() {
        if sha.is_some_and(|sha| group["sha"] != sha) {
            tally.unsupported += group["tests"].as_array().unwrap().len();
            continue;
        }
        // The PEM and the DER must load one and the same key; so must the JWK where present.
        let pem = group["publicKeyPem"].as_str().unwrap().as_bytes();
        let key = Key::from_pem("wycheproof", alg, pem);
        let from_der = Key::from_public_der(
            "wycheproof",
            alg,
            &hex(group["publicKeyDer"].as_str().unwrap()),
        );
        assert_eq!(
            key.as_ref().ok().map(|k| k.public_jwk().cloned()),
            from_der.as_ref().ok().map(|k| k.public_jwk().cloned()),
            "{name}: PEM and DER disagree"
        );
        if let (Ok(key), Some(jwk)) = (&key, group.get("publicKeyJwk")) {
            let mut jwk = jwk.clone();
            jwk["kid"] = json!("wycheproof");
            let from_jwk = Key::from_jwk(&jwk.to_string()).unwrap();
            assert_eq!(from_jwk.algorithm(), alg);
            assert_eq!(
                from_jwk.public_jwk(),
                key.public_jwk(),
                "{name}: JWK and PEM disagree"
            );
        }
        for test in group["tests"].as_array().unwrap() {
            let id = test["tcId"].as_u64().unwrap();
            let expected_valid = match test["result"].as_str() {
                Some("valid") => true,
                Some("invalid") => false,
                _ => {
                    tally.unsupported += 1;
                    continue;
                }
            };
            let msg = hex(test["msg"].as_str().unwrap());
            let sig = hex(test["sig"].as_str().unwrap());
            let accepted = key.as_ref().is_ok_and(|k| k.verify(&msg, &sig));
            tally.record(
                &format!("{name} tcId {id} ({})", test["comment"]),
                expected_valid,
                accepted,
            );
        }
    }
    tally.report(name);
}

#[test]
#[ignore = "needs the Wycheproof vectors (../shared/vectors/wycheproof or WYCHEPROOF_DIR)"]
fn json_web_signature() {
    let dir = vectors_dir();
    run_jose_file(&dir, "json_web_signature_test.json", &JWS_DEVIATIONS);
}

#[test]
#[ignore = "needs the Wycheproof vectors (../shared/vectors/wycheproof or WYCHEPROOF_DIR)"]
fn json_web_key() {
    let dir = vectors_dir();
    run_jose_file(&dir, "json_web_key_test.json", &[]);
}

#[test]
#[ignore = "needs the Wycheproof vectors (../shared/vectors/wycheproof or WYCHEPROOF_DIR)"]
fn ecdsa_p256_p1363() {
    let dir = vectors_dir();
    run_signature_file(
        &dir,
        "ecdsa_secp256r1_sha256_p1363_test.json",
        Algorithm::ES256,
        Some("SHA-256"),
    );
}

#[test]
#[ignore = "needs the Wycheproof vectors (../shared/vectors/wycheproof or WYCHEPROOF_DIR)"]
fn ecdsa_p384_p1363() {
    let dir = vectors_dir();
    run_signature_file(
        &dir,
        "ecdsa_secp384r1_sha384_p1363_test.json",
        Algorithm::ES384,
        Some("SHA-384"),
    );
}

#[test]
#[ignore = "needs the Wycheproof vectors (../shared/vectors/wycheproof or WYCHEPROOF_DIR)"]
fn ed25519() {
    let dir = vectors_dir();
    run_signature_file(&dir, "ed25519_test.json", Algorithm::EdDSA, None);
}
