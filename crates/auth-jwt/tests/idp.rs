//! Tokens from identity providers: access tokens shaped like each preset's documented claims,
//! signed here and verified through a verifier configured with the preset; the external `typ`
//! policy; several issuers on one verifier (each verified with its own keys only, the
//! verified-token cache remembering which issuer verified an entry).

#![allow(clippy::unwrap_used, clippy::needless_pass_by_value)]

mod common;

use auth_jwt::{
    Algorithm, ClaimMapping, ErrorKind, Key, KeySet, SharedKeySet, TrustedIssuer, TypPolicy,
    Verifier,
};
use common::{AUD, HS256_SECRET, ISS, World, sign_raw};
use serde_json::{Value, json};

const IDP: &str = "https://idp.test/realms/acme";

fn idp_key(kid: &str) -> Key {
    Key::hmac(kid, Algorithm::HS256, &[0x42; 32]).unwrap()
}

/// Our own issuer (the World's) plus the identity provider with `mapping`.
fn world(configure: impl FnOnce(TrustedIssuer) -> TrustedIssuer) -> World {
    World::with_verifier(Algorithm::HS256, |b| {
        b.with_trusted_issuer(configure(
            TrustedIssuer::new(IDP, idp_key("idp-1")).with_audience(AUD),
        ))
    })
}

fn idp_token(w: &World, header: Value, claims: Value) -> String {
    let mut all =
        json!({"iss": IDP, "aud": AUD, "sub": "idp-user", "iat": w.now(), "exp": w.now() + 300});
    if let (Value::Object(all), Value::Object(more)) = (&mut all, claims) {
        all.extend(more);
    }
    sign_raw(&idp_key("idp-1"), header.to_string(), all.to_string())
}

fn jwt_header() -> Value {
    json!({"alg": "HS256", "kid": "idp-1", "typ": "JWT"})
}

fn sorted(set: &std::collections::BTreeSet<String>) -> Vec<&str> {
    set.iter().map(String::as_str).collect()
}

#[test]
fn keycloak() {
    let w = world(|t| t.with_claim_mapping(ClaimMapping::keycloak(AUD)));
    let claims = json!({
        "aud": [AUD, "account"], "typ": "Bearer", "azp": "web", "sid": "5b0d1e2f-keycloak-session",
        "scope": "openid profile orders:read",
        "realm_access": {"roles": ["offline_access", "admin"]},
        "resource_access": {AUD: {"roles": ["reader"]}, "account": {"roles": ["manage-account"]}},
    });
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), claims.clone()))
        .unwrap();
    assert_eq!(who.subject(), "idp-user");
    assert_eq!(sorted(who.scopes()), ["openid", "orders:read", "profile"]);
    assert_eq!(sorted(who.roles()), ["admin", "offline_access", "reader"]);
    assert!(
        who.session().is_none(),
        "Keycloak's sid is not one of our sessions"
    );
    assert_eq!(
        who.claim("sid").and_then(Value::as_str),
        Some("5b0d1e2f-keycloak-session")
    );

    // Typed claims for handlers.
    #[derive(serde::Deserialize)]
    struct KeycloakClaims {
        azp: String,
        realm_access: RealmAccess,
    }
    #[derive(serde::Deserialize)]
    struct RealmAccess {
        roles: Vec<String>,
    }
    let typed: KeycloakClaims = who.claims_as().unwrap();
    assert_eq!(typed.azp, "web");
    assert_eq!(typed.realm_access.roles.len(), 2);

    // Keycloak's ID, refresh and logout tokens are refused by their payload `typ`.
    for typ in ["ID", "Refresh", "Logout"] {
        let mut c = claims.clone();
        c["typ"] = json!(typ);
        assert_eq!(
            w.kind(&idp_token(&w, jwt_header(), c)),
            ErrorKind::WrongType,
            "{typ}"
        );
    }
    // A mapped claim of the wrong type.
    let mut c = claims;
    c["realm_access"] = json!(["admin"]);
    assert_eq!(
        w.kind(&idp_token(&w, jwt_header(), c)),
        ErrorKind::InvalidClaim
    );
}

