//! `s.delay(ms)`: ends with its timer or its scope, once, releasing all.

use crate::machine::effect::Op;
use crate::machine::scope::ScopeSpec;
use crate::machine::slab::Key;
use crate::machine::sleep::Begun;
use crate::machine::{Live, Machine};

fn take(m: &mut Machine) -> Vec<(u8, f64, f64, f64)> {
    let v = m.fx.decoded();
    m.fx.clear();
    v
}

fn find(fx: &[(u8, f64, f64, f64)], op: Op) -> Vec<(f64, f64, f64)> {
    fx.iter()
        .filter(|e| e.0 == op as u8)
        .map(|e| (e.1, e.2, e.3))
        .collect()
}

fn scope(m: &mut Machine) -> Key {
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    m.fx.clear();
    s
}

fn sleeping(b: Begun) -> Key {
    match b {
        Begun::Sleeping(k) => k,
        Begun::Gone => panic!("the scope is open"),
    }
}

#[test]
fn the_timer_ends_it_with_no_reason_and_everything_is_released() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let k = sleeping(m.sleep_new(s, 25.0).unwrap());
    let fx = take(&mut m);
    let set = find(&fx, Op::TimerSet);
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].1, 25.0);
    assert!(find(&fx, Op::SleepDone).is_empty());
    assert_eq!(m.live().sleeps, 1);
    m.timer_fired(set[0].0, 25.0);
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::SleepDone), vec![(k.to_f64(), -1.0, 0.0)]);
    // A second firing (stale) changes nothing.
    m.timer_fired(set[0].0, 26.0);
    assert!(m.fx.is_empty());
    assert!(m.scope_dispose(s));
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn the_scope_s_disposal_ends_it_with_the_reason_and_clears_the_timer() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let k = sleeping(m.sleep_new(s, 1000.0).unwrap());
    let timer = find(&take(&mut m), Op::TimerSet)[0].0;
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    let done = find(&fx, Op::SleepDone);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, k.to_f64());
    let reason = find(&fx, Op::Reason)[0].0;
    assert_eq!(done[0].1, reason, "rejected with the scope's reason");
    assert_eq!(find(&fx, Op::TimerClear), vec![(timer, 0.0, 0.0)]);
    let at = |op: Op| fx.iter().position(|e| e.0 == op as u8);
    assert!(
        at(Op::SleepDone) < at(Op::ReasonFree),
        "the reason is read before it is freed: {fx:?}"
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_cancelled_scope_ends_it_at_once_and_a_gone_scope_is_refused() {
    let mut m = Machine::new();
    let s = m
        .scope_new(
            None,
            None,
            ScopeSpec {
                timeout: Some(10.0),
                ..ScopeSpec::default()
            },
        )
        .unwrap();
    let timer = find(&take(&mut m), Op::TimerSet)[0].0;
    m.timer_fired(timer, 10.0);
    take(&mut m);
    let k = sleeping(m.sleep_new(s, 5.0).unwrap());
    let fx = take(&mut m);
    assert!(
        find(&fx, Op::TimerSet).is_empty(),
        "no timer for a sleep born over: {fx:?}"
    );
    let done = find(&fx, Op::SleepDone);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, k.to_f64());
    assert!(done[0].1 >= 0.0, "the timeout's reason");
    assert_eq!(m.live().sleeps, 0);
    assert!(m.scope_dispose(s));
    take(&mut m);
    assert_eq!(m.sleep_new(s, 5.0), Ok(Begun::Gone));
    assert!(m.fx.is_empty());
    assert_eq!(m.live(), Live::default());
}

#[test]
fn infinity_sets_no_timer_and_bad_durations_change_nothing() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    sleeping(m.sleep_new(s, f64::INFINITY).unwrap());
    assert!(find(&take(&mut m), Op::TimerSet).is_empty());
    for bad in [-1.0, f64::NAN, f64::NEG_INFINITY] {
        let f = m.sleep_new(s, bad).unwrap_err();
        assert!(f.message.starts_with("delay: ms must be"), "{}", f.message);
        assert!(m.fx.is_empty());
    }
    assert_eq!(m.live().sleeps, 1);
    assert!(m.scope_dispose(s));
    assert_eq!(find(&take(&mut m), Op::SleepDone).len(), 1);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_sleep_in_a_child_scope_ends_when_the_parent_is_disposed() {
    let mut m = Machine::new();
    let p = scope(&mut m);
    let c = m.scope_new(Some(p), None, ScopeSpec::default()).unwrap();
    m.fx.clear();
    sleeping(m.sleep_new(c, 0.0).unwrap());
    take(&mut m);
    assert!(m.scope_dispose(p));
    assert_eq!(find(&take(&mut m), Op::SleepDone).len(), 1);
    assert_eq!(m.live().sleeps, 0);
    // The child is aborted, not disposed (as in 1.0): its owner ends it.
    assert!(m.scope_dispose(c));
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_dropped_sleep_releases_everything_and_ends_silently() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let k = sleeping(m.sleep_new(s, 50.0).unwrap());
    let timer = find(&take(&mut m), Op::TimerSet)[0].0;
    m.sleep_drop(k);
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::TimerClear), vec![(timer, 0.0, 0.0)]);
    assert!(find(&fx, Op::SleepDone).is_empty());
    m.sleep_drop(k); // twice: nothing
    assert!(m.fx.is_empty());
    assert!(m.scope_dispose(s));
    assert!(find(&take(&mut m), Op::SleepDone).is_empty());
    assert_eq!(m.live(), Live::default());
}
