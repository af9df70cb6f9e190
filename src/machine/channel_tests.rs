//! The channel machine driven by commands and events, asserting answers and
//! effects; then a model-based proptest of order and exactly-once delivery.
use super::*;
use crate::machine::effect::{Op, ReasonKind};
use crate::machine::scope::ScopeSpec;
use crate::machine::{FailKind, Live};

/// `(kind, slot)` of an answer that names a slot.
fn split(r: f64) -> (u8, u32) {
    assert!(r >= 0.0, "no slot in {r}");
    let kind = r % ret::KINDS;
    (kind as u8, ((r - kind) / ret::KINDS) as u32)
}

/// `chan_send` as JS does it: on `GROW`, reserve and ask again.
fn send(m: &mut Machine, c: Key) -> f64 {
    let r = m.chan_send(c);
    if r != ret::GROW {
        return r;
    }
    m.chan_reserve(c);
    let again = m.chan_send(c);
    assert_ne!(again, ret::GROW, "reserve makes room");
    again
}

fn recv(m: &mut Machine, c: Key, iter: bool) -> f64 {
    let r = m.chan_recv(c, iter);
    if r != ret::GROW {
        return r;
    }
    m.chan_reserve(c);
    let again = m.chan_recv(c, iter);
    assert_ne!(again, ret::GROW, "reserve makes room");
    again
}

/// A receive that took a buffered value and unblocked a sender, as
/// `(value slot, sender slot)`, whichever way it was answered.
fn handed(m: &Machine, r: f64) -> Option<(u32, u32)> {
    if r <= -ret::PACKED {
        let x = -r - ret::PACKED;
        let u = (x / ret::PACK).floor();
        return Some(((x - u * ret::PACK) as u32, u as u32));
    }
    if r >= 0.0 && split(r).0 == HANDED {
        return Some((split(r).1, m.chan_woken() as u32));
    }
    None
}

fn scope(m: &mut Machine) -> Key {
    m.scope_new(None, None, ScopeSpec::default()).unwrap()
}

/// Every drain item until the channel says `EMPTY` or `ENDED`, and which.
fn drain_all(m: &mut Machine, k: Key) -> (Vec<(u8, u32)>, f64) {
    let mut out = Vec::new();
    loop {
        let r = m.chan_drain(k);
        if r < 0.0 {
            return (out, r);
        }
        out.push(split(r));
    }
}

fn ops(m: &Machine) -> Vec<u8> {
    m.fx.decoded().iter().map(|e| e.0).collect()
}

const SLOT: u8 = 0;
const HANDED: u8 = 1;
const WAIT: u8 = 2;
const RECV_WAIT: u8 = 3;
const EVICTED: u8 = 4;

#[test]
fn buffers_up_to_capacity_then_senders_wait_in_fifo_order() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m.chan_new(Some(s), None, 2.0).unwrap();
    m.fx.clear();
    let (k1, a) = split(send(&mut m, c));
    let (k2, b) = split(send(&mut m, c));
    assert_eq!((k1, k2), (SLOT, SLOT));
    assert_eq!(m.chan_size(c), 2);
    let (k3, s3) = split(send(&mut m, c));
    let (k4, s4) = split(send(&mut m, c));
    assert_eq!((k3, k4), (WAIT, WAIT));
    assert_eq!(m.live().channel_slots, 4);
    // A receive takes the oldest value; the oldest sender's moves in.
    let r = recv(&mut m, c, false);
    assert_eq!(handed(&m, r), Some((a, s3)));
    let r = recv(&mut m, c, false);
    assert_eq!(handed(&m, r), Some((b, s4)));
    assert_eq!(split(recv(&mut m, c, false)), (SLOT, s3));
    assert_eq!(split(recv(&mut m, c, false)), (SLOT, s4));
    assert_eq!(m.live().channel_slots, 0);
    // Sends and receives answer alone (invariant #3).
    assert!(m.fx.is_empty());
}