#[test]
fn auth0() {
    let w = world(|t| t.with_claim_mapping(ClaimMapping::auth0()));
    let claims = json!({
        "aud": [AUD, "https://tenant.auth0.test/userinfo"], "azp": "spa",
        "scope": "openid read:orders", "permissions": ["read:orders", "delete:orders"],
    });
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), claims))
        .unwrap();
    assert_eq!(sorted(who.scopes()), ["openid", "read:orders"]);
    assert_eq!(sorted(who.roles()), ["delete:orders", "read:orders"]);
    let bad = idp_token(&w, jwt_header(), json!({"permissions": "read:orders"}));
    assert_eq!(w.kind(&bad), ErrorKind::InvalidClaim);
}

#[test]
fn entra_id() {
    let w = world(|t| t.with_claim_mapping(ClaimMapping::entra_id()));
    let claims = json!({
        "ver": "2.0", "azp": "client-guid", "tid": "tenant-guid", "oid": "object-guid",
        "scp": "User.Read Orders.Read", "roles": ["Orders.Admin"],
    });
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), claims))
        .unwrap();
    assert_eq!(sorted(who.scopes()), ["Orders.Read", "User.Read"]);
    assert_eq!(sorted(who.roles()), ["Orders.Admin"]);
    let bad = idp_token(&w, jwt_header(), json!({"scp": 1}));
    assert_eq!(w.kind(&bad), ErrorKind::InvalidClaim);
}

#[test]
fn okta() {
    let w = world(|t| t.with_claim_mapping(ClaimMapping::okta()));
    let claims = json!({
        "ver": 1, "cid": "okta-client", "uid": "00u1",
        "scp": ["openid", "orders:read"], "groups": ["Everyone", "Admins"],
    });
    let header = json!({"alg": "HS256", "kid": "idp-1"});
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, header, claims))
        .unwrap();
    assert_eq!(sorted(who.scopes()), ["openid", "orders:read"]);
    assert_eq!(sorted(who.roles()), ["Admins", "Everyone"]);
    let bad = idp_token(&w, jwt_header(), json!({"groups": {"Admins": true}}));
    assert_eq!(w.kind(&bad), ErrorKind::InvalidClaim);
}

#[test]
fn cognito() {
    let w = world(|t| t.with_claim_mapping(ClaimMapping::cognito()));
    let claims = json!({
        "token_use": "access", "client_id": "app-client", "username": "ada",
        "scope": "orders/read orders/write", "cognito:groups": ["admins"],
    });
    let header = json!({"alg": "HS256", "kid": "idp-1"});
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, header.clone(), claims))
        .unwrap();
    assert_eq!(sorted(who.scopes()), ["orders/read", "orders/write"]);
    assert_eq!(sorted(who.roles()), ["admins"]);
    // A Cognito ID token.
    let id = idp_token(
        &w,
        header,
        json!({"token_use": "id", "cognito:groups": ["admins"]}),
    );
    assert_eq!(w.kind(&id), ErrorKind::WrongType);
}

#[test]
fn google() {
    let w = world(|t| {
        t.with_claim_mapping(ClaimMapping::google())
            .with_authorized_party("g-client")
    });
    let claims = json!({"azp": "g-client", "scope": "https://www.googleapis.com/auth/userinfo.email openid"});
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), claims))
        .unwrap();
    assert_eq!(
        sorted(who.scopes()),
        ["https://www.googleapis.com/auth/userinfo.email", "openid"]
    );
    assert!(who.roles().is_empty());
}

