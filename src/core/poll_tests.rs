use super::*;

fn wait(step: Step) -> (f64, u64) {
    match step {
        Step::Wait { delay, seq } => (delay, seq),
        other => panic!("expected Wait, got {other:?}"),
    }
}

#[test]
fn immediate_start_calls_now_then_waits_interval_after_the_end() {
    let mut p = PollCore::new(100.0, true);
    assert_eq!(p.start(0.0), Step::CallNow);
    assert!(p.begin_call(0.0));
    let s = p.status(10.0);
    assert_eq!(s.poll_count, 1);
    assert_eq!(s.last_poll_time, Some(0.0));
    assert_eq!(s.time_until_next, 90.0);
    // The call took 250 ms: the next one is 100 ms after its end.
    let (delay, seq) = wait(p.finish_call(250.0, false));
    assert_eq!(delay, 100.0);
    assert_eq!(p.status(250.0).next_poll_time, Some(350.0));
    assert_eq!(p.timer_fired(seq), Step::CallNow);
    assert!(p.begin_call(350.0));
    assert_eq!(p.status(350.0).poll_count, 2);
}

#[test]
fn immediate_launch_calls_now() {
    let mut p = PollCore::new(50.0, true);
    assert_eq!(p.launch(0.0), Step::CallNow);
    assert!(p.status(0.0).running);
}

#[test]
fn not_immediate_launch_stays_stopped_until_start() {
    let mut p = PollCore::new(50.0, false);
    assert_eq!(p.launch(0.0), Step::Idle);
    let s = p.status(10.0);
    assert!(!s.running);
    assert_eq!(s.poll_count, 0);
    assert_eq!(s.time_until_next, 0.0);
    assert_eq!(s.next_poll_time, None);
    assert!(!p.begin_call(10.0), "a stopped poll never calls");
}

#[test]
fn not_immediate_start_calls_after_interval() {
    let mut p = PollCore::new(50.0, false);
    assert_eq!(p.launch(0.0), Step::Idle);
    let (delay, seq) = wait(p.start(0.0));
    assert_eq!(delay, 50.0);
    let s = p.status(0.0);
    assert!(s.running);
    assert_eq!(s.poll_count, 0);
    assert_eq!(s.time_until_next, 50.0);
    assert_eq!(s.next_poll_time, Some(50.0));
    assert_eq!(s.last_poll_time, None);
    assert_eq!(p.timer_fired(seq), Step::CallNow);
}

#[test]
fn no_overlap_while_a_call_is_in_flight() {
    let mut p = PollCore::new(10.0, true);
    assert_eq!(p.start(0.0), Step::CallNow);
    assert!(p.begin_call(0.0));
    assert!(!p.begin_call(1.0), "a second call must wait for the first");
    // stop + start while in flight: nothing now, the end schedules.
    p.stop();
    assert_eq!(p.start(2.0), Step::Idle);
    assert!(p.is_in_flight());
    let (delay, _) = wait(p.finish_call(30.0, false));
    assert_eq!(delay, 10.0);
    assert_eq!(p.status(30.0).poll_count, 1);
}

#[test]
fn stale_timer_after_stop_never_calls() {
    let mut p = PollCore::new(10.0, false);
    let (_, old) = wait(p.start(0.0));
    p.stop();
    assert_eq!(p.timer_fired(old), Step::Idle);
    let (_, new) = wait(p.start(5.0));
    assert_eq!(
        p.timer_fired(old),
        Step::Idle,
        "only the current timer counts"
    );
    assert_eq!(p.timer_fired(new), Step::CallNow);
    assert_eq!(p.timer_fired(new), Step::Idle, "a timer fires once");
}

#[test]
fn stopped_poll_reports_zero_until_next_and_no_next_time() {
    let mut p = PollCore::new(10.0, true);
    p.start(0.0);
    p.begin_call(0.0);
    p.finish_call(1.0, false);
    p.stop();
    let s = p.status(2.0);
    assert!(!s.running);
    assert_eq!(s.time_until_next, 0.0);
    assert_eq!(s.next_poll_time, None);
    assert_eq!(s.last_poll_time, Some(0.0));
    assert_eq!(
        p.start(3.0),
        Step::CallNow,
        "restart with immediate calls now"
    );
    assert_eq!(p.start(3.0), Step::Idle, "start while running is a no-op");
}

#[test]
fn failures_are_counted_and_polling_goes_on() {
    let mut p = PollCore::new(10.0, true);
    p.start(0.0);
    p.begin_call(0.0);
    assert!(matches!(p.finish_call(1.0, true), Step::Wait { .. }));
    assert_eq!(p.failures(), 1);
}

#[test]
fn killed_is_final() {
    let mut p = PollCore::new(10.0, true);
    p.start(0.0);
    p.begin_call(0.0);
    p.kill();
    assert!(p.is_dead());
    assert_eq!(p.finish_call(5.0, false), Step::Idle);
    assert_eq!(p.start(6.0), Step::Idle);
    assert!(!p.begin_call(7.0));
    let s = p.status(8.0);
    assert!(!s.running);
    assert_eq!(s.poll_count, 1);
}

#[test]
fn finish_without_a_call_is_ignored() {
    let mut p = PollCore::new(10.0, true);
    assert_eq!(p.finish_call(0.0, false), Step::Idle);
    assert_eq!(p.failures(), 0);
}

#[test]
fn interval_validation() {
    assert_eq!(interval_ms(20.0), Ok(20.0));
    assert_eq!(interval_ms(0.5), Ok(0.5));
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = interval_ms(bad).unwrap_err();
        assert!(e.is_range());
        assert!(e.to_string().starts_with("interval must be"), "{e}");
    }
}
