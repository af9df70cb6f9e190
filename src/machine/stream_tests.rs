//! The stream machine driven by command/event sequences: the abort-vs-item
//! race, cleanup exactly once, release on close, and a property test over
//! random interleavings.
use super::*;
use crate::machine::scope::ScopeSpec;
use crate::machine::Live;

const ABANDON: u8 = Op::StreamAbandon as u8;
const CLEANUP: u8 = Op::StreamCleanup as u8;
const END: u8 = Op::StreamEnd as u8;
const UNLINK: u8 = Op::Unlink as u8;

fn take(m: &mut Machine) -> Vec<(u8, f64, f64, f64)> {
    let fx = m.fx.decoded();
    m.fx.clear();
    fx
}

/// The effects of the stream primitive only (and `Unlink`).
fn mine(fx: &[(u8, f64, f64, f64)]) -> Vec<(u8, f64, f64)> {
    fx.iter()
        .filter(|e| matches!(e.0, ABANDON | CLEANUP | END | UNLINK))
        .map(|e| (e.0, e.1, e.2))
        .collect()
}

fn go(n: Next) -> u32 {
    match n {
        Next::Go(s) => s,
        other => panic!("expected Go, got {other:?}"),
    }
}

#[test]
fn items_flow_and_close_cleans_up_once_and_releases() {
    let mut m = Machine::new();
    let k = m.stream_open(None, None).unwrap();
    assert_eq!(take(&mut m), vec![]);
    assert_eq!(m.live().streams, 1);
    let s1 = go(m.stream_next(k));
    assert!(m.stream_item(k, s1));
    assert!(!m.stream_item(k, s1), "one answer per next()");
    let s2 = go(m.stream_next(k));
    assert_ne!(s1, s2);
    assert!(!m.stream_item(k, s1), "an old serial is stale");
    assert!(m.stream_item(k, s2));
    m.stream_close(k);
    let kf = k.to_f64();
    assert_eq!(
        mine(&take(&mut m)),
        vec![(CLEANUP, kf, -1.0), (END, kf, 0.0)]
    );
    assert_eq!(m.live(), Live::default());
    // Everything after the close is stale.
    assert_eq!(m.stream_next(k), Next::Done);
    m.stream_close(k);
    assert_eq!(take(&mut m), vec![]);
}