#[test]
fn capacity_zero_is_a_rendezvous_whichever_side_comes_first() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m.chan_new(Some(s), None, 0.0).unwrap();
    // Sender first: it waits; the receive takes its value and resolves it.
    let (kind, sender) = split(send(&mut m, c));
    assert_eq!(kind, WAIT);
    assert_eq!(split(recv(&mut m, c, false)), (WAIT, sender));
    // Receiver first: the send hands its value over.
    let (kind, receiver) = split(recv(&mut m, c, false));
    assert_eq!(kind, RECV_WAIT);
    assert_eq!(split(send(&mut m, c)), (HANDED, receiver));
    assert_eq!(m.live().channel_slots, 0);
    assert_eq!(m.chan_size(c), 0);
}

#[test]
fn close_rejects_waiting_senders_wakes_receivers_and_keeps_the_buffer() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m.chan_new(Some(s), None, 1.0).unwrap();
    let (_, v1) = split(send(&mut m, c));
    let (_, w2) = split(send(&mut m, c));
    let (_, w3) = split(send(&mut m, c));
    m.fx.clear();
    m.chan_close(c);
    assert!(m.chan_is_closed(c));
    let (items, end) = drain_all(&mut m, c);
    assert_eq!(
        items,
        vec![(drained::CLOSED as u8, w2), (drained::CLOSED as u8, w3)]
    );
    assert_eq!(end, drained::EMPTY, "a closed channel lives on");
    // A send on the closed channel gives false; the buffer stays.
    assert_eq!(send(&mut m, c), ret::CLOSED);
    assert_eq!(split(recv(&mut m, c, false)), (SLOT, v1));
    assert_eq!(recv(&mut m, c, false), ret::NONE);
    // Idempotent.
    m.chan_close(c);
    assert_eq!(drain_all(&mut m, c), (vec![], drained::EMPTY));
    assert!(m.fx.is_empty());

    // Receivers waiting on an empty channel: `undefined`, or done for an
    // iteration step.
    let d = m.chan_new(Some(s), None, 0.0).unwrap();
    let (_, r1) = split(recv(&mut m, d, false));
    let (_, r2) = split(recv(&mut m, d, true));
    m.chan_close(d);
    let (items, _) = drain_all(&mut m, d);
    assert_eq!(
        items,
        vec![(drained::UNDEFINED as u8, r1), (drained::DONE as u8, r2)]
    );
    assert_eq!(m.live().channel_slots, 0);
}

#[test]
fn a_scope_aborted_by_its_signal_aborts_its_channel() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let s = m.scope_new(None, Some(l), ScopeSpec::default()).unwrap();
    let c = m.chan_new(Some(s), None, 0.0).unwrap();
    let (_, sender) = split(send(&mut m, c));
    let d = m.chan_new(Some(s), None, 0.0).unwrap();
    let (_, receiver) = split(recv(&mut m, d, true));
    m.fx.clear();
    m.link_aborted(l.to_f64());
    let fx = m.fx.decoded();
    let aborted: Vec<f64> = fx
        .iter()
        .filter(|e| e.0 == Op::ChanAborted as u8)
        .map(|e| e.1)
        .collect();
    assert_eq!(aborted, vec![c.to_f64(), d.to_f64()]);
    // The reason is the link's, kept until the channel's abort is drained.
    let reason = m.chan_reason(c).unwrap().unwrap();
    assert!(fx.contains(&(
        Op::Reason as u8,
        reason.to_f64(),
        f64::from(ReasonKind::Link as u8),
        l.to_f64()
    )));
    assert_eq!(m.chan_reason(d), Some(Some(reason)));
    // Before JS drains, the channel is inert: sends reject, receives end.
    assert_eq!(send(&mut m, c), ret::NONE);
    assert_eq!(recv(&mut m, c, false), ret::NONE);
    assert_eq!(
        drain_all(&mut m, c),
        (vec![(drained::REASON as u8, sender)], drained::ENDED)
    );
    assert_eq!(
        drain_all(&mut m, d),
        (vec![(drained::DONE as u8, receiver)], drained::ENDED)
    );
    // Ended: stale keys change nothing.
    assert_eq!(send(&mut m, c), ret::NONE);
    assert_eq!(m.chan_reason(c), None);
    assert!(m.chan_is_closed(c));
    assert_eq!(m.live().channels, 0);
    assert_eq!(m.live().channel_slots, 0);
    m.fx.clear();
    assert!(m.scope_dispose(s));
    assert_eq!(m.live(), Live::default(), "{:?}", m.fx.decoded());
}

