//! `select`: one case fires, the others take nothing and pass their turn
//! on; aborts and timeouts cancel the whole select; everything is released.
//! A harness plays the executor (values and waiters by slot, as JS keeps
//! them), and a proptest checks random programs against a model of what
//! must hold: each select ends exactly once, no value is lost or received
//! twice, a withdrawn send's value is never delivered, and nothing is left.
use std::collections::{HashMap, HashSet};

use crate::machine::channel::{drained, ret};
use crate::machine::effect::Op;
use crate::machine::scope::ScopeSpec;
use crate::machine::select::Made;
use crate::machine::slab::Key;
use crate::machine::{Live, Machine};

/// Who waits in a slot: a plain send/receive, or case `.1` of select `.0`.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Who {
    Plain,
    Sel(usize, usize),
}

#[derive(Debug)]
enum Ent {
    Val(u32),
    Sender(u32, Who),
    Receiver(Who),
}

/// How a select ended.
#[derive(Clone, Debug, PartialEq)]
enum End {
    /// Case `.0` fired: received `Some(v)` / `None`, or sent (`Some(1)`) /
    /// refused (`Some(0)`), or failed with the channel's abort (`None`).
    Case(usize, Option<u32>),
    Default,
    /// Cancelled with this reason key.
    Cancelled(f64),
}

/// The executor's side, as JS keeps it.
#[derive(Default)]
struct Exec {
    m: Machine,
    store: HashMap<u32, Ent>,
    /// Values received, in order.
    received: Vec<u32>,
    /// Values confirmed sent (buffered or handed, or their waiting send resolved `true`).
    confirmed: HashSet<u32>,
    /// Values that went nowhere: refused, withdrawn, dropped by an abort.
    gone: HashSet<u32>,
    /// Selects: key, end, the values of their send cases.
    sels: Vec<(Key, Option<End>, Vec<Option<u32>>)>,
    timers: HashMap<usize, f64>,
    next: u32,
}

fn split(r: f64) -> (f64, u32) {
    let kind = r % ret::KINDS;
    (kind, ((r - kind) / ret::KINDS) as u32)
}

impl Exec {
    fn value(&mut self) -> u32 {
        self.next += 1;
        self.next
    }

    fn put(&mut self, slot: u32, e: Ent) {
        assert!(
            self.store.insert(slot, e).is_none(),
            "slot {slot} reused while live"
        );
    }

    fn take(&mut self, slot: u32) -> Ent {
        self.store.remove(&slot).expect("a live slot")
    }

    fn chan(&mut self, cap: f64) -> Key {
        self.m.chan_new(None, None, cap).unwrap()
    }

    /// The effects so far: timers noted, aborted channels drained, cancelled selects ended.
    fn effects(&mut self) {
        loop {
            let fx = self.m.fx.decoded();
            self.m.fx.clear();
            if fx.is_empty() {
                return;
            }
            for (op, a, b, _) in fx {
                if op == Op::TimerSet as u8 {
                    if let Some(i) = self.sels.iter().rposition(|s| s.1.is_none()) {
                        self.timers.entry(i).or_insert(a);
                    }
                } else if op == Op::ChanAborted as u8 {
                    self.drain(Key::from_f64(a).unwrap());
                } else if op == Op::SelDone as u8 {
                    let i = self.sel_index(a);
                    self.end(i, End::Cancelled(b));
                }
            }
        }
    }

    fn sel_index(&self, k: f64) -> usize {
        self.sels
            .iter()
            .position(|s| s.0.to_f64() == k && s.1.is_none())
            .expect("a waiting select")
    }

