use super::*;

fn limits() -> Deadlines {
    Deadlines {
        idle: Duration::from_secs(300),
        line: Duration::from_secs(60),
        transfer_idle: Duration::from_secs(600),
        transfer_grace: Duration::from_secs(30),
        min_rate: 1024,
        lifetime: Duration::from_secs(3600),
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_trickled_line_ends_at_its_first_byte_plus_the_line_limit() {
    let t0 = Instant::now();
    let mut clock = SessionClock::new(limits(), t0);
    clock.enter(Phase::Idle(0), t0);
    assert_eq!(clock.deadline(), (t0 + secs(300), Expired::Idle));
    clock.enter(Phase::Line(0), t0 + secs(10));
    for n in 11..69 {
        // One byte a second: the same line, so the deadline does not move.
        clock.received(1, t0 + secs(n));
        clock.enter(Phase::Line(0), t0 + secs(n));
        assert_eq!(clock.deadline(), (t0 + secs(70), Expired::Line));
    }
}

#[test]
fn a_complete_command_starts_a_new_idle_wait() {
    let t0 = Instant::now();
    let mut clock = SessionClock::new(limits(), t0);
    clock.enter(Phase::Idle(0), t0);
    clock.enter(Phase::Idle(1), t0 + secs(200));
    assert_eq!(clock.deadline(), (t0 + secs(500), Expired::Idle));
    clock.enter(Phase::Line(1), t0 + secs(201));
    clock.enter(Phase::Line(2), t0 + secs(202));
    assert_eq!(
        clock.deadline(),
        (t0 + secs(262), Expired::Line),
        "a new line has its own clock"
    );
}

#[test]
fn a_transfer_must_keep_the_minimum_rate_after_the_grace() {
    let t0 = Instant::now();
    let mut clock = SessionClock::new(limits(), t0);
    clock.enter(Phase::Transfer(3), t0);
    assert_eq!(clock.deadline(), (t0 + secs(30), Expired::TooSlow));
    // 10 KiB earn 10 s beyond the grace; a byte a second earns almost nothing.
    clock.received(10 * 1024, t0 + secs(1));
    assert_eq!(clock.deadline(), (t0 + secs(40), Expired::TooSlow));
    for n in 2..39 {
        clock.received(1, t0 + secs(n));
    }
    let (at, why) = clock.deadline();
    assert_eq!(why, Expired::TooSlow);
    assert!(at < t0 + secs(41), "{:?}", at - t0);
}

#[test]
fn a_stalled_transfer_ends_at_the_transfer_idle_limit_even_with_credit() {
    let t0 = Instant::now();
    let mut clock = SessionClock::new(limits(), t0);
    clock.enter(Phase::Transfer(1), t0);
    clock.received(10 * 1024 * 1024, t0 + secs(1));
    assert_eq!(clock.deadline(), (t0 + secs(601), Expired::Idle));
}

#[test]
fn the_lifetime_caps_everything_and_grows_with_content_moved() {
    let t0 = Instant::now();
    let mut clock = SessionClock::new(limits(), t0);
    clock.enter(Phase::Idle(40), t0 + secs(3500));
    assert_eq!(clock.deadline(), (t0 + secs(3600), Expired::Lifetime));
    clock.credit(1024 * 100);
    assert_eq!(clock.lifetime_end(), t0 + secs(3700));
    assert_eq!(clock.deadline(), (t0 + secs(3700), Expired::Lifetime));
}

#[test]
fn without_a_rate_only_the_idle_limits_apply_to_transfers_and_writes() {
    let t0 = Instant::now();
    let l = Deadlines {
        min_rate: 0,
        ..limits()
    };
    let mut clock = SessionClock::new(l, t0);
    clock.enter(Phase::Transfer(1), t0);
    assert_eq!(clock.deadline(), (t0 + secs(600), Expired::Idle));
    assert_eq!(l.allowance(1 << 30), Duration::ZERO);
    assert_eq!(l.write_deadline(1 << 30, t0), t0 + secs(600));
}

#[test]
fn writes_get_the_grace_plus_their_size_at_the_minimum_rate() {
    let t0 = Instant::now();
    let l = limits();
    assert_eq!(l.write_deadline(0, t0), t0 + secs(30));
    assert_eq!(l.write_deadline(1024 * 1024, t0), t0 + secs(30 + 1024));
    assert_eq!(l.allowance(512), Duration::from_millis(500));
}
