//! Debounce and throttle: what each call does, when the trailing run comes,
//! and the end with the scope.

use super::{call, flag};
use crate::machine::effect::Op;
use crate::machine::scope::ScopeSpec;
use crate::machine::slab::Key;
use crate::machine::{Live, Machine};

type Fx = Vec<(u8, f64, f64, f64)>;

fn take(m: &mut Machine) -> Fx {
    let v = m.fx.decoded();
    m.fx.clear();
    v
}

fn ops(fx: &Fx, op: Op) -> Vec<(f64, f64)> {
    fx.iter()
        .filter(|e| e.0 == op as u8)
        .map(|e| (e.1, e.2))
        .collect()
}

fn setup(flags: u32, ms: f64) -> (Machine, Key, Key) {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    let k = m.rate_new(s, flags | flag::MS, ms).unwrap();
    m.fx.clear();
    (m, s, k)
}

/// The window timer set by the effects.
fn timer(fx: &Fx) -> f64 {
    let set = ops(fx, Op::TimerSet);
    assert_eq!(set.len(), 1, "{fx:?}");
    set[0].0
}

#[test]
fn debounce_runs_once_wait_ms_after_the_last_call() {
    let (mut m, s, k) = setup(0, 100.0);
    assert_eq!(m.rate_call(k), call::JOIN);
    let t1 = timer(&take(&mut m));
    assert_eq!(m.rate_call(k), call::JOIN);
    let fx = take(&mut m);
    assert_eq!(ops(&fx, Op::TimerClear), vec![(t1, 0.0)], "restarted");
    let t2 = timer(&fx);
    m.timer_fired(t1, 100.0); // stale: nothing
    assert!(m.fx.is_empty());
    m.timer_fired(t2, 200.0);
    assert_eq!(ops(&take(&mut m), Op::RateFire), vec![(k.to_f64(), 0.0)]);
    assert_eq!(m.live().timers, 0, "the window closed");
    assert!(m.scope_dispose(s));
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn debounce_leading_runs_the_first_call_and_a_lone_call_only_once() {
    let flags = flag::LEADING_GIVEN | flag::LEADING;
    let (mut m, _s, k) = setup(flags, 50.0);
    assert_eq!(m.rate_call(k), call::RUN);
    let t = timer(&take(&mut m));
    m.timer_fired(t, 50.0);
    assert!(
        ops(&take(&mut m), Op::RateFire).is_empty(),
        "nothing left for the trailing run"
    );
    // Two calls: the first leads, the second trails.
    assert_eq!(m.rate_call(k), call::RUN);
    assert_eq!(m.rate_call(k), call::JOIN);
    let fx = take(&mut m);
    let t = ops(&fx, Op::TimerSet).last().unwrap().0; // restarted by the second call
    m.timer_fired(t, 200.0);
    assert_eq!(ops(&take(&mut m), Op::RateFire).len(), 1);
    // Leading only: calls in the window are dropped and keep it open.
    let (mut m, _s, k) = setup(flags | flag::TRAILING_GIVEN, 50.0);
    assert_eq!(m.rate_call(k), call::RUN);
    assert_eq!(m.rate_call(k), call::DROP);
    assert_eq!(
        ops(&take(&mut m), Op::TimerSet).len(),
        2,
        "restarted by the dropped call"
    );
}

#[test]
fn throttle_runs_the_first_call_and_at_most_once_per_interval() {
    let (mut m, _s, k) = setup(flag::THROTTLE, 100.0);
    assert_eq!(m.rate_call(k), call::RUN);
    let t = timer(&take(&mut m));
    assert_eq!(m.rate_call(k), call::DROP, "2.x's default: no trailing run");
    assert!(take(&mut m).is_empty(), "the window is not restarted");
    m.timer_fired(t, 100.0);
    assert!(take(&mut m).is_empty());
    assert_eq!(m.rate_call(k), call::RUN);
}

#[test]
fn throttle_with_trailing_runs_the_batch_at_the_window_s_end_and_reopens_it() {
    let flags = flag::THROTTLE | flag::TRAILING_GIVEN | flag::TRAILING;
    let (mut m, _s, k) = setup(flags, 100.0);
    assert_eq!(m.rate_call(k), call::RUN);
    let t = timer(&take(&mut m));
    assert_eq!(m.rate_call(k), call::JOIN);
    assert_eq!(m.rate_call(k), call::JOIN);
    m.timer_fired(t, 100.0);
    let fx = take(&mut m);
    assert_eq!(ops(&fx, Op::RateFire).len(), 1);
    let t = timer(&fx);
    assert_eq!(m.rate_call(k), call::JOIN, "inside the new window");
    m.timer_fired(t, 200.0);
    let fx = take(&mut m);
    assert_eq!(ops(&fx, Op::RateFire).len(), 1);
    let t = timer(&fx);
    m.timer_fired(t, 300.0);
    assert!(
        take(&mut m).is_empty(),
        "nothing pending: the window closes"
    );
    assert_eq!(m.rate_call(k), call::RUN);
}

#[test]
fn the_scope_s_end_ends_a_pending_batch_with_its_reason() {
    let (mut m, s, k) = setup(0, 100.0);
    assert_eq!(m.rate_call(k), call::JOIN);
    take(&mut m);
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    let end = ops(&fx, Op::RateEnd);
    assert_eq!(end.len(), 1);
    assert!(end[0].1 >= 0.0);
    assert!(
        ops(&fx, Op::RateFire).is_empty(),
        "the pending call is dropped"
    );
    assert_eq!(m.live(), Live::default());
    assert_eq!(m.rate_call(k), call::GONE);
    assert_eq!(
        m.rate_new(s, 0, 0.0).unwrap_err().message,
        super::ON_DISPOSED
    );
}

#[test]
fn bad_wait_and_a_cancelled_scope() {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let e = m.rate_new(s, flag::MS, bad).unwrap_err();
        assert_eq!(e.message, super::WAIT);
        let e = m.rate_new(s, flag::MS | flag::THROTTLE, bad).unwrap_err();
        assert_eq!(e.message, super::INTERVAL);
    }
    let l = m.link(None, true);
    let s2 = m.scope_new(None, Some(l), ScopeSpec::default()).unwrap();
    take(&mut m);
    let k = m.rate_new(s2, 0, 0.0).unwrap();
    assert_eq!(ops(&take(&mut m), Op::RateEnd).len(), 1);
    assert_eq!(m.rate_call(k), call::GONE);
    assert!(m.scope_dispose(s));
    assert!(m.scope_dispose(s2));
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}