#[test]
fn external_typ_policy_and_authorized_party() {
    let w = world(|t| t.with_authorized_party("web"));
    let ok = json!({"azp": "web"});
    for header in [
        json!({"alg": "HS256", "kid": "idp-1"}),
        jwt_header(),
        json!({"alg": "HS256", "kid": "idp-1", "typ": "at+jwt"}),
    ] {
        assert!(
            w.verifier
                .verify_sync(&idp_token(&w, header, ok.clone()))
                .is_ok()
        );
    }
    for typ in ["id_token+jwt", "logout+jwt", "rt+jwt", "JOSE+JSON"] {
        let header = json!({"alg": "HS256", "kid": "idp-1", "typ": typ});
        assert_eq!(
            w.kind(&idp_token(&w, header, ok.clone())),
            ErrorKind::WrongType,
            "{typ}"
        );
    }
    // An OpenID Connect ID token, as marked by its claims.
    for marker in ["nonce", "at_hash", "c_hash"] {
        let c = json!({"azp": "web", marker: "x"});
        assert_eq!(
            w.kind(&idp_token(&w, jwt_header(), c)),
            ErrorKind::WrongType,
            "{marker}"
        );
    }
    // The authorized party: azp, else client_id.
    assert!(
        w.verifier
            .verify_sync(&idp_token(&w, jwt_header(), json!({"client_id": "web"})))
            .is_ok()
    );
    let other = idp_token(&w, jwt_header(), json!({"azp": "cli"}));
    assert_eq!(w.kind(&other), ErrorKind::WrongAuthorizedParty);
    assert_eq!(
        w.kind(&idp_token(&w, jwt_header(), json!({}))),
        ErrorKind::MissingClaim
    );

    // Strict: at+jwt only.
    let strict = world(|t| t.with_typ_policy(TypPolicy::Strict));
    assert_eq!(
        strict.kind(&idp_token(&strict, jwt_header(), json!({}))),
        ErrorKind::WrongType
    );
    let at = json!({"alg": "HS256", "kid": "idp-1", "typ": "at+jwt"});
    assert!(
        strict
            .verifier
            .verify_sync(&idp_token(&strict, at, json!({})))
            .is_ok()
    );

    // Our own issuer stays strict (JWT refused) and its sid must be one of our session keys.
    let own_jwt = w.token(
        &json!({"alg": "HS256", "kid": "HS256-key", "typ": "JWT"}),
        &w.claims(),
    );
    assert_eq!(w.kind(&own_jwt), ErrorKind::WrongType);
    let mut c = w.claims();
    c["sid"] = json!("5b0d1e2f-keycloak-session");
    assert_eq!(w.kind(&w.token(&w.header(), &c)), ErrorKind::InvalidClaim);
}

