#![no_main]
//! SessionId / SessionKey parsers: never panic, and accept only canonical forms.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = auth_core::SessionId::parse(s) {
        assert_eq!(
            id.expose_cookie_value(),
            s,
            "only the canonical spelling parses"
        );
    }
    if let Ok(key) = auth_core::SessionKey::from_hex(s) {
        assert!(key.to_hex().eq_ignore_ascii_case(s));
    }
});
