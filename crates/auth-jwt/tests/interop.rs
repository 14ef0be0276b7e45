//! Interop with PyJWT and node `jose`, both directions, for HS256, RS256, ES256 and EdDSA:
//! tokens they mint verify with our verifier; tokens we mint verify with them using our JWKS.
//!
//! The tools are installed here, under the target directory: PyJWT into a venv with pip, jose
//! with npm. When python3/node or the registries are missing, the test prints a skip, unless
//! `CI` is set, where it fails.

#![allow(clippy::unwrap_used)] // test helpers fail loudly, outside #[test] fns too

mod common;

use auth_core::{Identity, SessionKey};
use auth_jwt::{Algorithm, ErrorKind, Issuer, Key, KeySet, SharedKeySet, Verifier};
use common::*;
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const ALGS: [(Algorithm, &str); 4] = [
    (Algorithm::HS256, "hs"),
    (Algorithm::RS256, "rs"),
    (Algorithm::ES256, "es"),
    (Algorithm::EdDSA, "ed"),
];

fn kid_key(alg: Algorithm, kid: &str) -> Key {
    key_for(alg, kid)
}

struct Ours {
    verifier: Verifier,
    jwks: Value,
    tokens: Value,
    session: SessionKey,
}

fn ours() -> Ours {
    let mut set = KeySet::builder();
    for (alg, kid) in ALGS {
        set = set.with_verify_only_key(kid_key(alg, kid));
    }
    let set = set.build().unwrap();
    let jwks: Value = serde_json::from_slice(&set.jwks_json()).unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        3,
        "the HMAC secret is not published"
    );
    let verifier = Verifier::builder()
        .with_issuer(ISS)
        .with_audience(AUD)
        .with_keys(set)
        .build()
        .unwrap();
    let session = SessionKey::from_bytes([0x5e; 32]);
    let who = Identity::new("our-user")
        .with_session(Some(session))
        .with_scope("read");
    let mut tokens = serde_json::Map::new();
    for (alg, kid) in ALGS {
        let keys = SharedKeySet::from(kid_key(alg, kid));
        let issuer = Issuer::builder()
            .with_issuer(ISS)
            .with_audience(AUD)
            .with_keys(keys)
            .build()
            .unwrap();
        tokens.insert(
            alg.as_str().into(),
            issuer.issue(&who).unwrap().into_string().into(),
        );
    }
    Ours {
        verifier,
        jwks,
        tokens: Value::Object(tokens),
        session,
    }
}

fn request(ours: &Ours) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let pem_text = |alg| String::from_utf8(pem(private_pem(alg))).unwrap();
    json!({
        "iss": ISS,
        "aud": AUD,
        "now": now,
        "secret": b64(HS256_SECRET),
        "pems": {
            "RS256": pem_text(Algorithm::RS256),
            "ES256": pem_text(Algorithm::ES256),
            "EdDSA": pem_text(Algorithm::EdDSA),
        },
        "kids": ALGS.iter().map(|(a, k)| (a.as_str().to_owned(), json!(k))).collect::<serde_json::Map<_, _>>(),
        "jwks": ours.jwks,
        "tokens": ours.tokens,
    })
}

/// Run `program args...` with `input` on stdin; its stdout as JSON.
fn run_json(mut command: Command, input: &Value) -> Value {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name)
}

/// A venv with PyJWT (and cryptography) under the target directory.
fn pyjwt_python() -> Option<PathBuf> {
    let venv = scratch_dir("interop-pyjwt").join("venv");
    let python = venv.join("bin/python");
    if !python.exists() && !succeeds(Command::new("python3").arg("-m").arg("venv").arg(&venv)) {
        skip_or_fail("interop with PyJWT: python3 with venv is not available");
        return None;
    }
    let ready = |py: &Path| succeeds(Command::new(py).args(["-c", "import jwt, cryptography"]));
    if !ready(&python) {
        let installed = succeeds(Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pyjwt[crypto]>=2.8,<3",
        ]));
        if !installed || !ready(&python) {
            skip_or_fail("interop with PyJWT: `pip install pyjwt[crypto]` failed");
            return None;
        }
    }
    Some(python)
}

/// A folder with `jose` installed by npm and our script beside it.
fn jose_dir() -> Option<PathBuf> {
    if !succeeds(Command::new("node").arg("--version")) {
        skip_or_fail("interop with jose: node is not available");
        return None;
    }
    let dir = scratch_dir("interop-jose");
    std::fs::write(
        dir.join("package.json"),
        r#"{"private":true,"type":"module"}"#,
    )
    .unwrap();
    if !dir.join("node_modules/jose/package.json").exists() {
        let installed = succeeds(
            Command::new("npm")
                .args([
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    "jose@6",
                ])
                .current_dir(&dir),
        );
        if !installed {
            skip_or_fail("interop with jose: `npm install jose` failed");
            return None;
        }
    }
    std::fs::copy(script("jose_side.mjs"), dir.join("jose_side.mjs")).unwrap();
    Some(dir)
}

fn check_both_directions(tool: &str, ours: &Ours, answer: &Value, subject: &str) {
    for (alg, _) in ALGS {
        let name = alg.as_str();
        let theirs = answer["minted"][name].as_str().unwrap();
        let who = ours
            .verifier
            .verify_sync(theirs)
            .unwrap_or_else(|e| panic!("{tool} {name} token refused: {e}"));
        assert_eq!(who.subject(), subject);
        assert!(
            who.has_scope("read") && who.has_scope("write"),
            "{tool} {name}"
        );

        let verdict = &answer["verified"][name];
        assert_eq!(
            verdict["ok"], true,
            "{tool} refused our {name} token: {verdict}"
        );
        assert_eq!(verdict["sub"], "our-user");
        assert_eq!(verdict["sid"], ours.session.to_hex(), "{tool} {name}: sid");
    }
    let _ = writeln!(
        std::io::stderr(),
        "interop {tool}: HS256, RS256, ES256, EdDSA verified in both directions"
    );
}

#[test]
fn pyjwt_both_directions() {
    let Some(python) = pyjwt_python() else { return };
    let ours = ours();
    let mut command = Command::new(python);
    command.arg(script("pyjwt_side.py"));
    let answer = run_json(command, &request(&ours));
    check_both_directions(
        &format!("PyJWT {}", answer["version"].as_str().unwrap_or("?")),
        &ours,
        &answer,
        "pyjwt-user",
    );
    // PyJWT's default `typ: JWT` is not an access token.
    let plain = answer["minted"]["HS256-default-typ"].as_str().unwrap();
    assert_eq!(
        ours.verifier.verify_sync(plain).unwrap_err().kind(),
        ErrorKind::WrongType
    );
}

#[test]
fn node_jose_both_directions() {
    let Some(dir) = jose_dir() else { return };
    let ours = ours();
    let mut command = Command::new("node");
    command.arg(dir.join("jose_side.mjs")).current_dir(&dir);
    let answer = run_json(command, &request(&ours));
    check_both_directions("node jose 6", &ours, &answer, "jose-user");
}
