//! Signature-layer attacks: `none`, broken signatures, ECDSA edge cases, DER signatures,
//! algorithm confusion and odd `alg` values.

use crate::common::*;
use auth_jwt::{Algorithm, ErrorKind, Key};
use serde_json::json;

#[test]
fn alg_none_in_any_case() {
    let w = World::new(Algorithm::HS256);
    for none in ["none", "None", "NONE", "nOnE"] {
        let header = json!({"alg": none, "kid": w.key.kid(), "typ": "at+jwt"});
        let unsigned = format!(
            "{}.{}.",
            b64(header.to_string()),
            b64(w.claims().to_string())
        );
        assert_eq!(
            w.kind(&unsigned),
            ErrorKind::InvalidSignature,
            "{none}, empty signature"
        );
        // Even with a signature present, `none` is never an algorithm.
        let signed = w.token(&header, &w.claims());
        assert_eq!(w.kind(&signed), ErrorKind::AlgorithmMismatch, "{none}");
    }
}

#[test]
fn stripped_altered_and_truncated_signatures() {
    for alg in [
        Algorithm::HS256,
        Algorithm::ES256,
        Algorithm::RS256,
        Algorithm::EdDSA,
    ] {
        let w = World::new(alg);
        let good = w.good_token();
        assert!(w.verifier.verify_sync(&good).is_ok());
        let (input, sig) = good.rsplit_once('.').unwrap();
        assert_eq!(
            w.kind(&format!("{input}.")),
            ErrorKind::InvalidSignature,
            "{alg} stripped"
        );
        assert_eq!(
            w.kind(input),
            ErrorKind::Malformed,
            "{alg} stripped with its dot"
        );
        let mut raw = unb64(sig);
        raw[0] ^= 1;
        assert_eq!(
            w.kind(&format!("{input}.{}", b64(&raw))),
            ErrorKind::InvalidSignature
        );
        raw[0] ^= 1;
        let short = &raw[..raw.len() - 1];
        assert_eq!(
            w.kind(&format!("{input}.{}", b64(short))),
            ErrorKind::InvalidSignature
        );
        let mut long = raw.clone();
        long.push(0);
        assert_eq!(
            w.kind(&format!("{input}.{}", b64(&long))),
            ErrorKind::InvalidSignature
        );
        // A signature from another message.
        let other = w.token(&w.header(), &json!({"sub": "other"}));
        let other_sig = other.rsplit_once('.').unwrap().1;
        assert_eq!(
            w.kind(&format!("{input}.{other_sig}")),
            ErrorKind::InvalidSignature
        );
    }
}

/// P-256 group order n.
const P256_N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn ecdsa_zero_and_out_of_range_r_s() {
    let w = World::new(Algorithm::ES256);
    let input = w.good_token().rsplit_once('.').unwrap().0.to_owned();
    let n = hex(P256_N);
    let mut n_plus_1 = n.clone();
    n_plus_1[31] += 1;
    let one = {
        let mut v = vec![0u8; 32];
        v[31] = 1;
        v
    };
    let zero = vec![0u8; 32];
    let max = vec![0xffu8; 32];
    let cases: [(&[u8], &[u8]); 7] = [
        (&zero, &zero),
        (&zero, &one),
        (&one, &zero),
        (&n, &one),
        (&one, &n),
        (&n_plus_1, &one),
        (&max, &max),
    ];
    for (r, s) in cases {
        let sig = [r, s].concat();
        assert_eq!(
            w.kind(&format!("{input}.{}", b64(sig))),
            ErrorKind::InvalidSignature
        );
    }
}

/// DER `INTEGER` of a big-endian unsigned value.
fn der_int(v: &[u8]) -> Vec<u8> {
    let v: Vec<u8> = v.iter().copied().skip_while(|&b| b == 0).collect();
    let mut content = if v.first().is_some_and(|b| b & 0x80 != 0) {
        vec![0]
    } else {
        vec![]
    };
    content.extend(v);
    let mut out = vec![2, content.len() as u8];
    out.extend(content);
    out
}

#[test]
fn der_encoded_ecdsa_signatures() {
    for alg in [Algorithm::ES256, Algorithm::ES384] {
        let w = World::new(alg);
        let good = w.good_token();
        let (input, sig) = good.rsplit_once('.').unwrap();
        let raw = unb64(sig);
        let (r, s) = raw.split_at(raw.len() / 2);
        let body = [der_int(r), der_int(s)].concat();
        let mut der = vec![0x30, body.len() as u8];
        der.extend(body);
        assert_eq!(
            w.kind(&format!("{input}.{}", b64(&der))),
            ErrorKind::InvalidSignature
        );
    }
}

#[test]
fn public_key_used_as_hmac_secret() {
    for (alg, public) in [
        (Algorithm::RS256, "rsa2048_pub.pem"),
        (Algorithm::ES256, "ec256_pub.pem"),
        (Algorithm::EdDSA, "ed25519_pub.pem"),
    ] {
        let w = World::new(alg);
        let jwk = serde_json::to_string(w.key.public_jwk().unwrap()).unwrap();
        for secret in [pem(public), der(public), jwk.into_bytes()] {
            let forger = Key::hmac("forger", Algorithm::HS256, &secret).unwrap();
            let header = json!({"alg": "HS256", "kid": w.key.kid(), "typ": "at+jwt"});
            let token = sign_raw(&forger, header.to_string(), w.claims().to_string());
            assert_eq!(w.kind(&token), ErrorKind::AlgorithmMismatch, "{alg}");
        }
    }
}

#[test]
fn algorithm_not_pinned_to_the_key() {
    // The RSA key is pinned to RS256; a valid PS256 signature by the same private key fails.
    let w = World::new(Algorithm::RS256);
    let same_rsa_as_ps = Key::from_pem("x", Algorithm::PS256, &pem("rsa2048.pem")).unwrap();
    let header = json!({"alg": "PS256", "kid": w.key.kid(), "typ": "at+jwt"});
    let token = sign_raw(&same_rsa_as_ps, header.to_string(), w.claims().to_string());
    assert_eq!(w.kind(&token), ErrorKind::AlgorithmMismatch);
    // An HS256 key asked to verify HS512.
    let w = World::new(Algorithm::HS256);
    let header = json!({"alg": "HS512", "kid": w.key.kid(), "typ": "at+jwt"});
    assert_eq!(
        w.kind(&w.token(&header, &w.claims())),
        ErrorKind::AlgorithmMismatch
    );
}

#[test]
fn odd_alg_values() {
    let w = World::new(Algorithm::HS256);
    let odd = [
        json!(""),
        json!("hs256"),
        json!(" HS256"),
        json!("HS256 "),
        json!("HS256\u{0}"),
        json!(["HS256"]),
        json!({"alg": "HS256"}),
        json!(256),
        json!(null),
        json!(true),
    ];
    for alg in odd {
        let header = json!({"alg": alg, "kid": w.key.kid(), "typ": "at+jwt"});
        assert_eq!(
            w.kind(&w.token(&header, &w.claims())),
            ErrorKind::AlgorithmMismatch,
            "{alg}"
        );
    }
    let no_alg = json!({"kid": w.key.kid(), "typ": "at+jwt"});
    assert_eq!(
        w.kind(&w.token(&no_alg, &w.claims())),
        ErrorKind::AlgorithmMismatch
    );
}
