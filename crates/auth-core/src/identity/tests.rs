use super::*;

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)]
struct Custom {
    tenant: String,
    #[serde(default)]
    address: Option<Address>,
}

#[derive(Debug, serde::Deserialize)]
struct Address {
    #[allow(dead_code)]
    city: String,
}

#[test]
fn claims_as_names_the_claim_that_failed() {
    let ok = Identity::new("u")
        .with_claim("tenant", "acme")
        .with_claim("other", 1);
    assert_eq!(ok.claims_as::<Custom>().unwrap().tenant, "acme");
    let missing = Identity::new("u").claims_as::<Custom>().unwrap_err();
    assert_eq!(missing.claim(), Some("tenant"));
    let wrong = Identity::new("u").with_claim("tenant", 7);
    assert_eq!(
        wrong.claims_as::<Custom>().unwrap_err().claim(),
        Some("tenant")
    );
    let nested = Identity::new("u")
        .with_claim("tenant", "acme")
        .with_claim("address", serde_json::json!({"city": false}));
    let e = nested.claims_as::<Custom>().unwrap_err();
    assert_eq!(e.claim(), Some("address.city"));
    assert!(
        e.to_string()
            .starts_with("the claim `address.city`: invalid type"),
        "{e}"
    );
}

#[test]
fn serde_round_trip_keeps_everything() {
    let id = Identity::new("u1")
        .with_roles(["a", "b"])
        .with_scope("s")
        .with_claim("n", 3)
        .with_method(AuthMethod::Jwt)
        .with_authenticated_at(Timestamp::from_unix_millis(5))
        .with_expires_at(Some(Timestamp::from_unix_millis(9)));
    let json = serde_json::to_string(&id).unwrap();
    let back: Identity = serde_json::from_str(&json).unwrap();
    assert_eq!(back, id);
    assert!(back.has_role("b") && !back.has_role("c"));
    assert!(back.has_scope("s"));
    let external = id.with_issuer("https://idp.example").marked_as_client();
    let json = serde_json::to_string(&external).unwrap();
    let back: Identity = serde_json::from_str(&json).unwrap();
    assert_eq!(back, external);
    assert_eq!(back.issuer(), Some("https://idp.example"));
    assert!(back.is_client());
}

#[test]
fn identities_stored_before_the_issuer_field_read_as_ours() {
    // What a session or refresh family stored by an older version holds.
    let old = r#"{"subject":"u1","roles":["a"],"method":"jwt"}"#;
    let back: Identity = serde_json::from_str(old).unwrap();
    assert_eq!(back.issuer(), None);
    assert!(!back.is_client());
    // And an identity without them is written as before.
    let json = serde_json::to_string(&Identity::new("u1")).unwrap();
    assert_eq!(json, r#"{"subject":"u1","method":"session"}"#);
}
