//! The set's own tests: collapse by watermark, order independence, pruning.

use super::*;

fn t(ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(ms)
}

#[test]
fn checks_each_target() {
    let key = SessionKey::from_bytes([7; 32]);
    let mut set = RevocationSet::new();
    assert!(set.insert(&Revocation::session(key, t(100))));
    assert!(set.insert(&Revocation::token("j1", t(100))));
    assert!(set.insert(&Revocation::subject_before("u", t(50), t(100))));
    assert!(set.contains(&RevocationProbe {
        session: Some(&key),
        ..Default::default()
    }));
    assert!(set.contains(&RevocationProbe {
        token_id: Some("j1"),
        ..Default::default()
    }));
    assert!(!set.contains(&RevocationProbe {
        token_id: Some("j2"),
        ..Default::default()
    }));
    let old = RevocationProbe {
        subject: Some("u"),
        issued_at: Some(t(49)),
        ..Default::default()
    };
    let new = RevocationProbe {
        subject: Some("u"),
        issued_at: Some(t(50)),
        ..Default::default()
    };
    assert!(set.contains(&old));
    assert!(!set.contains(&new));
    assert_eq!(set.len(), 3);
}

#[test]
fn session_and_subject_revocations_are_kept_for_the_horizon_tokens_as_given() {
    let key = SessionKey::from_bytes([3; 32]);
    let horizon = Duration::from_secs(30 * 24 * 3600);
    let now = t(1_000);
    let far = now.saturating_add(horizon);
    assert_eq!(
        Revocation::session(key, t(2_000))
            .retained(now, horizon)
            .expires_at,
        far
    );
    assert_eq!(
        Revocation::subject_before("u", now, t(2_000))
            .retained(now, horizon)
            .expires_at,
        far
    );
    let later = far.saturating_add(Duration::from_secs(1));
    assert_eq!(
        Revocation::session(key, later)
            .retained(now, horizon)
            .expires_at,
        later
    );
    assert_eq!(
        Revocation::token("j", t(2_000))
            .retained(now, horizon)
            .expires_at,
        t(2_000)
    );
}

#[test]
fn prune_forgets_only_what_expired_and_watermarks_only_move_forward() {
    let mut set = RevocationSet::new();
    set.insert(&Revocation::token("a", t(10)));
    set.insert(&Revocation::token("b", t(20)));
    set.insert(&Revocation::subject_before("u", t(5), t(10)));
    set.insert(&Revocation::subject_before("u", t(3), t(30)));
    assert!(
        !set.insert(&Revocation::token("b", t(15))),
        "a shorter expiry changes nothing"
    );
    assert_eq!(set.prune(t(10)), 1);
    assert_eq!(set.len(), 2);
    let p = RevocationProbe {
        subject: Some("u"),
        issued_at: Some(t(4)),
        ..Default::default()
    };
    assert!(set.contains(&p), "watermark stayed at the later time");
    assert_eq!(set.prune(t(30)), 2);
    assert!(set.is_empty());
    assert_eq!(set.entries().len(), 0);
}

const H: Duration = Duration::from_secs(1000);

fn key(i: u32) -> SessionKey {
    let mut b = [0u8; 32];
    b[..4].copy_from_slice(&i.to_be_bytes());
    SessionKey::from_bytes(b)
}

fn minted(key: &SessionKey, at: Timestamp) -> RevocationProbe<'_> {
    RevocationProbe {
        session: Some(key),
        subject: Some("u"),
        issued_at: Some(at),
        ..Default::default()
    }
}

