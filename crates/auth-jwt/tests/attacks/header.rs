//! Header attacks: embedded or remote keys, hostile `kid`s, `crit`, wrong `typ`, nesting, JWE.

use crate::common::*;
use auth_jwt::{Algorithm, ErrorKind, Identity, Key};
use serde_json::{Value, json};

#[test]
fn embedded_jwk_jku_x5u_x5c_headers() {
    let w = World::new(Algorithm::ES256);
    // The attacker signs with their own key and embeds or points to it.
    let attacker = Key::from_pem("attacker", Algorithm::ES256, &pem("ec256.pem")).unwrap();
    let jwk = Value::Object(attacker.public_jwk().unwrap().clone());
    let embedded = [
        ("jwk", jwk),
        ("jku", json!("https://attacker.example/jwks.json")),
        ("x5u", json!("https://attacker.example/cert.pem")),
        ("x5c", json!(["MIIBszCCAVmgAwIBAgIUQ..."])),
    ];
    for (name, value) in embedded {
        let mut header = w.header();
        header[name] = value;
        let token = sign_raw(&attacker, header.to_string(), w.claims().to_string());
        assert_eq!(w.kind(&token), ErrorKind::ForbiddenHeader, "{name}");
    }
}

#[test]
fn kid_traversal_injection_huge_and_unknown() {
    let w = World::new(Algorithm::HS256);
    let bad_kids = [
        json!("../../../../dev/null"),
        json!("/etc/passwd"),
        json!("x' OR '1'='1"),
        json!("k1\u{0}"),
        json!("a b"),
        json!("line\nbreak"),
        json!("k".repeat(300)),
        json!("k".repeat(2_000)),
        json!(""),
        json!(42),
        json!(["HS256-key"]),
        json!("unknown-kid"),
    ];
    for kid in bad_kids {
        let header = json!({"alg": "HS256", "kid": kid, "typ": "at+jwt"});
        assert_eq!(
            w.kind(&w.token(&header, &w.claims())),
            ErrorKind::UnknownKey,
            "{kid}"
        );
    }
}

#[test]
fn crit_present() {
    let w = World::new(Algorithm::HS256);
    for crit in [json!(["exp"]), json!([]), json!(["b64"]), json!("x")] {
        let mut header = w.header();
        header["crit"] = crit;
        assert_eq!(
            w.kind(&w.token(&header, &w.claims())),
            ErrorKind::ForbiddenHeader
        );
    }
}

#[test]
fn wrong_typ_id_token_or_refresh_token_as_access_token() {
    let w = World::new(Algorithm::HS256);
    for typ in [
        json!("JWT"),
        json!("jwt"),
        json!("application/jwt"),
        json!("rt+jwt"),
        json!("at+jwt+x"),
        json!(null),
    ] {
        let mut header = w.header();
        header["typ"] = typ.clone();
        let kind = w.kind(&w.token(&header, &w.claims()));
        assert_eq!(kind, ErrorKind::WrongType, "{typ}");
    }
    let mut header = w.header();
    header.as_object_mut().unwrap().remove("typ");
    assert_eq!(
        w.kind(&w.token(&header, &w.claims())),
        ErrorKind::WrongType,
        "missing typ"
    );
    // An OIDC ID token: typ JWT, nonce, our issuer and audience.
    let id_header = json!({"alg": "HS256", "kid": w.key.kid(), "typ": "JWT"});
    let mut id_claims = w.claims();
    id_claims["nonce"] = json!("n-0S6_WzA2Mj");
    assert_eq!(
        w.kind(&w.token(&id_header, &id_claims)),
        ErrorKind::WrongType
    );
    // Accepted spellings.
    for typ in ["AT+JWT", "application/at+jwt", "Application/AT+jwt"] {
        let mut header = w.header();
        header["typ"] = json!(typ);
        assert!(
            w.verifier
                .verify_sync(&w.token(&header, &w.claims()))
                .is_ok(),
            "{typ}"
        );
    }
}

#[tokio::test]
async fn opaque_refresh_token_as_access_token() {
    let w = World::new(Algorithm::HS256);
    let tokens = auth_jwt::RefreshTokens::builder(
        w.issuer.clone(),
        std::sync::Arc::new(auth_jwt::MemoryRefreshStore::new()),
        std::sync::Arc::new(w.store.clone()),
        &[5; 32],
    )
    .with_clock(w.clock.clone())
    .build()
    .unwrap();
    let pair = tokens.start(&Identity::new("u")).await.unwrap();
    assert_eq!(w.kind(pair.refresh.as_str()), ErrorKind::Malformed);
}

#[test]
fn nested_jwt_and_jwe() {
    let w = World::new(Algorithm::HS256);
    let inner = w.good_token();
    let mut header = w.header();
    header["cty"] = json!("JWT");
    let nested = sign_raw(&w.key, header.to_string(), &inner);
    assert_eq!(w.kind(&nested), ErrorKind::ForbiddenHeader);
    for (name, value) in [("enc", "A256GCM"), ("zip", "DEF")] {
        let mut header = w.header();
        header[name] = json!(value);
        assert_eq!(
            w.kind(&w.token(&header, &w.claims())),
            ErrorKind::ForbiddenHeader,
            "{name}"
        );
    }
    // A JWE in compact form: five segments.
    let jwe_header = b64(r#"{"alg":"dir","enc":"A256GCM","typ":"at+jwt"}"#);
    let jwe = format!(
        "{jwe_header}..{}.{}.{}",
        b64([1u8; 12]),
        b64([2u8; 40]),
        b64([3u8; 16])
    );
    assert_eq!(w.kind(&jwe), ErrorKind::Malformed);
}
