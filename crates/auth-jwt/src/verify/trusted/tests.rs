use super::*;
use serde_json::json;

#[test]
fn access_token_types() {
    for ok in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "Application/At+Jwt",
    ] {
        assert!(is_access_token_type(ok), "{ok}");
    }
    for bad in [
        "JWT",
        "jwt",
        "at+jwt ",
        "application/",
        "application/jwt",
        "rt+jwt",
        "",
    ] {
        assert!(!is_access_token_type(bad), "{bad}");
    }
}

#[test]
fn header_type_per_policy() {
    use TypPolicy::{Compatible, Strict};
    for typ in [Some("at+jwt"), Some("application/at+jwt")] {
        assert!(check_header_type(typ, Strict).is_ok());
        assert!(check_header_type(typ, Compatible).is_ok());
    }
    for typ in [None, Some("JWT"), Some("jwt"), Some("application/jwt")] {
        assert!(check_header_type(typ, Strict).is_err(), "{typ:?}");
        assert!(check_header_type(typ, Compatible).is_ok(), "{typ:?}");
    }
    for typ in [
        "id_token+jwt",
        "logout+jwt",
        "secevent+jwt",
        "rt+jwt",
        "JOSE",
        "",
    ] {
        let e = check_header_type(Some(typ), Compatible).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType, "{typ}");
    }
}

fn external(party: Option<&str>) -> External {
    External {
        typ: TypPolicy::Compatible,
        mapping: ClaimMapping::standard(),
        authorized_party: party.map(str::to_owned),
        client_id_as_audience: false,
        clients_as_subjects: false,
    }
}

fn claims(v: Value) -> Claims {
    match v {
        Value::Object(m) => m,
        _ => Claims::new(),
    }
}

#[test]
fn payload_markers_of_other_tokens_are_refused() {
    let ext = external(None);
    assert!(ext.check(&claims(json!({}))).is_ok());
    assert!(ext.check(&claims(json!({"typ": "Bearer"}))).is_ok());
    assert!(
        ext.check(&claims(json!({"typ": "Bearer", "nonce": "n"})))
            .is_ok(),
        "Keycloak's marked access tokens may carry a nonce"
    );
    for t in ["ID", "Refresh", "Logout", "Offline"] {
        let e = ext.check(&claims(json!({ "typ": t }))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType, "{t}");
    }
    assert!(ext.check(&claims(json!({"token_use": "access"}))).is_ok());
    let e = ext.check(&claims(json!({"token_use": "id"}))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::WrongType);
    for c in ["nonce", "at_hash", "c_hash"] {
        let e = ext.check(&claims(json!({ c: "x" }))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::WrongType, "{c}");
    }
    let e = ext.check(&claims(json!({"typ": 1}))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidClaim);
    // The strict policy relies on the header alone.
    let strict = External {
        typ: TypPolicy::Strict,
        ..external(None)
    };
    assert!(strict.check(&claims(json!({"typ": "ID"}))).is_ok());
}

#[test]
fn authorized_party_from_azp_then_client_id() {
    let ext = external(Some("web"));
    assert!(ext.check(&claims(json!({"azp": "web"}))).is_ok());
    assert!(ext.check(&claims(json!({"client_id": "web"}))).is_ok());
    let kind = |v| ext.check(&claims(v)).unwrap_err().kind();
    assert_eq!(kind(json!({"azp": "cli"})), ErrorKind::WrongAuthorizedParty);
    assert_eq!(
        kind(json!({"azp": "cli", "client_id": "web"})),
        ErrorKind::WrongAuthorizedParty,
        "azp comes first"
    );
    assert_eq!(kind(json!({"client_id": ["web"]})), ErrorKind::InvalidClaim);
    assert_eq!(kind(json!({})), ErrorKind::MissingClaim);
}