/// Finding 5 of the second review: one entry per logout, for 30 days, on every instance.
#[test]
fn a_subjects_watermark_drops_the_session_entries_it_covers_and_only_those() {
    let mut set = RevocationSet::with_horizon(H);
    for i in 0..10 {
        let at = t(1_000 + i64::from(i));
        set.insert(&Revocation::session_of("u", key(i), at.saturating_add(H)).retained(at, H));
    }
    // A session of someone else, and one of "u" revoked after the watermark.
    set.insert(&Revocation::session_of(
        "v",
        key(100),
        t(1_005).saturating_add(H),
    ));
    set.insert(&Revocation::session_of(
        "u",
        key(101),
        t(2_000).saturating_add(H),
    ));
    assert_eq!(set.sessions_of("u"), 11);
    assert!(set.insert(&Revocation::subject_before(
        "u",
        t(1_010),
        t(1_010).saturating_add(H)
    )));
    assert_eq!(set.sessions_of("u"), 1, "the later entry stays");
    assert_eq!(set.sessions_of("v"), 1);
    assert_eq!(set.len(), 3);
    for i in 0..10 {
        assert!(
            set.contains(&minted(&key(i), t(999))),
            "still revoked through the watermark"
        );
    }
    assert!(set.contains(&minted(&key(101), t(1_500))));
    assert!(
        !set.contains(&minted(&key(200), t(1_010))),
        "a login after the watermark"
    );
    // A covered entry arriving late (a buffered message after a snapshot) is not added back.
    assert!(!set.insert(&Revocation::session_of(
        "u",
        key(3),
        t(1_003).saturating_add(H)
    )));
    assert_eq!(set.len(), 3);
    // Expiry of everything: nothing left in the index either.
    set.prune(
        t(1_010)
            .saturating_add(H)
            .saturating_add(Duration::from_secs(5_000)),
    );
    assert!(set.is_empty());
    assert_eq!(set.sessions_of("u"), 0);
}

#[test]
fn the_result_does_not_depend_on_the_order_entries_arrive_in() {
    let mut entries: Vec<Revocation> = (0..20)
        .map(|i| Revocation::session_of("u", key(i), t(100 * i64::from(i)).saturating_add(H)))
        .collect();
    entries.push(Revocation::subject_before(
        "u",
        t(1_000),
        t(1_000).saturating_add(H),
    ));
    entries.push(Revocation::subject_before(
        "u",
        t(500),
        t(500).saturating_add(H),
    ));
    let mut reference: Option<Vec<String>> = None;
    for rotation in 0..entries.len() {
        let mut set = RevocationSet::with_horizon(H);
        for e in entries.iter().cycle().skip(rotation).take(entries.len()) {
            set.insert(e);
        }
        let mut got: Vec<String> = set
            .entries()
            .iter()
            .map(|e| serde_json::to_string(e).unwrap())
            .collect();
        got.sort();
        assert_eq!(
            got.len(),
            1 + 10,
            "the watermark and the entries revoked at or after it"
        );
        match &reference {
            None => reference = Some(got),
            Some(r) => assert_eq!(&got, r, "rotation {rotation}"),
        }
    }
}

#[test]
fn a_set_without_a_horizon_or_an_entry_without_a_subject_is_never_collapsed() {
    let mut set = RevocationSet::new();
    set.insert(&Revocation::session_of("u", key(1), t(10)));
    set.insert(&Revocation::subject_before("u", t(1_000), t(2_000)));
    assert_eq!(set.len(), 2);
    assert!(set.collapse_if_over("u", 0, t(5)).is_none());
    let mut set = RevocationSet::with_horizon(H);
    set.insert(&Revocation::session(key(1), t(10)));
    set.insert(&Revocation::subject_before("u", t(1_000), t(2_000)));
    assert_eq!(set.len(), 2);
}

#[test]
fn collapse_happens_past_the_threshold_and_covers_this_millisecond() {
    let mut set = RevocationSet::with_horizon(H);
    let now = t(5_000);
    for i in 0..3 {
        set.insert(&Revocation::session_of("u", key(i), now).retained(now, H));
    }
    assert!(set.collapse_if_over("u", 3, now).is_none());
    set.insert(&Revocation::session_of("u", key(3), now).retained(now, H));
    let w = set.collapse_if_over("u", 3, now).unwrap();
    assert_eq!(
        w,
        Revocation::subject_before("u", t(5_001), t(5_001).saturating_add(H))
    );
    assert_eq!(set.len(), 1);
    assert!(set.contains(&minted(&key(0), now)));
    assert!(!set.contains(&minted(&key(9), t(5_001))));
}
