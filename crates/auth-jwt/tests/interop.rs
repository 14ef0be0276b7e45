//! Interop with PyJWT and node `jose`, both directions, for HS256, RS256, ES256 and EdDSA:
//! tokens they mint verify with our verifier; tokens we mint verify with them using our JWKS.
//!
//! Both tests are `#[ignore = "needs ..."]`: `.ci/run` installs the other sides first (PyJWT
//! into a venv from `tests/interop/requirements.txt`, named by `PYJWT_PYTHON`; jose with
//! `npm ci` into `tests/interop/node_modules`) and runs them with `--include-ignored`. A test
//! installs nothing itself, and fails loudly when its tool is missing.

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
    interop_dir().join(name)
}

/// `tests/interop`: the other side's scripts, `package.json` and `requirements.txt`.
fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// The Python with PyJWT: `PYJWT_PYTHON` (`.ci/run` points it at a venv it installed from
/// `tests/interop/requirements.txt`), else `python3`.
///
/// # Panics
/// When that Python cannot import `jwt` and `cryptography`.
fn pyjwt_python() -> PathBuf {
    let python = std::env::var_os("PYJWT_PYTHON").map_or_else(|| "python3".into(), PathBuf::from);
    assert!(
        succeeds(Command::new(&python).args(["-c", "import jwt, cryptography"])),
        "this test needs a Python with PyJWT: {} cannot import jwt and cryptography; \
         `pip install -r crates/auth-jwt/tests/interop/requirements.txt` into it, or set \
         PYJWT_PYTHON to one that has them (.ci/run does)",
        python.display()
    );
    python
}

/// `tests/interop`, with `jose` installed beside the script (`node_modules`).
///
/// # Panics
/// When node or the installed `jose` is missing.
fn jose_dir() -> PathBuf {
    assert!(
        succeeds(Command::new("node").arg("--version")),
        "this test needs node on PATH"
    );
    let dir = interop_dir();
    assert!(
        dir.join("node_modules/jose/package.json").exists(),
        "this test needs node jose in {}: `npm ci --prefix crates/auth-jwt/tests/interop` \
         (.ci/run does)",
        dir.join("node_modules").display()
    );
    dir
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
#[ignore = "needs python3 with PyJWT (PYJWT_PYTHON; .ci/run installs it)"]
fn pyjwt_both_directions() {
    let python = pyjwt_python();
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
#[ignore = "needs node with jose in tests/interop/node_modules (.ci/run installs it)"]
fn node_jose_both_directions() {
    let dir = jose_dir();
    let ours = ours();
    let mut command = Command::new("node");
    command.arg(dir.join("jose_side.mjs")).current_dir(&dir);
    let answer = run_json(command, &request(&ours));
    check_both_directions("node jose 6", &ours, &answer, "jose-user");
}