    /// Select `i` ended: it must not have before; its slots are forgotten.
    fn end(&mut self, i: usize, how: End) {
        assert!(
            self.sels[i].1.is_none(),
            "select {i} ended twice: {:?} then {how:?}",
            self.sels[i].1
        );
        if let End::Case(c, _) = how {
            // The send cases that did not fire went nowhere.
            for (j, v) in self.sels[i].2.clone().into_iter().enumerate() {
                if let (true, Some(v)) = (j != c, v) {
                    self.gone.insert(v);
                }
            }
        } else {
            for v in self.sels[i].2.clone().into_iter().flatten() {
                self.gone.insert(v);
            }
        }
        self.sels[i].1 = Some(how);
        let g = self.sels[i].0;
        loop {
            let s = self.m.sel_forget(g);
            if s < 0.0 {
                break;
            }
            match self.take(s as u32) {
                Ent::Sender(_, Who::Sel(j, _)) | Ent::Receiver(Who::Sel(j, _)) => assert_eq!(j, i),
                e => panic!("select {i} forgot {e:?}"),
            }
        }
    }

    fn sent(&mut self, who: Who, v: u32, ok: bool) {
        if ok {
            self.confirmed.insert(v);
        } else {
            self.gone.insert(v);
        }
        if let Who::Sel(i, c) = who {
            self.end(i, End::Case(c, Some(u32::from(ok))));
        }
    }

    fn got(&mut self, who: Who, v: Option<u32>) {
        if let Some(v) = v {
            self.received.push(v);
        }
        if let Who::Sel(i, c) = who {
            self.end(i, End::Case(c, v));
        }
    }

    /// The answer of a send of `v` by `who`.
    fn send_answer(&mut self, r: f64, v: u32, who: Who) {
        if r == ret::CLOSED {
            return self.sent(who, v, false);
        }
        if r < 0.0 {
            self.gone.insert(v);
            if let Who::Sel(i, c) = who {
                self.end(i, End::Case(c, None));
            }
            return;
        }
        let (kind, slot) = split(r);
        if kind == ret::SLOT {
            self.put(slot, Ent::Val(v));
            self.sent(who, v, true);
        } else if kind == ret::HANDED {
            let Ent::Receiver(w) = self.take(slot) else {
                panic!("a receiver")
            };
            self.sent(who, v, true);
            self.got(w, Some(v));
        } else {
            assert_eq!(kind, ret::WAIT);
            assert_eq!(who, Who::Plain, "a select's try never waits");
            self.put(slot, Ent::Sender(v, who));
        }
    }

    /// A waiting sender was taken (its value moved into the buffer: `buffer`).
    fn took_sender(&mut self, slot: u32, buffer: bool) -> u32 {
        let Ent::Sender(v, w) = self.take(slot) else {
            panic!("a sender")
        };
        if buffer {
            self.put(slot, Ent::Val(v));
        }
        self.sent(w, v, true);
        v
    }

    fn recv_answer(&mut self, r: f64, who: Who) {
        if r <= -ret::PACKED {
            let x = -r - ret::PACKED;
            let u = (x / ret::PACK).floor();
            let i = (x - u * ret::PACK) as u32;
            let Ent::Val(v) = self.take(i) else {
                panic!("a value")
            };
            self.took_sender(u as u32, true);
            return self.got(who, Some(v));
        }
        if r < 0.0 {
            return self.got(who, None);
        }
        let (kind, slot) = split(r);
        if kind == ret::RECV_WAIT {
            assert_eq!(who, Who::Plain, "a select's try never waits");
            return self.put(slot, Ent::Receiver(who));
        }
        if kind == ret::WAIT {
            let v = self.took_sender(slot, false);
            return self.got(who, Some(v));
        }
        let Ent::Val(v) = self.take(slot) else {
            panic!("a value")
        };
        if kind == ret::HANDED {
            let u = self.m.chan_woken() as u32;
            self.took_sender(u, true);
        }
        self.got(who, Some(v));
    }

    fn send(&mut self, c: Key) -> u32 {
        let v = self.value();
        let mut r = self.m.chan_send(c);
        if r == ret::GROW {
            self.m.chan_reserve(c);
            r = self.m.chan_send(c);
        }
        self.send_answer(r, v, Who::Plain);
        self.effects();
        v
    }

    fn recv(&mut self, c: Key) {
        let mut r = self.m.chan_recv(c, false);
        if r == ret::GROW {
            self.m.chan_reserve(c);
            r = self.m.chan_recv(c, false);
        }
        self.recv_answer(r, Who::Plain);
        self.effects();
    }

