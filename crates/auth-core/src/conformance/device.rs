//! The checks on the device a session was logged in from: stored by create, set by the
//! changes of a login (rotation), kept by every save that does not carry one, and listed.

#![allow(clippy::missing_panics_doc, missing_docs, clippy::unwrap_used)]

use super::checks::{create_with, new_key, record};
use crate::{
    Clock, Device, Identity, ManualClock, SaveOutcome, SessionChanges, SessionKey, SessionStore,
    Touch,
};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// A device whose user agent is as long as a device keeps, with multi-byte characters, and
/// an IPv6 address: the awkward case for every codec.
fn awkward_device() -> Device {
    let user_agent = format!(
        "Mozilla/5.0 (X11; Linux x86_64) ünïcödé {}",
        "é".repeat(200)
    );
    Device::new()
        .with_user_agent(&user_agent)
        .with_address("2001:db8::7".parse().unwrap())
}

fn laptop() -> Device {
    Device::new()
        .with_user_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")
        .with_address("203.0.113.7".parse().unwrap())
}

fn phone() -> Device {
    Device::new()
        .with_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1")
}

async fn device_of<S: SessionStore + ?Sized>(store: &S, key: &SessionKey) -> Option<Device> {
    store
        .load(key)
        .await
        .unwrap()
        .expect("the session is live")
        .device
}

pub async fn device_round_trips_and_saves_without_one_keep_it<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let anonymous = create_with(&*store, &record(&clock)).await;
    assert_eq!(
        device_of(&*store, &anonymous).await,
        None,
        "a record created without a device loads without one"
    );

    let mut r = record(&clock);
    r.identity = Some(Identity::new("grace"));
    r.device = Some(awkward_device());
    let key = create_with(&*store, &r).await;
    assert_eq!(
        store.load(&key).await.unwrap().expect("created"),
        r,
        "a record with a device loads exactly as created"
    );

    // Everything a request can write besides a login: values, a touch, a logout that keeps
    // the session.
    let mut values = SessionChanges::default();
    values.insert("cart".into(), json!([1, 2]));
    values.remove("missing".into());
    clock.advance(Duration::from_secs(90));
    let touch = SessionChanges {
        touch: Some(Touch::new(
            clock.now(),
            clock.now().saturating_add(Duration::from_secs(30 * 60)),
        )),
        ..SessionChanges::default()
    };
    let logout = SessionChanges {
        identity: Some(None),
        ..SessionChanges::default()
    };
    for changes in [values, touch, logout] {
        assert!(matches!(
            store.save(&key, &changes).await.unwrap(),
            SaveOutcome::Saved { .. }
        ));
        assert_eq!(
            device_of(&*store, &key).await,
            Some(awkward_device()),
            "a save without a device keeps the recorded one: {changes:?}"
        );
    }

    let relogin = SessionChanges {
        device: Some(laptop()),
        ..SessionChanges::default()
    };
    store.save(&key, &relogin).await.unwrap();
    let loaded = store.load(&key).await.unwrap().unwrap();
    assert_eq!(
        loaded.device,
        Some(laptop()),
        "a save with a device replaces it"
    );
    assert_eq!(loaded.values["cart"], json!([1, 2]), "and nothing else");
}

pub async fn login_rotation_records_the_device_and_lists_it<S: SessionStore + ?Sized>(
    store: Arc<S>,
    clock: Arc<ManualClock>,
) {
    let subject = format!("heidi-{}", new_key().to_hex());
    let mut cart = record(&clock);
    cart.values.insert("cart".into(), json!("kept"));
    let anonymous = create_with(&*store, &cart).await;
    let login = |device: Option<Device>| SessionChanges {
        identity: Some(Some(Identity::new(subject.clone()))),
        device,
        ..SessionChanges::default()
    };

    let first = new_key();
    let rotated = store
        .rotate(&anonymous, &first, &login(Some(laptop())))
        .await
        .unwrap()
        .expect("the anonymous session existed");
    assert_eq!(rotated.device, Some(laptop()), "rotate returns the device");
    assert_eq!(device_of(&*store, &first).await, Some(laptop()));
    assert_eq!(rotated.values["cart"], json!("kept"));

    let second = new_key();
    store
        .rotate(&first, &second, &login(None))
        .await
        .unwrap()
        .expect("live");
    assert_eq!(
        device_of(&*store, &second).await,
        Some(laptop()),
        "a rotation without a device keeps the recorded one"
    );

    clock.advance(Duration::from_millis(10));
    let mut other = record(&clock);
    other.identity = Some(Identity::new(subject.clone()));
    let other_key = create_with(&*store, &other).await;
    let third = new_key();
    store
        .rotate(&other_key, &third, &login(Some(phone())))
        .await
        .unwrap()
        .expect("live");

    let listed: Vec<_> = store
        .list_subject(&subject)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.key, e.record.device))
        .collect();
    assert_eq!(
        listed,
        vec![(second, Some(laptop())), (third, Some(phone()))],
        "list_subject carries each session's device"
    );
}
