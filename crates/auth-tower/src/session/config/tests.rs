use super::*;
use auth_core::{ErrorKind, MemoryStore};

fn builder() -> SessionLayerBuilder {
    SessionLayerBuilder::new(Arc::new(MemoryStore::new()))
}

#[test]
fn refuses_bad_configuration_at_build_time() {
    let cases = [
        builder().with_cookie_name(""),
        builder().with_cookie_name("has space"),
        builder().with_cookie_name("__Host-x"),
        builder().with_idle_timeout(Duration::ZERO),
        builder().with_anonymous_idle_timeout(Duration::ZERO),
        builder()
            .with_idle_timeout(Duration::from_secs(100))
            .with_absolute_timeout(Duration::from_secs(10)),
        builder().with_touch_interval(DEFAULT_IDLE_TIMEOUT),
        builder().with_allowed_origin("example.com"),
        builder().with_client_ip_header("x forwarded for"),
        builder().with_client_ip_header(""),
        builder().with_client_ip_header_hops("x-forwarded-for", 0),
    ];
    for b in cases {
        let dbg = format!("{b:?}");
        let err = b.build().expect_err(&dbg);
        assert_eq!(err.kind(), ErrorKind::Config);
    }
}

#[test]
fn secure_by_default() {
    let layer = builder().build().unwrap();
    let c = &layer.config().cookie;
    assert_eq!(c.name, "__Host-session");
    assert!(c.secure);
    assert_eq!(c.max_age, None);
    let dev = builder()
        .with_insecure_dev_cookie()
        .with_cookie_name("sid")
        .build()
        .unwrap();
    assert_eq!(dev.config().cookie.name, "sid");
    assert!(!dev.config().cookie.secure);
    assert!(layer.config().cross_site.enabled);
}
