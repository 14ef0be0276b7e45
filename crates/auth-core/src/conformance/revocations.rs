//! The revocation list contract on what one subject can add: every list (memory, Redis,
//! PostgreSQL) runs these checks unchanged, through
//! [`revocations_conformance!`](crate::revocations_conformance).
//!
//! Lists are judged by the wall clock here (the shared ones prune by their server's clock).

#![allow(clippy::missing_panics_doc, clippy::unwrap_used)]

use crate::{Clock, Revocation, RevocationProbe, Revocations, SessionKey, SystemClock, Timestamp};
use async_trait::async_trait;
use std::time::Duration;

/// A revocation list under test, with the views the checks need.
/// Its futures need not be `Send` (a test awaits them in place).
#[async_trait(?Send)]
pub trait ListUnderTest: Revocations + Sized {
    /// Revocations naming `subject` that this instance holds in memory.
    fn held_for(&self, subject: &str) -> usize;
    /// Revocations naming `subject` in the shared store (the snapshot every instance loads).
    async fn stored_for(&self, subject: &str) -> usize;
    /// Another instance on the same shared list (it loads the snapshot as it starts).
    async fn another_instance(&self) -> Self;
}

/// The per-subject threshold the lists under test are built with (a small one, so the checks
/// collapse often and run fast; the default is [`DEFAULT_SESSIONS_PER_SUBJECT`](crate::DEFAULT_SESSIONS_PER_SUBJECT)).
pub const SUITE_SESSIONS_PER_SUBJECT: usize = 64;