#[test]
fn scope_disposal_aborts_channels_with_scope_disposed_and_leaves_nothing() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m.chan_new(Some(s), None, 3.0).unwrap();
    let (_, v) = split(send(&mut m, c));
    let d = m.chan_new(Some(s), None, 0.0).unwrap();
    let (_, w) = split(send(&mut m, d));
    m.fx.clear();
    assert!(m.scope_dispose(s));
    let fx = m.fx.decoded();
    let reason = m.chan_reason(d).unwrap().unwrap();
    assert!(fx.contains(&(
        Op::Reason as u8,
        reason.to_f64(),
        f64::from(ReasonKind::Disposed as u8),
        0.0
    )));
    assert!(fx.contains(&(Op::Disposed as u8, s.to_f64(), 0.0, reason.to_f64())));
    // The buffered value is dropped; the waiting sender rejects.
    assert_eq!(
        drain_all(&mut m, c),
        (vec![(drained::FREE as u8, v)], drained::ENDED)
    );
    m.fx.clear();
    assert_eq!(
        drain_all(&mut m, d),
        (vec![(drained::REASON as u8, w)], drained::ENDED)
    );
    // The last holder of the reason lets go: freed once.
    assert_eq!(ops(&m), vec![Op::ReasonFree as u8]);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_channel_made_on_a_disposed_scope_fails_and_on_an_aborted_one_is_born_aborted() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    m.scope_dispose(s);
    let before = m.live();
    let e = m.chan_new(Some(s), None, 1.0).unwrap_err();
    assert_eq!((e.kind, e.message), (FailKind::Error, ON_DISPOSED));
    assert_eq!(m.live(), before);

    let l = m.link(None, true); // an already aborted signal
    let t = m.scope_new(None, Some(l), ScopeSpec::default()).unwrap();
    m.fx.clear();
    let c = m.chan_new(Some(t), None, 1.0).unwrap();
    assert_eq!(ops(&m), vec![Op::ChanAborted as u8]);
    assert!(m.chan_reason(c).unwrap().is_some());
    assert_eq!(send(&mut m, c), ret::NONE);
    assert_eq!(drain_all(&mut m, c), (vec![], drained::ENDED));
    m.scope_dispose(t);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn capacity_is_an_integer_from_0_to_2_pow_32_or_infinity() {
    let mut m = Machine::new();
    for bad in [
        -1.0,
        1.5,
        f64::NAN,
        f64::NEG_INFINITY,
        4_294_967_297.0,
        1e300,
    ] {
        let e = m.chan_new(None, None, bad).unwrap_err();
        assert_eq!(e.kind, FailKind::RangeError);
        assert_eq!(e.message, CAPACITY);
        assert!(e.number == bad || bad.is_nan());
        assert_eq!(
            m.live(),
            Live::default(),
            "a failed command changes nothing"
        );
    }
    let big = m.chan_new(None, None, 4_294_967_296.0).unwrap();
    let inf = m.chan_new(None, None, f64::INFINITY).unwrap();
    for _ in 0..1000 {
        assert_eq!(split(send(&mut m, inf)).0, SLOT, "Infinity never waits");
    }
    assert_eq!(m.chan_size(inf), 1000);
    m.chan_dispose(big);
    m.chan_dispose(inf);
    assert_eq!(drain_all(&mut m, big).1, drained::ENDED);
    let (items, end) = drain_all(&mut m, inf);
    assert_eq!((items.len(), end), (1000, drained::ENDED));
    assert_eq!(m.live(), Live::default());
}

