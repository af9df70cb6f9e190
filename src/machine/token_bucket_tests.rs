//! Token buckets: refill by the clock, FIFO waiters, a refill timer only
//! while someone waits, timeouts, signals, and the end with the scope.

use super::{Acquired, ENDED, GRANTED};
use crate::machine::effect::Op;
use crate::machine::fail::FailKind;
use crate::machine::scope::ScopeSpec;
use crate::machine::slab::Key;
use crate::machine::{Live, Machine};

type Fx = Vec<(u8, f64, f64, f64)>;

fn take(m: &mut Machine) -> Fx {
    let v = m.fx.decoded();
    m.fx.clear();
    v
}

fn find(fx: &Fx, op: Op) -> Vec<(f64, f64)> {
    fx.iter()
        .filter(|e| e.0 == op as u8)
        .map(|e| (e.1, e.2))
        .collect()
}

fn waiting(a: Acquired) -> Key {
    match a {
        Acquired::Waiting(w) => w,
        other => panic!("expected a waiter, got {other:?}"),
    }
}

/// The one refill timer set by the last effects: `(timer, ms)`.
fn refill_timer(fx: &Fx) -> (f64, f64) {
    let set = find(fx, Op::TimerSet);
    assert_eq!(set.len(), 1, "{fx:?}");
    set[0]
}

#[test]
fn bad_options_and_token_counts_are_range_errors() {
    let mut m = Machine::new();
    for (c, r, i) in [
        (0.0, 1.0, None),
        (f64::NAN, 1.0, None),
        (-1.0, 1.0, None),
        (5.0, -1.0, None),
        (5.0, f64::INFINITY, None),
        (5.0, f64::NAN, None),
        (5.0, 1.0, Some(6.0)),
        (5.0, 1.0, Some(-0.5)),
        (5.0, 1.0, Some(f64::NAN)),
    ] {
        let e = m.tb_new(None, c, r, i, 0.0).unwrap_err();
        assert_eq!(e.kind, FailKind::RangeError, "{c} {r} {i:?}");
    }
    assert_eq!(m.live(), Live::default());
    let b = m.tb_new(None, 5.0, 1.0, None, 0.0).unwrap();
    for n in [-1.0, 5.5, f64::NAN, f64::INFINITY] {
        assert_eq!(
            m.tb_try(b, n, 0.0).unwrap_err().number.to_bits(),
            n.to_bits()
        );
        assert!(m.tb_acquire(b, n, 0.0, None, 0.0).is_err());
    }
    assert!(m.tb_acquire(b, 1.0, -1.0, None, 0.0).is_err());
    assert_eq!(
        m.tb_tokens(b, 0.0),
        Some(5.0),
        "a refused call took nothing"
    );
    assert!(m.fx.is_empty());
}

#[test]
fn tokens_refill_with_the_clock_up_to_the_capacity() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 10.0, 2.0, Some(0.0), 1000.0).unwrap();
    assert_eq!(m.tb_tokens(b, 1000.0), Some(0.0));
    assert_eq!(m.tb_tokens(b, 2000.0), Some(2.0));
    assert_eq!(m.tb_try(b, 3.0, 2000.0), Ok(false));
    assert_eq!(m.tb_try(b, 2.0, 2000.0), Ok(true));
    assert_eq!(
        m.tb_tokens(b, 1500.0),
        Some(0.0),
        "a clock going back adds nothing"
    );
    assert_eq!(m.tb_tokens(b, 60_000.0), Some(10.0));
    assert!(m.fx.is_empty(), "no timer without a waiter");
    m.tb_dispose(b);
    assert_eq!(find(&take(&mut m), Op::BucketEnd), vec![(b.to_f64(), -1.0)]);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_waiter_is_granted_when_its_refill_timer_fires_and_the_timer_goes() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 5.0, 10.0, Some(1.0), 0.0).unwrap();
    assert_eq!(m.tb_acquire(b, 1.0, 0.0, None, 0.0), Ok(Acquired::Granted));
    let w = waiting(m.tb_acquire(b, 3.0, 0.0, None, 0.0).unwrap());
    let (t, ms) = refill_timer(&take(&mut m));
    assert_eq!(ms, 300.0, "3 tokens at 10 per second");
    // A second waiter behind it sets no timer of its own.
    let w2 = waiting(m.tb_acquire(b, 1.0, 0.0, None, 0.0).unwrap());
    assert!(take(&mut m).is_empty());
    assert_eq!(m.tb_waiting(b), 2);
    // Nobody barges: tryAcquire takes nothing while they wait.
    assert_eq!(m.tb_try(b, 0.0, 250.0), Ok(false));
    m.timer_fired(t, 300.0);
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::BucketDone), vec![(w.to_f64(), GRANTED)]);
    let (t2, ms2) = refill_timer(&fx);
    assert_eq!(ms2, 100.0);
    m.timer_fired(t2, 400.0);
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::BucketDone), vec![(w2.to_f64(), GRANTED)]);
    assert!(find(&fx, Op::TimerSet).is_empty(), "nobody waits: no timer");
    assert_eq!(m.live().timers, 0);
    assert_eq!(m.live().bucket_waiters, 0);
    m.tb_dispose(b);
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_timer_that_fires_early_is_set_again_for_the_rest() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 5.0, 1.0, Some(0.0), 0.0).unwrap();
    let w = waiting(m.tb_acquire(b, 2.0, 0.0, None, 0.0).unwrap());
    let (t, ms) = refill_timer(&take(&mut m));
    assert_eq!(ms, 2000.0);
    m.timer_fired(t, 1500.0);
    let fx = take(&mut m);
    assert!(find(&fx, Op::BucketDone).is_empty());
    let (t, ms) = refill_timer(&fx);
    assert_eq!(ms, 500.0);
    m.timer_fired(t, 2000.0);
    assert_eq!(
        find(&take(&mut m), Op::BucketDone),
        vec![(w.to_f64(), GRANTED)]
    );
}

