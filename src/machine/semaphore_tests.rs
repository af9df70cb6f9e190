//! The semaphore machine driven by commands and events.
use super::*;
use crate::machine::effect::Op;
use crate::machine::{FailKind, Live};

fn drain_all(m: &mut Machine, k: Key) -> (Vec<(u8, u32)>, f64) {
    let mut out = Vec::new();
    loop {
        let r = m.sem_drain(k);
        if r < 0.0 {
            return (out, r);
        }
        let kind = r % drained::KINDS;
        out.push((kind as u8, ((r - kind) / drained::KINDS) as u32));
    }
}

/// `sem_acquire` as JS does it: on `GROW`, reserve and ask again.
fn acquire(m: &mut Machine, s: Key) -> f64 {
    let r = m.sem_acquire(s);
    if r != ret::GROW {
        return r;
    }
    m.sem_reserve(s);
    let again = m.sem_acquire(s);
    assert_ne!(again, ret::GROW, "reserve makes room");
    again
}

fn ops(m: &Machine) -> Vec<u8> {
    m.fx.decoded().iter().map(|e| e.0).collect()
}

#[test]
fn permits_go_to_waiters_in_fifo_order_without_barging() {
    let mut m = Machine::new();
    let s = m.sem_new(None, 2.0).unwrap();
    assert_eq!(acquire(&mut m, s), ret::GRANTED);
    assert_eq!(acquire(&mut m, s), ret::GRANTED);
    assert_eq!(m.sem_available(s), Some(0.0));
    let a = acquire(&mut m, s);
    let b = acquire(&mut m, s);
    assert!(a >= 0.0 && b >= 0.0 && a != b);
    assert_eq!(m.sem_waiting(s), 2);
    // A release passes the permit to the oldest waiter, not to `available`.
    assert_eq!(m.sem_release(s), a);
    assert_eq!(m.sem_available(s), Some(0.0));
    // A newcomer queues behind the remaining waiter.
    let c = acquire(&mut m, s);
    assert_eq!(m.sem_release(s), b);
    assert_eq!(m.sem_release(s), c);
    assert_eq!(m.sem_release(s), ret::NONE);
    assert_eq!(m.sem_release(s), ret::NONE);
    assert_eq!(m.sem_available(s), Some(2.0));
    assert_eq!(m.sem_waiting(s), 0);
    assert_eq!(m.live().semaphore_slots, 0);
    // An extra release never makes more permits than there are.
    assert_eq!(m.sem_release(s), ret::NONE);
    assert_eq!(m.sem_available(s), Some(2.0));
    assert_eq!(m.sem_total(s), Some(2.0));
    assert!(m.fx.is_empty());
}

#[test]
fn permits_are_an_integer_from_1_to_2_pow_32_or_infinity() {
    let mut m = Machine::new();
    for bad in [0.0, -1.0, 1.5, f64::NAN, f64::NEG_INFINITY, 4_294_967_297.0] {
        let e = m.sem_new(None, bad).unwrap_err();
        assert_eq!((e.kind, e.message), (FailKind::RangeError, PERMITS));
        assert_eq!(m.live(), Live::default());
    }
    let big = m.sem_new(None, 4_294_967_296.0).unwrap();
    assert_eq!(m.sem_total(big), Some(4_294_967_296.0));
    assert_eq!(acquire(&mut m, big), ret::GRANTED);
    assert_eq!(m.sem_available(big), Some(4_294_967_295.0));
    let inf = m.sem_new(None, f64::INFINITY).unwrap();
    for _ in 0..100 {
        assert_eq!(acquire(&mut m, inf), ret::GRANTED);
    }
    assert_eq!(m.sem_available(inf), Some(f64::INFINITY));
    assert_eq!(m.sem_total(inf), Some(f64::INFINITY));
    assert_eq!(m.sem_waiting(inf), 0);
}