#[test]
fn dispose_is_abort_with_no_reason_and_a_linked_signal_is_released() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let c = m.chan_new(None, Some(l), 0.0).unwrap();
    let (_, w) = split(send(&mut m, c));
    m.fx.clear();
    m.chan_dispose(c);
    // The link's last user let go, then the abort is announced.
    assert_eq!(ops(&m), vec![Op::Unlink as u8, Op::ChanAborted as u8]);
    assert_eq!(m.chan_reason(c), Some(None), "disposed: JS makes the error");
    m.chan_dispose(c);
    m.chan_close(c);
    assert_eq!(ops(&m).len(), 2, "abort is final and announced once");
    assert_eq!(
        drain_all(&mut m, c),
        (vec![(drained::REASON as u8, w)], drained::ENDED)
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_signal_aborting_a_standalone_channel_uses_its_reason() {
    let mut m = Machine::new();
    let l = m.link(None, false);
    let c = m.chan_new(None, Some(l), 0.0).unwrap();
    let (_, r) = split(recv(&mut m, c, false));
    m.link_aborted(l.to_f64());
    let reason = m.chan_reason(c).unwrap().unwrap();
    assert_eq!(
        drain_all(&mut m, c),
        (vec![(drained::UNDEFINED as u8, r)], drained::ENDED)
    );
    assert!(m
        .fx
        .decoded()
        .contains(&(Op::ReasonFree as u8, reason.to_f64(), 0.0, 0.0)));
    assert_eq!(m.live(), Live::default());
}

#[test]
fn a_collected_channel_forgets_its_waiters_and_values() {
    let mut m = Machine::new();
    let c = m.chan_new(None, None, 1.0).unwrap();
    let (_, v) = split(send(&mut m, c));
    let (_, w) = split(send(&mut m, c));
    m.chan_collected(c);
    assert_eq!(
        drain_all(&mut m, c),
        (
            vec![(drained::FREE as u8, w), (drained::FREE as u8, v)],
            drained::ENDED
        )
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn close_left_undrained_keeps_its_kind_when_an_abort_follows() {
    // A close's wake-ups not yet taken by JS when the scope aborts: the
    // senders were refused by the close, not by the abort.
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m.chan_new(Some(s), None, 0.0).unwrap();
    let (_, w) = split(send(&mut m, c));
    m.chan_close(c);
    m.scope_dispose(s);
    assert_eq!(
        drain_all(&mut m, c),
        (vec![(drained::CLOSED as u8, w)], drained::ENDED)
    );
    assert_eq!(m.live(), Live::default());
}

#[test]
fn the_scope_cleanup_of_an_already_ended_channel_is_a_no_op() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m.chan_new(Some(s), None, 0.0).unwrap();
    m.chan_dispose(c);
    assert_eq!(drain_all(&mut m, c).1, drained::ENDED);
    // A newer channel takes the slot of the record; the stale cleanup key
    // must not reach it.
    let d = m.chan_new(None, None, 0.0).unwrap();
    assert_eq!(c.index, d.index);
    m.fx.clear();
    m.scope_dispose(s);
    assert!(!ops(&m).contains(&(Op::ChanAborted as u8)));
    assert!(!m.chan_is_closed(d));
}

#[test]
fn a_receive_between_a_close_and_its_drain_takes_no_refused_sender() {
    let mut m = Machine::new();
    let c = m.chan_new(None, None, 1.0).unwrap();
    let (_, v) = split(send(&mut m, c));
    let (_, w) = split(send(&mut m, c));
    m.chan_close(c);
    // Nested user code receives before JS drained the close.
    assert_eq!(split(recv(&mut m, c, false)), (SLOT, v));
    assert_eq!(recv(&mut m, c, false), ret::NONE);
    assert_eq!(
        drain_all(&mut m, c),
        (vec![(drained::CLOSED as u8, w)], drained::EMPTY)
    );
    m.chan_dispose(c);
    assert_eq!(drain_all(&mut m, c).1, drained::ENDED);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn grow_changes_nothing_and_a_warm_channel_never_asks() {
    let mut m = Machine::new();
    let c = m.chan_new(None, None, 2.0).unwrap();
    // Cold: no room anywhere yet.
    assert_eq!(m.chan_send(c), ret::GROW);
    assert_eq!(m.chan_recv(c, false), ret::GROW);
    assert_eq!((m.chan_size(c), m.live().channel_slots), (0, 0));
    m.chan_reserve(c);
    assert_eq!(split(m.chan_send(c)).0, SLOT);
    // Warm: a steady flow through the same channel never grows again.
    for _ in 0..1000 {
        for _ in 0..2 {
            assert_ne!(m.chan_send(c), ret::GROW);
        }
        let r = m.chan_send(c);
        if r == ret::GROW {
            m.chan_reserve(c);
            assert_eq!(split(m.chan_send(c)).0, WAIT);
        }
        for _ in 0..3 {
            assert_ne!(m.chan_recv(c, false), ret::GROW);
        }
    }
    assert_eq!(m.chan_size(c), 1);
    let mut grows = 0;
    for _ in 0..100 {
        assert_ne!(m.chan_recv(c, false), ret::GROW);
        let r = m.chan_send(c);
        if r == ret::GROW {
            grows += 1;
            m.chan_reserve(c);
            assert_ne!(m.chan_send(c), ret::GROW);
        }
    }
    assert_eq!(grows, 0);
}

#[test]
fn backpressure_applies_only_when_full_and_nobody_receives() {
    use Backpressure::*;
    for mode in [DropOldest, DropLatest, Error] {
        let mut m = Machine::new();
        let s = scope(&mut m);
        let c = m.chan_new_with(Some(s), None, 2.0, mode).unwrap();
        // A waiting receiver takes the value whatever the strategy.
        let (k, r0) = split(recv(&mut m, c, false));
        assert_eq!(k, RECV_WAIT);
        assert_eq!(split(send(&mut m, c)), (HANDED, r0));
        // Room: buffered as with Block.
        let (k1, a) = split(send(&mut m, c));
        let (k2, b) = split(send(&mut m, c));
        assert_eq!((k1, k2), (SLOT, SLOT));
        // Full.
        let r = send(&mut m, c);
        match mode {
            DropOldest => {
                // The oldest slot is evicted and now holds the newest value.
                assert_eq!(split(r), (EVICTED, a));
                assert_eq!(m.chan_size(c), 2);
                assert_eq!(split(recv(&mut m, c, false)), (SLOT, b));
                assert_eq!(split(recv(&mut m, c, false)), (SLOT, a));
            }
            DropLatest => {
                assert_eq!(r, ret::DROPPED);
                assert_eq!(split(recv(&mut m, c, false)), (SLOT, a));
                assert_eq!(split(recv(&mut m, c, false)), (SLOT, b));
            }
            _ => {
                assert_eq!(r, ret::FULL);
                assert_eq!(m.chan_size(c), 2);
                assert_eq!(split(recv(&mut m, c, false)), (SLOT, a));
                assert_eq!(split(recv(&mut m, c, false)), (SLOT, b));
            }
        }
        assert!(m.fx.is_empty(), "no effect: a send is one call");
        // Close and abort as with Block: closed gives CLOSED.
        m.chan_close(c);
        assert_eq!(send(&mut m, c), ret::CLOSED);
        m.scope_dispose(s);
        let _ = drain_all(&mut m, c);
        assert_eq!(m.live(), Live::default());
    }
}

#[test]
fn backpressure_at_capacity_zero_drops_or_refuses_unless_a_receiver_waits() {
    use Backpressure::*;
    for (mode, want) in [
        (DropOldest, ret::DROPPED),
        (DropLatest, ret::DROPPED),
        (Error, ret::FULL),
    ] {
        let mut m = Machine::new();
        let s = scope(&mut m);
        let c = m.chan_new_with(Some(s), None, 0.0, mode).unwrap();
        assert_eq!(send(&mut m, c), want);
        assert_eq!(m.live().channel_slots, 0, "nothing kept");
        let (k, r0) = split(recv(&mut m, c, false));
        assert_eq!(k, RECV_WAIT);
        assert_eq!(split(send(&mut m, c)), (HANDED, r0));
        m.scope_dispose(s);
        let _ = drain_all(&mut m, c);
        assert_eq!(m.live(), Live::default());
    }
}

#[test]
fn unlimited_capacity_is_never_full_whatever_the_strategy() {
    let mut m = Machine::new();
    let s = scope(&mut m);
    let c = m
        .chan_new_with(Some(s), None, f64::INFINITY, Backpressure::Error)
        .unwrap();
    for _ in 0..100 {
        assert_eq!(split(send(&mut m, c)).0, SLOT);
    }
    assert_eq!(m.chan_size(c), 100);
    m.scope_dispose(s);
    let _ = drain_all(&mut m, c);
    assert_eq!(m.live(), Live::default());
}

#[test]
fn backpressure_numbers_decode_and_anything_else_is_block() {
    assert_eq!(Backpressure::from_f64(0.0), Backpressure::Block);
    assert_eq!(Backpressure::from_f64(1.0), Backpressure::DropOldest);
    assert_eq!(Backpressure::from_f64(2.0), Backpressure::DropLatest);
    assert_eq!(Backpressure::from_f64(3.0), Backpressure::Error);
    for n in [-1.0, 4.0, 1.5, f64::NAN, f64::INFINITY] {
        assert_eq!(Backpressure::from_f64(n), Backpressure::Block);
    }
    assert_eq!(Backpressure::default(), Backpressure::Block);
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    //! The machine against a naive model: per op, the same decision (which
    //! slot, which waiter), and at the end every value sent was received
    //! exactly once, in each producer's order, unless an abort or the
    //! backpressure strategy dropped it (each strategy, each capacity).
    use std::collections::{HashMap, HashSet, VecDeque};

    use proptest::prelude::*;

    use super::*;

    /// (producer, sequence number).
    type Value = (u8, u32);

    #[derive(Clone, Debug)]
    enum Step {
        Send(u8),
        Recv(bool),
        Close,
        Dispose,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            8 => (0u8..3).prop_map(Step::Send),
            8 => any::<bool>().prop_map(Step::Recv),
            1 => Just(Step::Close),
            1 => Just(Step::Dispose),
        ]
    }

    /// The naive channel: waiters named by the machine's slots.
    #[derive(Default)]
    struct Model {
        cap: usize,
        buffer: VecDeque<Value>,
        senders: VecDeque<(u32, Value)>,
        receivers: VecDeque<u32>,
        closed: bool,
        aborted: bool,
    }

    /// What JS would hold: values by slot, and the waiters.
    #[derive(Default)]
    struct Js {
        values: HashMap<u32, Value>,
        senders: HashSet<u32>,
        receivers: HashSet<u32>,
        received: Vec<Value>,
        confirmed: HashSet<Value>,
        dropped: HashSet<Value>,
    }

    impl Js {
        fn put(&mut self, slot: u32, v: Value) {
            assert!(
                self.values.insert(slot, v).is_none() && !self.receivers.contains(&slot),
                "slot {slot} reused while live"
            );
        }

        fn take(&mut self, slot: u32) -> Value {
            self.values.remove(&slot).expect("a value in the slot")
        }
    }

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        #[test]
        fn matches_the_model_and_delivers_exactly_once(
            cap in 0u64..4,
            mode in 0u8..4,
            steps in prop::collection::vec(step(), 0..200),
        ) {
            let mode = Backpressure::from_f64(f64::from(mode));
            let mut m = Machine::new();
            let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
            let c = m.chan_new_with(Some(s), None, cap as f64, mode).unwrap();
            let mut model = Model { cap: cap as usize, ..Model::default() };
            let mut js = Js::default();
            let mut seq = [0u32; 3];
            for st in steps {
                m.fx.clear();
                match st {
                    Step::Send(p) => {
                        let v = (p, seq[p as usize]);
                        seq[p as usize] += 1;
                        let r = send(&mut m, c);
                        if model.aborted {
                            prop_assert_eq!(r, ret::NONE);
                        } else if model.closed {
                            prop_assert_eq!(r, ret::CLOSED);
                        } else if let Some(rs) = model.receivers.pop_front() {
                            prop_assert_eq!(split(r), (HANDED, rs));
                            prop_assert!(js.receivers.remove(&rs));
                            js.received.push(v);
                            js.confirmed.insert(v);
                        } else if model.buffer.len() < model.cap {
                            let (kind, slot) = split(r);
                            prop_assert_eq!(kind, SLOT);
                            js.put(slot, v);
                            model.buffer.push_back(v);
                            js.confirmed.insert(v);
                        } else if mode == Backpressure::DropOldest && model.cap > 0 {
                            // The oldest buffered value makes room (invariant #6).
                            let (kind, slot) = split(r);
                            prop_assert_eq!(kind, EVICTED);
                            let old = model.buffer.pop_front().expect("a full buffer");
                            prop_assert_eq!(js.take(slot), old);
                            js.dropped.insert(old);
                            js.put(slot, v);
                            model.buffer.push_back(v);
                            js.confirmed.insert(v);
                        } else if mode == Backpressure::DropOldest || mode == Backpressure::DropLatest {
                            // The new value is dropped; the send gives true.
                            prop_assert_eq!(r, ret::DROPPED);
                            js.confirmed.insert(v);
                            js.dropped.insert(v);
                        } else if mode == Backpressure::Error {
                            prop_assert_eq!(r, ret::FULL);
                        } else {
                            let (kind, slot) = split(r);
                            prop_assert_eq!(kind, WAIT);
                            js.put(slot, v);
                            js.senders.insert(slot);
                            model.senders.push_back((slot, v));
                        }
                        prop_assert!(m.fx.is_empty());
                        // Only Block queues senders (invariant #6).
                        prop_assert!(mode == Backpressure::Block || model.senders.is_empty());
                    }
                    Step::Recv(iter) => {
                        let r = recv(&mut m, c, iter);
                        if let Some(v) = model.buffer.pop_front() {
                            let (kind, slot) = match handed(&m, r) {
                                Some((slot, _)) => (HANDED, slot),
                                None => split(r),
                            };
                            prop_assert_eq!(js.take(slot), v);
                            js.received.push(v);
                            if let Some((ss, sv)) = model.senders.pop_front() {
                                prop_assert_eq!(kind, HANDED);
                                prop_assert_eq!(handed(&m, r).map(|h| h.1), Some(ss));
                                prop_assert!(js.senders.remove(&ss));
                                js.confirmed.insert(sv);
                                model.buffer.push_back(sv);
                            } else {
                                prop_assert_eq!(kind, SLOT);
                            }
                        } else if let Some((ss, sv)) = model.senders.pop_front() {
                            prop_assert_eq!(split(r), (WAIT, ss));
                            prop_assert_eq!(js.take(ss), sv);
                            prop_assert!(js.senders.remove(&ss));
                            js.received.push(sv);
                            js.confirmed.insert(sv);
                        } else if model.closed || model.aborted {
                            prop_assert_eq!(r, ret::NONE);
                        } else {
                            let (kind, slot) = split(r);
                            prop_assert_eq!(kind, RECV_WAIT);
                            prop_assert!(!js.values.contains_key(&slot), "slot reused while live");
                            prop_assert!(js.receivers.insert(slot));
                            model.receivers.push_back(slot);
                        }
                        prop_assert!(m.fx.is_empty());
                    }
                    Step::Close => {
                        m.chan_close(c);
                        let mut want = Vec::new();
                        if !model.closed && !model.aborted {
                            model.closed = true;
                            for (ss, _) in model.senders.drain(..) {
                                want.push((drained::CLOSED as u8, ss));
                            }
                            for rs in model.receivers.drain(..) {
                                want.push((drained::UNDEFINED as u8, rs));
                            }
                        }
                        let (got, end) = drain_all(&mut m, c);
                        prop_assert_eq!(end, if model.aborted { drained::ENDED } else { drained::EMPTY });
                        // Iteration receivers end with done instead.
                        let got: Vec<(u8, u32)> = got
                            .into_iter()
                            .map(|(k, sl)| if k == drained::DONE as u8 { (drained::UNDEFINED as u8, sl) } else { (k, sl) })
                            .collect();
                        prop_assert_eq!(&got, &want);
                        for (kind, sl) in got {
                            if kind == drained::CLOSED as u8 {
                                let v = js.take(sl);
                                js.senders.remove(&sl);
                                js.dropped.insert(v);
                            } else {
                                prop_assert!(js.receivers.remove(&sl));
                            }
                        }
                    }
                    Step::Dispose => {
                        m.chan_dispose(c);
                        let first = !model.aborted;
                        prop_assert_eq!(
                            ops(&m),
                            if first { vec![Op::ChanAborted as u8] } else { vec![] }
                        );
                        model.aborted = true;
                        model.closed = true;
                        let (got, end) = drain_all(&mut m, c);
                        prop_assert_eq!(end, drained::ENDED);
                        let mut want = Vec::new();
                        for (ss, _) in model.senders.drain(..) {
                            want.push((drained::REASON as u8, ss));
                        }
                        for rs in model.receivers.drain(..) {
                            want.push((drained::UNDEFINED as u8, rs));
                        }
                        let n = want.len();
                        let got_head: Vec<(u8, u32)> = got
                            .iter()
                            .take(n)
                            .map(|&(k, sl)| if k == drained::DONE as u8 { (drained::UNDEFINED as u8, sl) } else { (k, sl) })
                            .collect();
                        prop_assert_eq!(&got_head, &want);
                        // Then the buffered values, oldest first.
                        let buffered: Vec<Value> = got.iter().skip(n).map(|&(k, sl)| {
                            assert_eq!(k, drained::FREE as u8);
                            js.take(sl)
                        }).collect();
                        prop_assert_eq!(&buffered, &model.buffer.drain(..).collect::<Vec<_>>());
                        js.dropped.extend(buffered);
                        for &(k, sl) in got.iter().take(n) {
                            if k == drained::REASON as u8 {
                                let v = js.take(sl);
                                js.senders.remove(&sl);
                                js.dropped.insert(v);
                            } else {
                                js.receivers.remove(&sl);
                            }
                        }
                        for v in js.values.values() {
                            js.dropped.insert(*v);
                        }
                    }
                }
                if !model.aborted {
                    prop_assert_eq!(m.chan_size(c), model.buffer.len());
                }
                prop_assert_eq!(m.chan_is_closed(c), model.closed || model.aborted);
                prop_assert_eq!(
                    m.live().channel_slots,
                    js.values.len() + js.receivers.len()
                );
            }
            // Close, then receive what is left.
            m.chan_close(c);
            let (rest, _) = drain_all(&mut m, c);
            for (kind, sl) in rest {
                if kind == drained::CLOSED as u8 {
                    let v = js.take(sl);
                    js.dropped.insert(v);
                }
            }
            loop {
                let r = recv(&mut m, c, false);
                if r < 0.0 {
                    break;
                }
                let (_, sl) = split(r);
                let v = js.take(sl);
                js.received.push(v);
            }
            // Exactly once, in each producer's order.
            let mut seen = HashSet::new();
            let mut last: HashMap<u8, u32> = HashMap::new();
            for v in &js.received {
                prop_assert!(seen.insert(*v), "{:?} received twice", v);
                prop_assert!(js.confirmed.contains(v));
                if let Some(prev) = last.insert(v.0, v.1) {
                    prop_assert!(prev < v.1, "producer {} out of order", v.0);
                }
            }
            for v in &js.confirmed {
                prop_assert!(seen.contains(v) || js.dropped.contains(v), "{:?} lost", v);
            }
            m.scope_dispose(s);
            let _ = drain_all(&mut m, c);
            prop_assert_eq!(m.live(), Live::default());
        }
    }
}