#[test]
fn a_timed_out_waiter_passes_its_turn_on() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 10.0, 1.0, Some(2.0), 0.0).unwrap();
    let big = waiting(m.tb_acquire(b, 8.0, 50.0, None, 0.0).unwrap());
    let fx = take(&mut m);
    let sets = find(&fx, Op::TimerSet);
    assert_eq!(sets.len(), 2, "its timeout and the refill");
    let timeout = sets.iter().find(|s| s.1 == 50.0).unwrap().0;
    let small = waiting(m.tb_acquire(b, 2.0, 0.0, None, 0.0).unwrap());
    take(&mut m);
    m.timer_fired(timeout, 50.0);
    let fx = take(&mut m);
    let done = find(&fx, Op::BucketDone);
    assert_eq!(done.len(), 2, "{fx:?}");
    assert_eq!(done[0].0, big.to_f64());
    assert!(done[0].1 >= 0.0, "rejected with a reason");
    let reason = fx.iter().find(|e| e.0 == Op::Reason as u8).unwrap();
    assert_eq!((reason.2, reason.3), (2.0, 50.0), "timeout after 50ms");
    assert_eq!(
        done[1],
        (small.to_f64(), GRANTED),
        "the one behind it moved up"
    );
    assert_eq!(m.live().timers, 0, "refill timer cleared");
    assert_eq!(m.live().reasons, 0);
}

#[test]
fn a_dropped_waiter_leaves_without_an_effect_and_the_next_moves_up() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 10.0, 0.0, Some(3.0), 0.0).unwrap();
    let big = waiting(m.tb_acquire(b, 5.0, 0.0, None, 0.0).unwrap());
    assert!(take(&mut m).is_empty(), "rate 0: no refill timer");
    let small = waiting(m.tb_acquire(b, 3.0, 0.0, None, 0.0).unwrap());
    m.tb_drop(big);
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::BucketDone), vec![(small.to_f64(), GRANTED)]);
    m.tb_drop(big); // stale: nothing
    assert!(m.fx.is_empty());
    assert_eq!(m.live().bucket_waiters, 0);
}

#[test]
fn reset_fills_the_bucket_and_grants_the_waiters() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 4.0, 0.0, Some(0.0), 0.0).unwrap();
    let a = waiting(m.tb_acquire(b, 3.0, 0.0, None, 0.0).unwrap());
    let c = waiting(m.tb_acquire(b, 2.0, 0.0, None, 0.0).unwrap());
    m.tb_reset(b, 10.0);
    assert_eq!(
        find(&take(&mut m), Op::BucketDone),
        vec![(a.to_f64(), GRANTED)]
    );
    assert_eq!(m.tb_tokens(b, 10.0), Some(1.0));
    m.tb_reset(b, 20.0);
    assert_eq!(
        find(&take(&mut m), Op::BucketDone),
        vec![(c.to_f64(), GRANTED)]
    );
    assert_eq!(m.tb_tokens(b, 20.0), Some(2.0));
}