    fn drain(&mut self, c: Key) {
        loop {
            let r = self.m.chan_drain(c);
            if r < 0.0 {
                return;
            }
            let (kind, slot) = split(r);
            match self.take(slot) {
                Ent::Val(v) => {
                    assert_eq!(kind, drained::FREE);
                    self.gone.insert(v);
                }
                Ent::Sender(v, w) => {
                    if kind == drained::FALSE || kind == drained::CLOSED {
                        assert_eq!(kind == drained::FALSE, w != Who::Plain);
                        self.sent(w, v, false);
                    } else {
                        assert_eq!(kind, drained::REASON);
                        self.gone.insert(v);
                        if let Who::Sel(i, c) = w {
                            self.end(i, End::Case(c, None));
                        }
                    }
                }
                Ent::Receiver(w) => {
                    assert_eq!(kind, drained::UNDEFINED);
                    self.got(w, None);
                }
            }
        }
    }

    fn close(&mut self, c: Key) {
        self.m.chan_close(c);
        self.drain(c);
        self.effects();
    }

    /// A select over `cases` (channel, send?), as the executor runs it.
    fn select(
        &mut self,
        scope: Option<Key>,
        cases: &[(Key, bool)],
        default: bool,
        ms: f64,
    ) -> usize {
        let g = match self.m.sel_new(scope, ms).unwrap() {
            Made::Select(g) => g,
            Made::Gone => panic!("an open scope"),
        };
        let values: Vec<Option<u32>> = cases
            .iter()
            .map(|&(_, s)| s.then(|| self.value()))
            .collect();
        let i = self.sels.len();
        self.sels.push((g, None, values.clone()));
        self.effects();
        if self.sels[i].1.is_some() {
            return i; // born cancelled
        }
        for (c, &(ch, send)) in cases.iter().enumerate() {
            let mut r = self.m.chan_try(ch, send);
            if r == ret::GROW {
                self.m.chan_reserve(ch);
                r = self.m.chan_try(ch, send);
            }
            if r == ret::BUSY {
                continue;
            }
            let who = Who::Sel(i, c);
            // Only the sends that fire are the case's own: the end marks the rest gone.
            match values[c] {
                Some(v) => self.send_answer(r, v, who),
                None => self.recv_answer(r, who),
            }
            self.effects();
            return i;
        }
        if default {
            self.end(i, End::Default);
            self.effects();
            return i;
        }
        for (c, &(ch, send)) in cases.iter().enumerate() {
            let r = self.m.sel_wait(g, ch, send);
            assert!(r >= 0.0, "waits: {r}");
            let (kind, slot) = split(r);
            let who = Who::Sel(i, c);
            match values[c] {
                Some(v) => {
                    assert_eq!(kind, ret::WAIT);
                    self.put(slot, Ent::Sender(v, who));
                }
                None => {
                    assert_eq!(kind, ret::RECV_WAIT);
                    self.put(slot, Ent::Receiver(who));
                }
            }
        }
        self.effects();
        i
    }

    fn timeout(&mut self, i: usize) {
        if let Some(t) = self.timers.remove(&i) {
            self.m.timer_fired(t, 0.0);
            self.effects();
        }
    }

    /// The select gives up (the Rust face's dropped future).
    fn give_up(&mut self, i: usize) {
        if self.sels[i].1.is_none() {
            self.end(i, End::Cancelled(-1.0));
            self.effects();
        }
    }

    /// Every value went exactly one way, and nothing is left.
    fn check_all_released(&mut self) {
        let mut seen = HashSet::new();
        for v in &self.received {
            assert!(seen.insert(*v), "{v} received twice");
            assert!(
                self.confirmed.contains(v),
                "{v} received but its send never confirmed"
            );
            assert!(!self.gone.contains(v), "{v} received and gone");
        }
        for v in &self.confirmed {
            assert!(seen.contains(v) || self.gone.contains(v), "{v} lost");
        }
        assert!(self.store.is_empty(), "left in the store: {:?}", self.store);
        assert!(
            self.sels.iter().all(|s| s.1.is_some()),
            "a select never ended"
        );
        assert_eq!(self.m.live(), Live::default());
    }
}

