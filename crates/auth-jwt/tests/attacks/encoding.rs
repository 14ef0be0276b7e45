//! Encoding attacks: non-canonical base64url, segment counts, duplicate members, size.

use crate::common::*;
use auth_jwt::{Algorithm, ErrorKind};
use serde_json::json;

#[test]
fn non_canonical_base64url() {
    let w = World::new(Algorithm::HS256);
    let good = w.good_token();
    let parts: Vec<&str> = good.split('.').collect();
    let (h, p, s) = (parts[0], parts[1], parts[2]);
    let std_alphabet = |x: &str| x.replace('-', "+").replace('_', "/");
    let variants = [
        format!("{h}=.{p}.{s}"),
        format!("{h}.{p}=.{s}"),
        format!("{h}.{p}.{s}="),
        format!("{h}.{p}.{s}=="),
        format!(" {good}"),
        format!("{good} "),
        format!("{good}\n"),
        format!("{h}.{p} .{s}"),
        format!("{h}.\t{p}.{s}"),
        format!("{h}.{p}.{}", std_alphabet(s)),
        format!("{h}.{p}.{s}+"),
        format!("{h}.{p}.{s}/"),
    ];
    for token in &variants {
        if token == &good {
            continue;
        }
        assert_eq!(w.kind(token), ErrorKind::Malformed, "{token:?}");
    }
    // Non-zero trailing bits: the same bytes spelled another way.
    let mut raw = String::from(r#"{"alg":"HS256","kid":"HS256-key","typ":"at+jwt"}"#);
    while b64(&raw).len() % 4 != 2 {
        raw.insert(1, ' '); // make the last quantum carry 4 spare bits
    }
    let header = b64(&raw);
    let mut chars: Vec<char> = header.chars().collect();
    let last = chars.last_mut().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let i = alphabet.find(*last).unwrap();
    *last = alphabet.chars().nth(i | 1).unwrap();
    let mangled: String = chars.into_iter().collect();
    assert_ne!(mangled, header);
    let input = format!("{mangled}.{}", b64(w.claims().to_string()));
    let sig = w.key.sign(input.as_bytes()).unwrap();
    assert_eq!(
        w.kind(&format!("{input}.{}", b64(sig))),
        ErrorKind::Malformed
    );
}

#[test]
fn wrong_segment_count_and_json_serialization() {
    let w = World::new(Algorithm::HS256);
    let good = w.good_token();
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let json_serialization = json!({"payload": p, "protected": h, "signature": s}).to_string();
    let flattened = json!({"payload": p, "signatures": [{"protected": h, "signature": s}]});
    for token in [
        String::new(),
        ".".into(),
        "..".into(),
        "...".into(),
        h.to_owned(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{p}.{s}."),
        format!("{h}.{p}.{s}.{p}.{s}"),
        json_serialization,
        flattened.to_string(),
    ] {
        let kind = w.kind(&token);
        assert!(
            matches!(kind, ErrorKind::Malformed | ErrorKind::InvalidSignature),
            "{token:?}: {kind:?}"
        );
    }
    // An empty header segment is not a JSON object.
    assert_eq!(w.kind(&format!(".{p}.{s}")), ErrorKind::Malformed);
}

#[test]
fn duplicate_json_members_in_header_or_claims() {
    let w = World::new(Algorithm::HS256);
    let kid = w.key.kid();
    let claims = w.claims().to_string();
    let dup_headers = [
        format!(r#"{{"alg":"HS256","alg":"HS256","kid":"{kid}","typ":"at+jwt"}}"#),
        format!(r#"{{"alg":"HS256","kid":"{kid}","kid":"{kid}","typ":"at+jwt"}}"#),
        format!(r#"{{"alg":"HS256","kid":"{kid}","typ":"JWT","typ":"at+jwt"}}"#),
        format!(r#"{{"alg":"HS256","kid":"{kid}","typ":"at+jwt","t\u0079p":"at+jwt"}}"#),
    ];
    for header in dup_headers {
        assert_eq!(
            w.kind(&sign_raw(&w.key, &header, &claims)),
            ErrorKind::Malformed,
            "{header}"
        );
    }
    let header = w.header().to_string();
    let now = w.now();
    let dup_claims = [
        format!(
            r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"admin","sub":"user-1","iat":{now},"exp":{}}}"#,
            now + 60
        ),
        format!(
            r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"u","iat":{now},"exp":1,"exp":{}}}"#,
            now + 60
        ),
        format!(
            r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"u","iat":{now},"exp":{},"x":{{"a":1,"a":2}}}}"#,
            now + 60
        ),
    ];
    for claims in dup_claims {
        assert_eq!(
            w.kind(&sign_raw(&w.key, &header, &claims)),
            ErrorKind::Malformed,
            "{claims}"
        );
    }
}

/// Header and claims are parsed from one UTF-8 check of the whole segment: a signed token
/// whose JSON strings hold bytes that are not UTF-8 (a lone continuation byte, an overlong
/// encoding, a surrogate encoded directly) is malformed, in the header or in the claims.
#[test]
fn json_that_is_not_utf8_in_header_or_claims() {
    let w = World::new(Algorithm::HS256);
    let kid = w.key.kid();
    let header = w.header().to_string();
    let now = w.now();
    for bad in [&b"\x80"[..], b"\xc0\xaf", b"\xed\xa0\x80", b"\xff"] {
        let mut claims = format!(r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"u"#).into_bytes();
        claims.extend_from_slice(bad);
        claims.extend_from_slice(format!(r#"","iat":{now},"exp":{}}}"#, now + 60).as_bytes());
        assert_eq!(
            w.kind(&sign_raw(&w.key, &header, &claims)),
            ErrorKind::Malformed,
            "claims with {bad:?}"
        );
        let mut bad_header =
            format!(r#"{{"alg":"HS256","kid":"{kid}","typ":"at+jwt","x":""#).into_bytes();
        bad_header.extend_from_slice(bad);
        bad_header.extend_from_slice(b"\"}");
        assert_eq!(
            w.kind(&sign_raw(&w.key, &bad_header, w.claims().to_string())),
            ErrorKind::Malformed,
            "header with {bad:?}"
        );
    }
    // The same tokens with the bytes spelled as JSON escapes of valid characters verify.
    let claims = format!(
        r#"{{"iss":"{ISS}","aud":"{AUD}","sub":"u\u00e9","iat":{now},"exp":{}}}"#,
        now + 60
    );
    assert!(
        w.verifier
            .verify_sync(&sign_raw(&w.key, &header, &claims))
            .is_ok()
    );
}

#[test]
fn oversized_token_rejected_before_decoding() {
    let w = World::new(Algorithm::HS256);
    // Not even base64: if anything were decoded first, this would be Malformed.
    // The default limit is 8 KiB.
    let junk = "!".repeat(8 * 1024 + 1);
    assert_eq!(w.kind(&junk), ErrorKind::TooLarge);
    let mut claims = w.claims();
    claims["pad"] = json!("x".repeat(10_000));
    assert_eq!(w.kind(&w.token(&w.header(), &claims)), ErrorKind::TooLarge);
    // A smaller configured limit applies too.
    let small = World::with_verifier(Algorithm::HS256, |b| b.with_max_token_len(300));
    let mut claims = small.claims();
    claims["pad"] = json!("x".repeat(200));
    assert_eq!(
        small.kind(&small.token(&small.header(), &claims)),
        ErrorKind::TooLarge
    );
}