#[test]
fn several_issuers_each_with_its_own_keys() {
    // Both issuers name their key `HS256-key`: only the issuer picks the key set.
    let idp_keys = SharedKeySet::from(idp_key("HS256-key"));
    let w = World::with_verifier(Algorithm::HS256, |b| {
        b.with_trusted_issuer(TrustedIssuer::new(IDP, idp_keys.clone()).with_audience(AUD))
    });
    let own_key = Key::hmac("HS256-key", Algorithm::HS256, HS256_SECRET).unwrap();
    let header = json!({"alg": "HS256", "kid": "HS256-key", "typ": "at+jwt"});
    let claims = |iss: &str| {
        json!({"iss": iss, "aud": AUD, "sub": "u", "iat": w.now(), "exp": w.now() + 300})
            .to_string()
    };
    // Our own issuer's tokens (minted by our Issuer) and the IdP's are both accepted.
    let ours = w.good_token();
    assert!(w.verifier.verify_sync(&ours).is_ok());
    let theirs = sign_raw(&idp_key("HS256-key"), header.to_string(), claims(IDP));
    assert_eq!(w.verifier.verify_sync(&theirs).unwrap().subject(), "u");
    // Signed by the IdP's key but claiming our `iss`, and the reverse: refused.
    let forged = sign_raw(&idp_key("HS256-key"), header.to_string(), claims(ISS));
    assert_eq!(w.kind(&forged), ErrorKind::InvalidSignature);
    let forged = sign_raw(&own_key, header.to_string(), claims(IDP));
    assert_eq!(w.kind(&forged), ErrorKind::InvalidSignature);
    // An issuer nobody configured, a missing and a non-string `iss`.
    let unknown = sign_raw(
        &idp_key("HS256-key"),
        header.to_string(),
        claims("https://evil.test"),
    );
    assert_eq!(w.kind(&unknown), ErrorKind::WrongIssuer);
    let no_iss = sign_raw(&idp_key("HS256-key"), header.to_string(), r#"{"sub":"u"}"#);
    assert_eq!(w.kind(&no_iss), ErrorKind::MissingClaim);
    let array = sign_raw(
        &idp_key("HS256-key"),
        header.to_string(),
        format!(r#"{{"iss":["{IDP}"]}}"#),
    );
    assert_eq!(w.kind(&array), ErrorKind::InvalidClaim);
    let twice = sign_raw(
        &idp_key("HS256-key"),
        header.to_string(),
        format!(r#"{{"iss":"{IDP}","iss":"{ISS}"}}"#),
    );
    assert_eq!(w.kind(&twice), ErrorKind::Malformed);

    // The cache remembers the issuer: rotating the IdP's key out drops its cached token, and
    // ours (same kid, other issuer) is unaffected.
    assert!(w.verifier.cached_tokens() >= 2);
    idp_keys.replace(KeySet::single(idp_key("k2")).unwrap());
    assert_eq!(w.kind(&theirs), ErrorKind::UnknownKey);
    assert!(w.verifier.verify_sync(&ours).is_ok());
}

#[test]
fn configuration_errors_at_build() {
    let key = || idp_key("k");
    let kind = |b: auth_jwt::VerifierBuilder| b.build().unwrap_err().kind();
    assert_eq!(kind(Verifier::builder()), ErrorKind::Config);
    assert_eq!(
        kind(Verifier::builder().with_trusted_issuer(TrustedIssuer::new(IDP, key()))),
        ErrorKind::Config,
        "no audience"
    );
    assert_eq!(
        kind(
            Verifier::builder()
                .with_trusted_issuer(TrustedIssuer::new(IDP, key()).with_audience("a"))
                .with_trusted_issuer(TrustedIssuer::new(IDP, key()).with_audience("b"))
        ),
        ErrorKind::Config,
        "the same issuer twice"
    );
    assert_eq!(
        kind(Verifier::builder().with_issuer(ISS).with_audience(AUD)),
        ErrorKind::Config,
        "own issuer without keys"
    );
    // Only trusted issuers: fine; several audiences.
    let v = Verifier::builder()
        .with_trusted_issuer(
            TrustedIssuer::new(IDP, key())
                .with_audience("a")
                .with_audience("b"),
        )
        .build()
        .unwrap();
    let token = sign_raw(
        &key(),
        r#"{"alg":"HS256","kid":"k"}"#,
        json!({"iss": IDP, "aud": "b", "sub": "u", "iat": 1, "exp": i64::from(u32::MAX)})
            .to_string(),
    );
    assert!(v.verify_sync(&token).is_ok());
}

#[test]
fn cognito_access_tokens_without_aud_are_judged_by_client_id_when_asked() {
    // A Cognito access token: no `aud`, the app client in `client_id`.
    let claims = |client: &str| {
        json!({
            "token_use": "access", "client_id": client, "scope": "orders/read",
            "cognito:groups": ["admins"],
        })
    };
    let without_aud = |w: &World, client: &str| {
        let mut token = claims(client);
        if let Value::Object(t) = &mut token {
            t.insert("iss".into(), json!(IDP));
            t.insert("sub".into(), json!("idp-user"));
            t.insert("iat".into(), json!(w.now()));
            t.insert("exp".into(), json!(w.now() + 300));
        }
        let header = json!({"alg": "HS256", "kid": "idp-1"});
        sign_raw(&idp_key("idp-1"), header.to_string(), token.to_string())
    };
    let asked = world(|t| {
        t.with_claim_mapping(ClaimMapping::cognito())
            .with_client_id_as_audience()
    });
    let who = asked
        .verifier
        .verify_sync(&without_aud(&asked, AUD))
        .unwrap();
    assert_eq!(sorted(who.roles()), ["admins"]);
    assert_eq!(
        asked.kind(&without_aud(&asked, "another-app-client")),
        ErrorKind::WrongAudience
    );
    // Without the option, `aud` stays required.
    let strict = world(|t| t.with_claim_mapping(ClaimMapping::cognito()));
    assert_eq!(
        strict.kind(&without_aud(&strict, AUD)),
        ErrorKind::MissingClaim
    );
}

/// Issue 19 finding 13: Google's JWTs are ID tokens that any account can mint for any
/// audience; the preset without an authorized party accepted every one of them.
#[test]
fn the_google_preset_requires_an_authorized_party() {
    let built = Verifier::builder()
        .with_trusted_issuer(
            TrustedIssuer::new(IDP, idp_key("idp-1"))
                .with_audience(AUD)
                .with_claim_mapping(ClaimMapping::google()),
        )
        .build();
    let e = built.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.message().contains("with_authorized_party"), "{e}");
    // With one, a token minted for our audience by another client is refused.
    let w = world(|t| {
        t.with_claim_mapping(ClaimMapping::google())
            .with_authorized_party("g-client")
    });
    let other = idp_token(&w, jwt_header(), json!({"azp": "someone-elses-client"}));
    assert_eq!(w.kind(&other), ErrorKind::WrongAuthorizedParty);
}

/// Issue 19 finding 11: the default mapping of an external issuer turned its `roles` and
/// `groups` into our roles, so an IdP's `admin` group was our `admin` role.
#[test]
fn an_external_issuers_roles_grant_no_roles_by_default() {
    let w = world(|t| t);
    let claims = json!({"roles": ["admin"], "groups": ["admin", "staff"], "scope": "orders:read"});
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), claims.clone()))
        .unwrap();
    assert!(!who.has_role("admin"), "{who:?}");
    assert!(who.roles().is_empty());
    assert!(who.has_scope("orders:read"), "scopes are still read");
    // Mapped only when the application says so.
    let w = world(|t| t.with_claim_mapping(ClaimMapping::standard()));
    let who = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), claims))
        .unwrap();
    assert!(who.has_role("admin"));
    // Our own issuer keeps its roles.
    let mut own = w.claims();
    own["roles"] = json!(["admin"]);
    let who = w.verifier.verify_sync(&w.token(&w.header(), &own)).unwrap();
    assert!(who.has_role("admin"));
}