#[test]
fn a_ready_case_fires_in_case_order_and_nothing_waits() {
    let mut x = Exec::default();
    let (a, b) = (x.chan(1.0), x.chan(1.0));
    let va = x.send(a);
    let vb = x.send(b);
    let i = x.select(None, &[(b, false), (a, false)], false, 0.0);
    assert_eq!(
        x.sels[i].1,
        Some(End::Case(0, Some(vb))),
        "the first ready case"
    );
    assert_eq!(x.m.chan_size(a), 1, "the other case took nothing");
    assert_eq!(x.m.live().selects, 0);
    x.recv(a);
    assert_eq!(x.received, [vb, va]);
    x.m.chan_dispose(a);
    x.m.chan_dispose(b);
    x.effects();
    x.check_all_released();
}

#[test]
fn default_fires_when_nothing_is_ready_and_changes_nothing() {
    let mut x = Exec::default();
    let a = x.chan(0.0);
    let i = x.select(None, &[(a, false), (a, true)], true, 0.0);
    assert_eq!(x.sels[i].1, Some(End::Default));
    assert_eq!(x.m.live().channel_slots, 0);
    x.m.chan_dispose(a);
    x.effects();
    x.check_all_released();
}

#[test]
fn a_waiting_select_fires_once_and_withdraws_its_other_cases() {
    let mut x = Exec::default();
    let (a, b) = (x.chan(0.0), x.chan(0.0));
    let i = x.select(None, &[(a, false), (b, true)], false, 0.0);
    assert!(x.sels[i].1.is_none());
    assert_eq!(x.m.live().channel_slots, 2);
    // A plain receiver on b takes the select's send: the select fires, its receive on a leaves.
    x.recv(b);
    let sent = x.sels[i].2[1].unwrap();
    assert_eq!(x.sels[i].1, Some(End::Case(1, Some(1))));
    assert_eq!(x.received, [sent]);
    assert_eq!(x.m.live().channel_slots, 0);
    // A send on a now waits: the withdrawn receiver took nothing.
    let v = x.send(a);
    assert_eq!(x.m.live().channel_slots, 1);
    x.recv(a);
    assert_eq!(x.received, [sent, v]);
    x.m.chan_dispose(a);
    x.m.chan_dispose(b);
    x.effects();
    x.check_all_released();
}

#[test]
fn a_withdrawn_waiter_passes_its_turn_on() {
    let mut x = Exec::default();
    let (a, b) = (x.chan(0.0), x.chan(0.0));
    let i = x.select(None, &[(a, false), (b, false)], false, 0.0);
    x.recv(a); // a plain receiver, behind the select's on a
    x.send(b); // fires the select by b: its receiver on a leaves
    assert_eq!(
        x.sels[i]
            .1
            .as_ref()
            .map(|e| matches!(e, End::Case(1, Some(_)))),
        Some(true)
    );
    let v = x.send(a); // goes to the plain receiver, next in line
    assert_eq!(x.received.last(), Some(&v));
    x.m.chan_dispose(a);
    x.m.chan_dispose(b);
    x.effects();
    x.check_all_released();
}

#[test]
fn two_selects_meet_and_a_select_never_meets_itself() {
    let mut x = Exec::default();
    let a = x.chan(0.0);
    let s1 = x.select(None, &[(a, true), (a, false)], false, 0.0);
    assert!(
        x.sels[s1].1.is_none(),
        "its own send and receive wait side by side"
    );
    let s2 = x.select(None, &[(a, false)], false, 0.0);
    let v = x.sels[s1].2[0].unwrap();
    assert_eq!(x.sels[s2].1, Some(End::Case(0, Some(v))));
    assert_eq!(x.sels[s1].1, Some(End::Case(0, Some(1))));
    x.m.chan_dispose(a);
    x.effects();
    x.check_all_released();
}