#[test]
fn the_scope_s_end_rejects_the_waiters_with_its_reason_and_ends_the_bucket() {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    let b = m.tb_new(Some(s), 2.0, 1.0, Some(0.0), 0.0).unwrap();
    let w1 = waiting(m.tb_acquire(b, 1.0, 100.0, None, 0.0).unwrap());
    let w2 = waiting(m.tb_acquire(b, 2.0, 0.0, None, 0.0).unwrap());
    take(&mut m);
    assert_eq!(m.live().buckets, 1);
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    let end = find(&fx, Op::BucketEnd);
    assert_eq!(end.len(), 1);
    assert!(end[0].1 >= 0.0, "the scope's reason");
    let end_at = fx.iter().position(|e| e.0 == Op::BucketEnd as u8).unwrap();
    let done_at = fx.iter().position(|e| e.0 == Op::BucketDone as u8).unwrap();
    assert!(
        end_at < done_at,
        "the reason is kept before the waiters need it"
    );
    assert_eq!(
        find(&fx, Op::BucketDone),
        vec![(w1.to_f64(), ENDED), (w2.to_f64(), ENDED)]
    );
    let free = fx.iter().position(|e| e.0 == Op::ReasonFree as u8);
    assert!(free.is_none_or(|f| f > done_at));
    assert_eq!(m.live(), Live::default());
    // Later calls: gone.
    assert_eq!(m.tb_acquire(b, 1.0, 0.0, None, 0.0), Ok(Acquired::Gone));
    assert_eq!(m.tb_try(b, 1.0, 0.0), Ok(false));
    assert_eq!(m.tb_tokens(b, 0.0), None);
    // A disposed scope refuses a new bucket.
    assert_eq!(
        m.tb_new(Some(s), 1.0, 1.0, None, 0.0).unwrap_err().message,
        super::ON_DISPOSED
    );
}

#[test]
fn a_bucket_on_a_cancelled_scope_is_born_ended() {
    let mut m = Machine::new();
    let l = m.link(None, true);
    let s = m.scope_new(None, Some(l), ScopeSpec::default()).unwrap();
    take(&mut m);
    let b = m.tb_new(Some(s), 2.0, 1.0, None, 0.0).unwrap();
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::BucketEnd).len(), 1);
    assert_eq!(m.tb_acquire(b, 1.0, 0.0, None, 0.0), Ok(Acquired::Gone));
    assert!(m.scope_dispose(s));
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_waiter_s_signal_rejects_it_with_the_signal_s_reason() {
    let mut m = Machine::new();
    let b = m.tb_new(None, 2.0, 0.0, Some(0.0), 0.0).unwrap();
    let l = m.link(None, false);
    take(&mut m);
    let w = waiting(m.tb_acquire(b, 1.0, 0.0, Some(l), 0.0).unwrap());
    assert_eq!(m.live().links, 1);
    m.link_aborted(l.to_f64());
    let fx = take(&mut m);
    let done = find(&fx, Op::BucketDone);
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].0, w.to_f64());
    assert!(done[0].1 >= 0.0);
    assert_eq!(find(&fx, Op::Unlink).len(), 1, "its only user let go");
    assert_eq!(m.live().links, 0);
    assert_eq!(m.live().nodes, 0);
    // An already aborted signal refuses even with tokens there.
    m.tb_reset(b, 0.0);
    let l2 = m.link(None, true);
    take(&mut m);
    let w2 = waiting(m.tb_acquire(b, 1.0, 0.0, Some(l2), 0.0).unwrap());
    let fx = take(&mut m);
    assert_eq!(find(&fx, Op::BucketDone)[0].0, w2.to_f64());
    assert_eq!(m.tb_tokens(b, 0.0), Some(2.0));
    // A granted acquire with a signal does not keep the link.
    let l3 = m.link(None, false);
    assert_eq!(
        m.tb_acquire(b, 1.0, 0.0, Some(l3), 0.0),
        Ok(Acquired::Granted)
    );
    take(&mut m);
    m.tb_dispose(b);
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn infinite_capacity_and_long_waits_are_handled() {
    let mut m = Machine::new();
    let b = m.tb_new(None, f64::INFINITY, 1.0, Some(0.0), 0.0).unwrap();
    assert_eq!(
        m.tb_acquire(b, 1e6, 0.0, None, 0.0)
            .map(|a| matches!(a, Acquired::Waiting(_))),
        Ok(true)
    );
    let (_, ms) = refill_timer(&take(&mut m));
    assert_eq!(ms, 1e9, "a million tokens at 1 per second");
    let b2 = m.tb_new(None, 1e300, 1e-300, Some(0.0), 0.0).unwrap();
    let _ = m.tb_acquire(b2, 1.0, 0.0, None, 0.0).unwrap();
    let (_, ms) = refill_timer(&take(&mut m));
    assert_eq!(
        ms,
        super::MAX_TIMER_MS,
        "clamped: it fires, finds too few, sets again"
    );
    let full = m.tb_new(None, f64::INFINITY, 0.0, None, 0.0).unwrap();
    assert_eq!(m.tb_try(full, 1e300, 0.0), Ok(true));
    assert_eq!(m.tb_tokens(full, 0.0), Some(f64::INFINITY));
}