/// Issue 19 finding 11: an identity did not say who issued it, so `sub` of every issuer
/// shared one namespace.
#[test]
fn every_verified_identity_names_its_issuer() {
    let w = world(|t| t);
    let ours = w.verifier.verify_sync(&w.good_token()).unwrap();
    assert_eq!(ours.issuer(), Some(ISS));
    let theirs = w
        .verifier
        .verify_sync(&idp_token(&w, jwt_header(), json!({"sub": "user-1"})))
        .unwrap();
    assert_eq!(theirs.subject(), ours.subject());
    assert_eq!(theirs.issuer(), Some(IDP));
    assert_ne!(theirs, ours);
    assert!(!theirs.is_client() && !ours.is_client());
}

/// Issue 19 (a real OpenID Provider): client-credentials tokens carry no `sub` and were
/// always refused; now an issuer can opt in to read their client as the subject.
#[test]
fn client_credentials_tokens_become_client_identities_when_asked() {
    let token = |w: &World, claims: Value| {
        let mut all = json!({"iss": IDP, "aud": AUD, "iat": w.now(), "exp": w.now() + 300, "scope": "orders:read"});
        if let (Value::Object(all), Value::Object(more)) = (&mut all, claims) {
            all.extend(more);
        }
        sign_raw(&idp_key("idp-1"), jwt_header().to_string(), all.to_string())
    };
    let off = world(|t| t);
    assert_eq!(
        off.kind(&token(&off, json!({"client_id": "billing"}))),
        ErrorKind::MissingClaim,
        "off by default"
    );
    let w = world(TrustedIssuer::with_clients_as_subjects);
    let who = w
        .verifier
        .verify_sync(&token(&w, json!({"client_id": "billing", "azp": "other"})))
        .unwrap();
    assert_eq!(who.subject(), "billing", "client_id first");
    assert!(who.is_client());
    assert!(who.has_scope("orders:read"));
    let who = w
        .verifier
        .verify_sync(&token(&w, json!({"azp": "reports"})))
        .unwrap();
    assert_eq!(who.subject(), "reports");
    assert!(who.is_client());
    // A token with a subject is a user's, as before.
    let who = w
        .verifier
        .verify_sync(&token(&w, json!({"sub": "u", "client_id": "web"})))
        .unwrap();
    assert!(!who.is_client());
    assert_eq!(w.kind(&token(&w, json!({}))), ErrorKind::MissingClaim);
    assert_eq!(
        w.kind(&token(&w, json!({"client_id": 7}))),
        ErrorKind::InvalidClaim
    );
    assert_eq!(
        w.kind(&token(&w, json!({"client_id": ""}))),
        ErrorKind::InvalidClaim
    );
    // Our own issuer never reads a client as a subject.
    let mut own = w.claims();
    own.as_object_mut().unwrap().remove("sub");
    own["client_id"] = json!("billing");
    assert_eq!(w.kind(&w.token(&w.header(), &own)), ErrorKind::MissingClaim);
}