#[test]
fn abort_abandons_the_pending_next_at_once_and_the_late_item_is_dropped() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let k = m.stream_open(None, Some(l)).unwrap();
    take(&mut m);
    let serial = go(m.stream_next(k));
    m.link_aborted(l.to_f64());
    let fx = take(&mut m);
    let r = m.stream_reason(k).expect("aborted");
    let (kf, rf) = (k.to_f64(), r.to_f64());
    assert_eq!(mine(&fx), vec![(CLEANUP, kf, rf), (ABANDON, kf, rf)]);
    assert!(!m.stream_item(k, serial), "the item lost the race");
    assert_eq!(m.stream_next(k), Next::Aborted(r));
    assert_eq!(m.stream_next(k), Next::Aborted(r), "every later next()");
    m.stream_close(k);
    assert_eq!(
        mine(&take(&mut m)),
        vec![(END, kf, 0.0), (UNLINK, l.to_f64(), 0.0)],
        "no second cleanup"
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn abort_while_the_loop_body_runs_cleans_up_and_the_next_step_throws() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let k = m.stream_open(None, Some(l)).unwrap();
    let s = go(m.stream_next(k));
    assert!(m.stream_item(k, s));
    take(&mut m);
    m.link_aborted(l.to_f64());
    let r = m.stream_reason(k).unwrap();
    assert_eq!(
        mine(&take(&mut m)),
        vec![(CLEANUP, k.to_f64(), r.to_f64())],
        "nothing pending: nothing to abandon"
    );
    assert_eq!(m.stream_next(k), Next::Aborted(r));
    m.stream_close(k);
    take(&mut m);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn born_aborted_cleans_up_at_open() {
    let mut m = Machine::new();
    let l = m.link(None, true);
    take(&mut m);
    let k = m.stream_open(None, Some(l)).unwrap();
    let r = m.stream_reason(k).unwrap();
    assert_eq!(mine(&take(&mut m)), vec![(CLEANUP, k.to_f64(), r.to_f64())]);
    assert_eq!(m.stream_next(k), Next::Aborted(r));
    m.stream_close(k);
    assert_eq!(
        mine(&take(&mut m)),
        vec![(END, k.to_f64(), 0.0), (UNLINK, l.to_f64(), 0.0)]
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn abort_after_close_does_nothing() {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    let k = m.stream_open(Some(s), None).unwrap();
    go(m.stream_next(k));
    m.stream_close(k);
    take(&mut m);
    assert!(m.scope_dispose(s));
    assert_eq!(mine(&take(&mut m)), vec![]);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn scope_disposal_abandons_with_the_scope_reason_and_a_gone_scope_opens_nothing() {
    let mut m = Machine::new();
    let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
    let k = m.stream_open(Some(s), None).unwrap();
    go(m.stream_next(k));
    take(&mut m);
    assert!(m.scope_dispose(s));
    let fx = take(&mut m);
    let r = m.stream_reason(k).unwrap();
    assert_eq!(
        mine(&fx),
        vec![
            (CLEANUP, k.to_f64(), r.to_f64()),
            (ABANDON, k.to_f64(), r.to_f64())
        ]
    );
    // The reason outlives the scope while the stream holds it.
    assert!(m.reasons.contains(r));
    m.stream_close(k);
    take(&mut m);
    assert_eq!(m.live(), Live::default());
    assert_eq!(m.stream_open(Some(s), None), None);
    assert_eq!(m.live(), Live::default());
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Act {
        Next,
        /// The source answers the oldest call it was asked.
        Answer,
        Abort,
        Close,
    }

    /// What aborts the stream.
    #[derive(Copy, Clone)]
    enum By {
        Scope(Key),
        Link(Key),
    }

    fn act() -> impl Strategy<Value = Act> {
        prop_oneof![
            4 => Just(Act::Next),
            4 => Just(Act::Answer),
            1 => Just(Act::Abort),
            1 => Just(Act::Close),
        ]
    }

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        /// Whatever the order of items, aborts and the close: every
        /// `next()` is settled exactly once (by its item, or abandoned), the
        /// source is cleaned up exactly once, and nothing is left.
        #[test]
        fn settles_every_next_once_and_cleans_up_once(
            scoped in any::<bool>(),
            acts in prop::collection::vec(act(), 0..60),
        ) {
            let mut m = Machine::new();
            let (k, by) = if scoped {
                let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
                (m.stream_open(Some(s), None).unwrap(), By::Scope(s))
            } else {
                let l = m.link(None, false);
                (m.stream_open(None, Some(l)).unwrap(), By::Link(l))
            };
            let abort = |m: &mut Machine| match by {
                By::Scope(s) => {
                    m.scope_dispose(s);
                }
                By::Link(l) => m.link_aborted(l.to_f64()),
            };
            // The generator's view: the serial it waits for, if any.
            let mut pending: Option<u32> = None;
            // Source calls not answered yet.
            let mut asked: Vec<u32> = Vec::new();
            let mut cleanups = 0;
            let mut closed = false;
            let mut aborted = false;
            let apply = |m: &mut Machine, pending: &mut Option<u32>, cleanups: &mut u32| {
                for (op, a, b, _) in take(m) {
                    if a != k.to_f64() { continue; }
                    match op {
                        CLEANUP => *cleanups += 1,
                        ABANDON => {
                            assert!(pending.take().is_some(), "abandon only a pending next()");
                            assert!(b >= 0.0, "abandoned with the reason");
                        }
                        _ => {}
                    }
                }
            };
            for a in acts {
                if closed { break; }
                match a {
                    // The async generator serialises its next() calls.
                    Act::Next if pending.is_none() => match m.stream_next(k) {
                        Next::Go(s) => { prop_assert!(!aborted); pending = Some(s); asked.push(s); }
                        Next::Aborted(_) => prop_assert!(aborted),
                        Next::Done => prop_assert!(false, "done before the close"),
                    },
                    Act::Next => {}
                    Act::Answer => {
                        if !asked.is_empty() {
                            let s = asked.remove(0);
                            if m.stream_item(k, s) {
                                prop_assert_eq!(pending, Some(s));
                                prop_assert!(!aborted, "an item after the abort");
                                pending = None;
                            }
                        }
                    }
                    Act::Abort => { abort(&mut m); aborted = true; }
                    Act::Close if pending.is_none() => { m.stream_close(k); closed = true; }
                    Act::Close => {}
                }
                apply(&mut m, &mut pending, &mut cleanups);
                prop_assert!(cleanups <= 1);
            }
            if !closed {
                if pending.is_some() { abort(&mut m); apply(&mut m, &mut pending, &mut cleanups); }
                m.stream_close(k);
                apply(&mut m, &mut pending, &mut cleanups);
            }
            prop_assert_eq!(cleanups, 1);
            prop_assert!(pending.is_none());
            abort(&mut m);
            take(&mut m);
            // A scoped run leaves its scope disposed; a linked one its
            // link gone.
            prop_assert_eq!(m.live(), Live::default());
        }
    }
}
