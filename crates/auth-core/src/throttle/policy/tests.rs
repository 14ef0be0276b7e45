use super::*;

const MS: Duration = Duration::from_millis(1);

fn policy() -> ThrottlePolicy {
    ThrottlePolicy::per_account()
        .with_free_failures(3)
        .with_base_delay(100 * MS)
        .with_max_delay(1000 * MS)
        .with_forget_after(5000 * MS)
}

/// Book an attempt at `now` and confirm it failed.
fn attempt_fails(p: &ThrottlePolicy, s: &mut ThrottleState, now: Timestamp) -> Verdict {
    assert!(p.check(s, now).is_allowed(), "{s:?}");
    p.fail(s, now)
}

#[test]
fn backoff_doubles_from_the_free_failures_on() {
    let p = policy();
    let delays: Vec<u128> = (1..=7).map(|n| p.delay_after(n).as_millis()).collect();
    assert_eq!(delays, [0, 0, 100, 200, 400, 800, 1000]);
    let t0 = Timestamp::from_unix_millis(1_000_000);
    let mut s = ThrottleState::default();
    assert_eq!(attempt_fails(&p, &mut s, t0), Verdict::Allowed);
    assert_eq!(attempt_fails(&p, &mut s, t0), Verdict::Allowed);
    assert_eq!(attempt_fails(&p, &mut s, t0), Verdict::RetryAfter(100 * MS));
    assert_eq!(
        p.check(&mut s, t0.saturating_add(40 * MS)),
        Verdict::RetryAfter(60 * MS)
    );
}

#[test]
fn a_burst_of_checks_lets_through_only_the_free_attempts() {
    // Nothing is confirmed yet: every check books, so the third locks the key.
    let p = policy();
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    let allowed = (0..200)
        .filter(|_| p.check(&mut s, t0).is_allowed())
        .count();
    assert_eq!(allowed, 3);
    assert_eq!(s.failures, 3);
    assert_eq!(s.locked_until, t0.saturating_add(100 * MS));
}

#[test]
fn a_slow_failure_locks_from_when_it_failed() {
    let p = policy();
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    for _ in 0..3 {
        assert!(p.check(&mut s, t0).is_allowed());
    }
    // The third attempt's password check took 80 ms: the lock runs from its failure.
    let t1 = t0.saturating_add(80 * MS);
    assert_eq!(p.fail(&mut s, t1), Verdict::RetryAfter(100 * MS));
    assert_eq!(s.failures, 3, "a confirmed failure is not counted twice");
    // A failure on a key reset since its check changes nothing.
    let mut reset = ThrottleState::default();
    assert_eq!(p.fail(&mut reset, t1), Verdict::Allowed);
    assert_eq!(reset, ThrottleState::default());
}

#[test]
fn a_release_gives_the_slot_back_and_lifts_only_a_lock_nothing_earns() {
    let p = policy();
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    for _ in 0..3 {
        assert!(p.check(&mut s, t0).is_allowed());
    }
    assert!(!p.check(&mut s, t0).is_allowed());
    p.release(&mut s);
    assert_eq!(s.failures, 2);
    assert!(p.check(&mut s, t0).is_allowed(), "the slot is free again");
    // Past the free attempts, a release keeps the lock the remaining count earns.
    assert!(p.check(&mut s, t0.saturating_add(100 * MS)).is_allowed());
    let locked = s.locked_until;
    p.release(&mut s);
    assert_eq!((s.failures, s.locked_until), (3, locked));
    // Releasing everything leaves nothing to remember.
    for _ in 0..5 {
        p.release(&mut s);
    }
    assert_eq!(s, ThrottleState::default());
}

#[test]
fn the_lock_is_capped_whatever_the_count() {
    let p = policy();
    assert_eq!(p.delay_after(u32::MAX), 1000 * MS);
    assert_eq!(p.delay_after(40), 1000 * MS);
    let huge = policy().with_max_delay(Duration::MAX);
    assert_eq!(huge.delay_after(u32::MAX), Duration::MAX);
    let t = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState {
        failures: u32::MAX - 1,
        locked_until: t,
    };
    assert!(p.check(&mut s, t).is_allowed());
    assert_eq!(p.fail(&mut s, t), Verdict::RetryAfter(1000 * MS));
    let later = t.saturating_add(1000 * MS);
    assert!(
        p.check(&mut s, later).is_allowed(),
        "after the cap has passed"
    );
    assert_eq!(s.failures, u32::MAX, "saturates");
    assert_eq!(p.fail(&mut s, later), Verdict::RetryAfter(1000 * MS));
}

#[test]
fn refused_attempts_do_not_extend_the_lock() {
    let p = policy();
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    for _ in 0..3 {
        attempt_fails(&p, &mut s, t0);
    }
    for ms in [10, 50, 99] {
        let v = p.check(&mut s, t0.saturating_add(ms * MS));
        assert_eq!(v, Verdict::RetryAfter((100 - ms) * MS));
    }
    assert_eq!(s.failures, 3);
}

#[test]
fn an_allowed_attempt_in_backoff_books_the_next_lock() {
    let p = policy();
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    for _ in 0..3 {
        attempt_fails(&p, &mut s, t0);
    }
    let t1 = t0.saturating_add(100 * MS);
    assert!(p.check(&mut s, t1).is_allowed());
    assert_eq!(
        p.check(&mut s, t1),
        Verdict::RetryAfter(200 * MS),
        "a concurrent attempt waits"
    );
}

#[test]
fn zero_free_failures_is_one_attempt_then_a_lock() {
    let p = policy().with_free_failures(0);
    assert!(p.validate().is_ok());
    assert_eq!(p.delay_after(1), 100 * MS);
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    assert!(p.check(&mut s, t0).is_allowed());
    assert_eq!(p.check(&mut s, t0), Verdict::RetryAfter(100 * MS));
}

#[test]
fn a_key_expires_after_its_lock_plus_the_forget_period() {
    let p = policy();
    let t0 = Timestamp::from_unix_millis(0);
    let mut s = ThrottleState::default();
    assert_eq!(p.expires_at(&s, t0), t0.saturating_add(5000 * MS));
    for _ in 0..4 {
        p.check(&mut s, t0);
        p.fail(&mut s, t0);
    }
    assert_eq!(s.failures, 3, "the fourth was refused");
    assert_eq!(p.expires_at(&s, t0), t0.saturating_add(5100 * MS));
}

#[test]
fn unworkable_policies_are_refused() {
    assert!(ThrottlePolicy::per_account().validate().is_ok());
    assert!(ThrottlePolicy::per_address().validate().is_ok());
    assert!(policy().with_base_delay(Duration::ZERO).validate().is_err());
    assert!(
        policy()
            .with_forget_after(Duration::ZERO)
            .validate()
            .is_err()
    );
    assert!(policy().with_max_delay(10 * MS).validate().is_err());
    assert_eq!(
        Verdict::Allowed.max(Verdict::RetryAfter(MS)),
        Verdict::RetryAfter(MS)
    );
    assert_eq!(
        Verdict::RetryAfter(2 * MS).max(Verdict::RetryAfter(MS)),
        Verdict::RetryAfter(2 * MS)
    );
}
