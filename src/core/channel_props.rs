//! Model-based property tests of the channel: random sends (several
//! producers), receives, cancelled waiters, close and abort, checked against
//! a naive model (a `VecDeque` buffer and `Vec` wait queues) and against the
//! end-to-end properties: every accepted value is received exactly once or
//! was still buffered when the channel was aborted, values of one producer
//! arrive in the order they were sent, and a closed channel accepts nothing.
use std::collections::{HashMap, HashSet, VecDeque};

use proptest::prelude::*;

use super::*;

/// A value: (producer, sequence number within that producer).
type Value = (u8, u32);
/// Waiters are named by a serial number.
type Ch = Channel<Value, u32, u32>;

#[derive(Clone, Debug)]
enum Op {
    Send(u8),
    Recv,
    CancelSend(usize),
    CancelRecv(usize),
    Close,
    Abort,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..4).prop_map(Op::Send),
        6 => Just(Op::Recv),
        1 => any::<usize>().prop_map(Op::CancelSend),
        1 => any::<usize>().prop_map(Op::CancelRecv),
        1 => Just(Op::Close),
        1 => Just(Op::Abort),
    ]
}

#[derive(Default)]
struct Model {
    cap: usize,
    buffer: VecDeque<Value>,
    /// Waiting senders: (waiter, key, value).
    senders: Vec<(u32, WaitKey, Value)>,
    /// Waiting receivers: (waiter, key).
    receivers: Vec<(u32, WaitKey)>,
    closed: bool,
    aborted: bool,
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn matches_the_model_and_loses_nothing(
        cap in 0u64..4,
        ops in prop::collection::vec(op(), 0..150),
    ) {
        let mut ch: Ch = Channel::new(Limit::Max(cap));
        let mut m = Model { cap: cap as usize, ..Model::default() };
        let mut next_seq: HashMap<u8, u32> = HashMap::new();
        let mut next_waiter = 0u32;
        // Accepted sends (resolved `true`), received values, values dropped
        // from the buffer by an abort.
        let mut accepted: HashSet<Value> = HashSet::new();
        let mut received: Vec<Value> = Vec::new();
        let mut dropped_by_abort: HashSet<Value> = HashSet::new();
        // What the waiting sender `s` holds, to mark it accepted when
        // unblocked.
        let mut sender_value: HashMap<u32, Value> = HashMap::new();

        for op in ops {
            match op {
                Op::Send(p) => {
                    let seq = next_seq.entry(p).or_insert(0);
                    let v = (p, *seq);
                    *seq += 1;
                    match ch.try_send(v) {
                        Ok(Sent::Handed(r, got)) => {
                            prop_assert_eq!(got, v);
                            prop_assert!(!m.receivers.is_empty());
                            let (want, _) = m.receivers.remove(0);
                            prop_assert_eq!(r, want, "the oldest receiver gets it");
                            accepted.insert(v);
                            received.push(v);
                        }
                        Ok(Sent::Buffered) => {
                            prop_assert!(!m.closed && m.receivers.is_empty() && m.buffer.len() < m.cap);
                            m.buffer.push_back(v);
                            accepted.insert(v);
                        }
                        Err(TrySendError::Full(back)) => {
                            prop_assert_eq!(back, v);
                            prop_assert!(!m.closed && m.receivers.is_empty() && m.buffer.len() == m.cap);
                            let w = next_waiter;
                            next_waiter += 1;
                            let key = ch.wait_send(v, w);
                            m.senders.push((w, key, v));
                            sender_value.insert(w, v);
                        }
                        Err(TrySendError::Closed(back)) => {
                            prop_assert_eq!(back, v);
                            prop_assert!(m.closed && !m.aborted);
                        }
                        Err(TrySendError::Aborted(back)) => {
                            prop_assert_eq!(back, v);
                            prop_assert!(m.aborted);
                        }
                    }
                }
                Op::Recv => match ch.try_recv() {
                    Ok(Received { value, unblocked }) => {
                        let expected = if let Some(b) = m.buffer.pop_front() {
                            let moved = if m.senders.is_empty() { None } else { Some(m.senders.remove(0)) };
                            if let Some((w, _, sv)) = moved {
                                m.buffer.push_back(sv);
                                prop_assert_eq!(unblocked, Some(w));
                                accepted.insert(sv);
                            } else {
                                prop_assert_eq!(unblocked, None);
                            }
                            b
                        } else {
                            prop_assert!(!m.senders.is_empty(), "received from nowhere");
                            let (w, _, sv) = m.senders.remove(0);
                            prop_assert_eq!(unblocked, Some(w));
                            accepted.insert(sv);
                            sv
                        };
                        prop_assert_eq!(value, expected);
                        received.push(value);
                    }
                    Err(TryRecvError::Empty) => {
                        prop_assert!(m.buffer.is_empty() && m.senders.is_empty() && !m.closed);
                        let w = next_waiter;
                        next_waiter += 1;
                        let key = ch.wait_recv(w);
                        m.receivers.push((w, key));
                    }
                    Err(TryRecvError::Closed) => {
                        prop_assert!(m.buffer.is_empty() && m.senders.is_empty() && m.closed);
                    }
                },
                Op::CancelSend(i) => {
                    if m.senders.is_empty() {
                        continue;
                    }
                    let (w, key, v) = m.senders.remove(i % m.senders.len());
                    // The cancelled sender takes its value back: never received.
                    prop_assert_eq!(ch.cancel_send(key), Some((v, w)));
                    prop_assert_eq!(ch.cancel_send(key), None, "a key cancels once");
                }
                Op::CancelRecv(i) => {
                    if m.receivers.is_empty() {
                        continue;
                    }
                    let (w, key) = m.receivers.remove(i % m.receivers.len());
                    prop_assert_eq!(ch.cancel_recv(key), Some(w));
                    prop_assert_eq!(ch.cancel_recv(key), None);
                }
                Op::Close => {
                    let woken = ch.close();
                    let want_s: Vec<u32> = m.senders.drain(..).map(|(w, _, _)| w).collect();
                    let want_r: Vec<u32> = m.receivers.drain(..).map(|(w, _)| w).collect();
                    prop_assert_eq!(woken.senders, want_s, "blocked senders get false, in order");
                    prop_assert_eq!(woken.receivers, want_r);
                    m.closed = true;
                }
                Op::Abort => {
                    let woken = ch.abort();
                    let want_s: Vec<u32> = m.senders.drain(..).map(|(w, _, _)| w).collect();
                    let want_r: Vec<u32> = m.receivers.drain(..).map(|(w, _)| w).collect();
                    prop_assert_eq!(woken.senders, want_s);
                    prop_assert_eq!(woken.receivers, want_r);
                    dropped_by_abort.extend(m.buffer.drain(..));
                    m.closed = true;
                    m.aborted = true;
                }
            }
            // The implementation agrees with the model, and invariant #1.
            prop_assert_eq!(ch.size(), m.buffer.len());
            prop_assert!(Limit::Max(ch.size() as u64) <= ch.cap());
            prop_assert_eq!(ch.waiting_senders(), m.senders.len());
            prop_assert_eq!(ch.waiting_receivers(), m.receivers.len());
            prop_assert_eq!(ch.is_closed(), m.closed);
            prop_assert_eq!(ch.is_aborted(), m.aborted);
            if ch.waiting_receivers() > 0 {
                prop_assert!(ch.size() == 0 && ch.waiting_senders() == 0);
            }
        }

        // Drain what is left (buffered values and blocked senders).
        while let Ok(Received { value, unblocked }) = ch.try_recv() {
            if let Some(w) = unblocked {
                accepted.insert(sender_value[&w]);
            }
            received.push(value);
        }

        // Exactly once: no value received twice; every received value was
        // accepted; every accepted value was received or dropped by abort.
        let received_set: HashSet<Value> = received.iter().copied().collect();
        prop_assert_eq!(received_set.len(), received.len(), "a value was received twice");
        prop_assert!(received_set.is_subset(&accepted));
        prop_assert!(received_set.is_disjoint(&dropped_by_abort));
        let accounted: HashSet<Value> = received_set.union(&dropped_by_abort).copied().collect();
        prop_assert_eq!(accounted, accepted);
        // FIFO per producer.
        for p in 0u8..4 {
            let seqs: Vec<u32> = received.iter().filter(|v| v.0 == p).map(|v| v.1).collect();
            prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]), "producer {} out of order: {:?}", p, seqs);
        }
    }
}