#[test]
fn a_signal_abort_rejects_waiters_with_its_reason_and_the_last_release_ends_it() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let s = m.sem_new(Some(l), 1.0).unwrap();
    assert_eq!(acquire(&mut m, s), ret::GRANTED);
    let w1 = acquire(&mut m, s) as u32;
    let w2 = acquire(&mut m, s) as u32;
    m.fx.clear();
    m.link_aborted(l.to_f64());
    assert!(ops(&m).contains(&(Op::SemAborted as u8)));
    let reason = m.sem_reason(s).unwrap().unwrap();
    assert_eq!(
        acquire(&mut m, s),
        ret::NONE,
        "nothing is granted after an abort"
    );
    assert_eq!(
        drain_all(&mut m, s),
        (
            vec![(drained::REASON as u8, w1), (drained::REASON as u8, w2)],
            drained::EMPTY
        ),
        "the holder's permit keeps the record"
    );
    assert_eq!(m.sem_available(s), Some(0.0));
    m.fx.clear();
    assert_eq!(m.sem_release(s), ret::NONE);
    assert_eq!(
        m.fx.decoded(),
        vec![(Op::ReasonFree as u8, reason.to_f64(), 0.0, 0.0)]
    );
    assert_eq!(m.sem_available(s), None, "ended");
    assert_eq!(m.sem_release(s), ret::NONE, "a stale key changes nothing");
    assert_eq!(m.live(), Live::default());
}

#[test]
fn dispose_rejects_waiters_and_ends_an_idle_semaphore() {
    let mut m = Machine::new();
    let s = m.sem_new(None, 1.0).unwrap();
    assert_eq!(acquire(&mut m, s), ret::GRANTED);
    let w = acquire(&mut m, s) as u32;
    m.sem_dispose(s);
    m.sem_dispose(s);
    assert_eq!(ops(&m), vec![Op::SemAborted as u8], "announced once");
    assert_eq!(m.sem_reason(s), Some(None));
    assert_eq!(
        drain_all(&mut m, s),
        (vec![(drained::REASON as u8, w)], drained::EMPTY)
    );
    assert_eq!(m.sem_release(s), ret::NONE);
    assert_eq!(m.live(), Live::default());

    // Idle at the abort: the drain ends it.
    let t = m.sem_new(None, 3.0).unwrap();
    m.sem_dispose(t);
    assert_eq!(drain_all(&mut m, t), (vec![], drained::ENDED));
    assert_eq!(m.live(), Live::default());
}

#[test]
fn an_aborted_signal_gives_a_semaphore_born_aborted_and_links_are_released() {
    let mut m = Machine::new();
    let l = m.link(None, true);
    m.fx.clear();
    let s = m.sem_new(Some(l), 1.0).unwrap();
    assert_eq!(ops(&m), vec![Op::Unlink as u8, Op::SemAborted as u8]);
    assert_eq!(acquire(&mut m, s), ret::NONE);
    assert!(m.sem_reason(s).unwrap().is_some());
    assert_eq!(drain_all(&mut m, s), (vec![], drained::ENDED));
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_collected_semaphore_forgets_its_waiters() {
    let mut m = Machine::new();
    let s = m.sem_new(None, 1.0).unwrap();
    assert_eq!(acquire(&mut m, s), ret::GRANTED);
    let w = acquire(&mut m, s) as u32;
    m.sem_collected(s);
    assert_eq!(
        drain_all(&mut m, s),
        (vec![(drained::FREE as u8, w)], drained::ENDED)
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn many_waiters_are_served_exactly_once_in_order() {
    let mut m = Machine::new();
    let s = m.sem_new(None, 3.0).unwrap();
    let mut queued = std::collections::VecDeque::new();
    let mut held = 0;
    for i in 0..1000u32 {
        let r = acquire(&mut m, s);
        if r == ret::GRANTED {
            held += 1;
        } else {
            queued.push_back(r);
        }
        if i % 3 == 0 {
            let r = m.sem_release(s);
            if r == ret::NONE {
                held -= 1;
            } else {
                assert_eq!(Some(r), queued.pop_front(), "FIFO");
            }
        }
    }
    assert!(held <= 3);
    assert_eq!(m.sem_waiting(s), queued.len());
    assert_eq!(m.live().semaphore_slots, queued.len());
}

#[test]
fn a_release_between_the_abort_and_its_drain_grants_nobody() {
    let mut m = Machine::new();
    let s = m.sem_new(None, 1.0).unwrap();
    assert_eq!(acquire(&mut m, s), ret::GRANTED);
    let w = acquire(&mut m, s) as u32;
    m.sem_dispose(s);
    // The holder finishes before JS drained the abort.
    assert_eq!(m.sem_release(s), ret::NONE);
    assert_eq!(
        drain_all(&mut m, s),
        (vec![(drained::REASON as u8, w)], drained::ENDED)
    );
    assert_eq!(m.live(), Live::default());
}