#[test]
fn close_fires_receive_cases_with_nothing_and_send_cases_with_false() {
    let mut x = Exec::default();
    let (a, b) = (x.chan(0.0), x.chan(0.0));
    let r = x.select(None, &[(a, false)], false, 0.0);
    let s = x.select(None, &[(b, true)], false, 0.0);
    x.close(a);
    x.close(b);
    assert_eq!(x.sels[r].1, Some(End::Case(0, None)));
    assert_eq!(x.sels[s].1, Some(End::Case(0, Some(0))));
    // On a closed channel a select fires at once, in the try pass.
    let t = x.select(None, &[(b, true)], false, 0.0);
    assert_eq!(x.sels[t].1, Some(End::Case(0, Some(0))));
    x.m.chan_dispose(a);
    x.m.chan_dispose(b);
    x.effects();
    x.check_all_released();
}

#[test]
fn the_timeout_cancels_with_its_reason_and_takes_nothing() {
    let mut x = Exec::default();
    let a = x.chan(0.0);
    let i = x.select(None, &[(a, false), (a, true)], false, 50.0);
    x.m.fx.clear();
    x.timeout(i);
    let Some(End::Cancelled(r)) = x.sels[i].1 else {
        panic!("cancelled")
    };
    assert!(r >= 0.0);
    assert_eq!(x.m.live().channel_slots, 0);
    assert_eq!(x.m.live().timers, 0);
    x.m.chan_dispose(a);
    x.effects();
    x.check_all_released();
}

#[test]
fn the_timeout_reason_says_timeout_after_ms_and_is_read_before_it_is_freed() {
    let mut m = Machine::new();
    let a = m.chan_new(None, None, 0.0).unwrap();
    let Made::Select(g) = m.sel_new(None, 25.0).unwrap() else {
        panic!()
    };
    let fx = m.fx.decoded();
    m.fx.clear();
    let timer = fx.iter().find(|e| e.0 == Op::TimerSet as u8).unwrap();
    assert_eq!(timer.2, 25.0);
    assert!(m.sel_wait(g, a, false) >= 0.0);
    m.timer_fired(timer.1, 25.0);
    let fx = m.fx.decoded();
    m.fx.clear();
    let reason = fx.iter().find(|e| e.0 == Op::Reason as u8).unwrap();
    assert_eq!((reason.2, reason.3), (2.0, 25.0), "Timeout, 25 ms");
    let at = |op: Op| fx.iter().position(|e| e.0 == op as u8);
    assert!(at(Op::SelDone) < at(Op::ReasonFree));
    assert!(m.sel_forget(g) >= 0.0);
    assert_eq!(m.sel_forget(g), -1.0);
    m.chan_dispose(a);
    while m.chan_drain(a) != drained::ENDED {}
    m.fx.clear();
    assert_eq!(m.live(), Live::default());
}

#[test]
fn the_scope_s_abort_cancels_a_waiting_select_with_the_scope_s_reason() {
    let mut x = Exec::default();
    let s = x.m.scope_new(None, None, ScopeSpec::default()).unwrap();
    let a = x.chan(0.0);
    let i = x.select(Some(s), &[(a, true)], false, 0.0);
    assert!(x.m.scope_dispose(s));
    x.effects();
    assert!(matches!(x.sels[i].1, Some(End::Cancelled(r)) if r >= 0.0));
    // Born on an aborted scope: cancelled at once (nothing tried).
    let l = x.m.link(None, true); // an aborted signal
    let s2 = x.m.scope_new(None, Some(l), ScopeSpec::default()).unwrap();
    x.send(a); // a sender waits on a
    let j = x.select(Some(s2), &[(a, false)], false, 0.0);
    assert!(matches!(x.sels[j].1, Some(End::Cancelled(_))));
    assert_eq!(x.m.live().channel_slots, 1, "the sender still waits");
    x.recv(a);
    assert!(x.m.scope_dispose(s2));
    x.m.chan_dispose(a);
    x.effects();
    x.check_all_released();
    // A scope that finished disposing refuses.
    assert_eq!(x.m.sel_new(Some(s), 0.0), Ok(Made::Gone));
}

#[test]
fn a_bad_timeout_is_refused_and_changes_nothing() {
    let mut m = Machine::new();
    for bad in [-1.0, f64::NAN, f64::NEG_INFINITY] {
        assert!(m.sel_new(None, bad).is_err());
    }
    assert_eq!(m.live(), Live::default());
    assert!(m.fx.is_empty());
}