/// Expand the suite into one `#[tokio::test]` per check. `$make` is an async factory
/// `|| async { list }` of a fresh list with a per-subject threshold of
/// [`SUITE_SESSIONS_PER_SUBJECT`]; add
/// `ignore = "needs ..."` for a list on a service.
#[macro_export]
macro_rules! revocations_conformance {
    (@checks $($callback:ident)::+ ! ($($args:tt)*)) => {
        $($callback)::+ !($($args)*;
            a_login_logout_loop_leaves_at_most_threshold_plus_one_entries_per_subject,
            a_session_revoked_after_the_collapse_stays_revoked,
            session_revocations_without_a_subject_are_never_collapsed,
        );
    };
    (@tests $attrs:tt $make:expr; $($check:ident),* $(,)?) => {
        $( $crate::revocations_conformance!(@test $attrs $make; $check); )*
    };
    (@test [$(#[$attr:meta])*] $make:expr; $check:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        $(#[$attr])*
        async fn $check() {
            let list = ($make)().await;
            $crate::conformance::revocations::$check(list).await;
        }
    };
    ($make:expr, ignore = $reason:literal $(,)?) => {
        $crate::revocations_conformance!(
            @checks $crate::revocations_conformance!(@tests [#[ignore = $reason]] $make)
        );
    };
    ($make:expr $(,)?) => {
        $crate::revocations_conformance!(
            @checks $crate::revocations_conformance!(@tests [] $make)
        );
    };
}

/// A subject no other run uses (shared stores may be reused between runs).
fn unique_subject(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{what}-{nanos:x}")
}

fn key(n: u32, salt: &str) -> SessionKey {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{salt}/{n}").as_bytes());
    let mut bytes = [0u8; 32];
    bytes.copy_from_slice(&digest);
    SessionKey::from_bytes(bytes)
}

fn now() -> Timestamp {
    SystemClock.now()
}

/// A credential minted from session `key` of `subject` at `at` (an access token or a refresh
/// family: both are probed with their session, subject and issue time).
fn minted<'a>(subject: &'a str, key: &'a SessionKey, at: Timestamp) -> RevocationProbe<'a> {
    RevocationProbe {
        session: Some(key),
        token_id: None,
        subject: Some(subject),
        issued_at: Some(at),
    }
}

async fn wait_for(what: &str, f: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{what}: not within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Finding 5 of the second security review: a login/logout loop added one 30-day entry per
/// logout, without bound, to the store and to every instance's memory. 1,000 session
/// revocations of one subject leave at most threshold + 1 entries naming it, in the store and
/// in every instance (one connected before, one after); every credential minted from those
/// sessions is still revoked; a login after the last collapse works.
pub async fn a_login_logout_loop_leaves_at_most_threshold_plus_one_entries_per_subject<
    L: ListUnderTest,
>(
    list: L,
) {
    let bound = SUITE_SESSIONS_PER_SUBJECT + 1;
    let subject = unique_subject("loop");
    let bystander = unique_subject("bystander");
    let other = key(0, &bystander);
    let peer = list.another_instance().await;
    list.revoke(Revocation::session_of(bystander.as_str(), other, now()))
        .await
        .unwrap();
    let mut minted_at = Vec::with_capacity(1000);
    for i in 0..1000 {
        // Log in (a credential is minted), log out (the session is revoked).
        minted_at.push(now());
        list.revoke(Revocation::session_of(
            subject.as_str(),
            key(i, &subject),
            now(),
        ))
        .await
        .unwrap();
        let held = list.held_for(&subject);
        assert!(
            held <= bound,
            "after {} logouts this instance holds {held}",
            i + 1
        );
    }
    let stored = list.stored_for(&subject).await;
    assert!(
        stored <= bound,
        "the store holds {stored} entries of the subject"
    );
    wait_for("the peer drops the collapsed entries", || {
        peer.held_for(&subject) <= bound
    })
    .await;
    let late = list.another_instance().await;
    let held = late.held_for(&subject);
    assert!(held <= bound, "an instance started later loads {held}");
    for instance in [&list, &peer, &late] {
        wait_for("the last revocation reaches every instance", || {
            instance
                .is_revoked(&minted(&subject, &key(999, &subject), minted_at[999]))
                .unwrap_or(false)
        })
        .await;
        for (i, at) in minted_at.iter().enumerate() {
            let k = key(u32::try_from(i).unwrap_or(u32::MAX), &subject);
            assert!(
                instance.is_revoked(&minted(&subject, &k, *at)).unwrap(),
                "the credential of session {i} came back to life"
            );
        }
        assert!(
            instance
                .is_revoked(&minted(&bystander, &other, minted_at[0]))
                .unwrap(),
            "another subject's revocation is untouched"
        );
    }
    // Log in again, after the last collapse: the new credential works everywhere.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let fresh = key(5_000, &subject);
    let login = now();
    for instance in [&list, &peer, &late] {
        assert!(
            !instance
                .is_revoked(&minted(&subject, &fresh, login))
                .unwrap(),
            "a login after the collapse is refused"
        );
    }
}

/// A session revoked after a collapse (its watermark is older) stays revoked, in this instance
/// and in the store: the collapse only ever drops entries revoked before its watermark.
pub async fn a_session_revoked_after_the_collapse_stays_revoked<L: ListUnderTest>(list: L) {
    let subject = unique_subject("after");
    for i in 0..=u32::try_from(SUITE_SESSIONS_PER_SUBJECT).unwrap_or(u32::MAX) {
        list.revoke(Revocation::session_of(
            subject.as_str(),
            key(i, &subject),
            now(),
        ))
        .await
        .unwrap();
    }
    assert!(list.held_for(&subject) <= 2, "collapsed");
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A login after the watermark, then its logout.
    let login = now();
    let late = key(10_000, &subject);
    assert!(!list.is_revoked(&minted(&subject, &late, login)).unwrap());
    list.revoke(Revocation::session_of(subject.as_str(), late, now()))
        .await
        .unwrap();
    assert!(
        list.is_revoked(&minted(&subject, &late, login)).unwrap(),
        "the logout after the collapse"
    );
    let fresh = list.another_instance().await;
    assert!(
        fresh.is_revoked(&minted(&subject, &late, login)).unwrap(),
        "the logout after the collapse, in the snapshot"
    );
}

/// A session revocation that names no subject is never collapsed (a watermark could not
/// cover it): each stays, and is found by its session key alone.
pub async fn session_revocations_without_a_subject_are_never_collapsed<L: ListUnderTest>(list: L) {
    let salt = unique_subject("anonymous");
    let n = u32::try_from(SUITE_SESSIONS_PER_SUBJECT).unwrap_or(u32::MAX) + 5;
    for i in 0..n {
        list.revoke(Revocation::session(key(i, &salt), now()))
            .await
            .unwrap();
    }
    for i in 0..n {
        let k = key(i, &salt);
        let probe = RevocationProbe {
            session: Some(&k),
            ..RevocationProbe::default()
        };
        assert!(list.is_revoked(&probe).unwrap(), "session {i}");
    }
}

#[cfg(feature = "memory")]
#[async_trait(?Send)]
impl ListUnderTest for crate::MemoryStore {
    fn held_for(&self, subject: &str) -> usize {
        self.revocations_of(subject)
    }

    async fn stored_for(&self, subject: &str) -> usize {
        self.revocations_of(subject)
    }

    async fn another_instance(&self) -> Self {
        // One process: every handle is the same list.
        self.clone()
    }
}