#[test]
fn a_select_given_up_leaves_its_queues_and_a_stale_key_does_nothing() {
    let mut x = Exec::default();
    let a = x.chan(1.0);
    let i = x.select(None, &[(a, false)], false, 10.0);
    x.give_up(i);
    assert_eq!(x.m.live().timers, 0);
    let g = x.sels[i].0;
    assert_eq!(x.m.sel_forget(g), -1.0);
    assert_eq!(x.m.sel_wait(g, a, false), ret::NONE);
    x.m.chan_dispose(a);
    x.effects();
    x.check_all_released();
}

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use proptest::prelude::*;

    use super::*;

    #[derive(Clone, Debug)]
    enum Step {
        Send(usize),
        Recv(usize),
        Select(Vec<(usize, bool)>, bool, bool, bool),
        Close(usize),
        Dispose(usize),
        Abort(usize),
        Timeout(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            6 => (0usize..3).prop_map(Step::Send),
            6 => (0usize..3).prop_map(Step::Recv),
            6 => (
                prop::collection::vec((0usize..3, any::<bool>()), 0..4),
                prop::bool::weighted(0.2),
                any::<bool>(),
                any::<bool>()
            )
                .prop_map(|(c, d, t, s)| Step::Select(c, d, t, s)),
            1 => (0usize..3).prop_map(Step::Close),
            1 => (0usize..3).prop_map(Step::Dispose),
            2 => (0usize..8).prop_map(Step::Abort),
            2 => (0usize..8).prop_map(Step::Timeout),
        ]
    }

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        #[test]
        fn one_case_fires_nothing_is_lost_or_duplicated_and_all_is_released(
            caps in prop::collection::vec(0u8..3, 3),
            steps in prop::collection::vec(step(), 0..120),
        ) {
            let mut x = Exec::default();
            let chans: Vec<Key> = caps.iter().map(|&c| x.chan(f64::from(c))).collect();
            let mut scopes: Vec<Option<Key>> = Vec::new();
            for st in steps {
                match st {
                    Step::Send(c) => { x.send(chans[c]); }
                    Step::Recv(c) => x.recv(chans[c]),
                    Step::Select(cases, default, timeout, scoped) => {
                        let s = scoped.then(|| x.m.scope_new(None, None, ScopeSpec::default()).unwrap());
                        x.m.fx.clear();
                        let cases: Vec<(Key, bool)> = cases.iter().map(|&(c, s)| (chans[c], s)).collect();
                        let i = x.select(s, &cases, default, if timeout { 10.0 } else { 0.0 });
                        if cases.is_empty() && !default && !timeout && !scoped {
                            x.give_up(i); // `select {}` waits forever: give it up
                        }
                        scopes.push(s);
                    }
                    Step::Close(c) => x.close(chans[c]),
                    Step::Dispose(c) => { x.m.chan_dispose(chans[c]); x.effects(); }
                    Step::Abort(i) => {
                        if let Some(s) = scopes.get(i).copied() {
                            match s {
                                Some(s) => { x.m.scope_dispose(s); x.effects(); }
                                None => x.give_up(i),
                            }
                        }
                    }
                    Step::Timeout(i) => x.timeout(i),
                }
                // At most one end each (checked in `end`); the select count matches.
                let waiting = x.sels.iter().filter(|s| s.1.is_none()).count();
                prop_assert_eq!(x.m.live().selects, waiting);
            }
            // Close everything: every waiting select fires (or its scope ends it).
            for &c in &chans {
                x.close(c);
            }
            for (i, s) in scopes.clone().into_iter().enumerate() {
                match s {
                    Some(s) => { x.m.scope_dispose(s); x.effects(); }
                    None => x.give_up(i),
                }
            }
            // The buffered values are received, then the channels end.
            for &c in &chans {
                while x.m.chan_size(c) > 0 {
                    x.recv(c);
                }
                x.m.chan_dispose(c);
                x.effects();
            }
            x.check_all_released();
        }
    }
}
