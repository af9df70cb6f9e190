//! Model-based property tests of the token bucket: random acquires,
//! tryAcquires, dropped waiters, resets and the passing of time (timers
//! fired when due) against a plain model that grants from the front of a
//! list the moment the tokens are there. Rates are 1/4, 1/2 or 1 token per
//! ms and counts whole, so both compute exactly and agree to the token.
//! A second property adds timeouts and checks what must hold whatever
//! the timing: each waiter ends once, grants come in arrival order, a
//! timeout ends a waiter no earlier than it was due, and everything is
//! released at the end.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::{Acquired, GRANTED};
use crate::machine::effect::Op;
use crate::machine::slab::Key;
use crate::machine::{Live, Machine};

#[derive(Clone, Debug)]
enum Step {
    Acquire(u8, Option<u8>),
    Try(u8),
    Advance(u8),
    Drop(usize),
    Reset,
}

fn step(timeouts: bool) -> impl Strategy<Value = Step> {
    let t = if timeouts {
        prop::option::of(1u8..40).boxed()
    } else {
        Just(None).boxed()
    };
    prop_oneof![
        5 => (0u8..12, t).prop_map(|(n, t)| Step::Acquire(n, t)),
        2 => (0u8..12).prop_map(Step::Try),
        5 => (0u8..40).prop_map(Step::Advance),
        1 => any::<usize>().prop_map(Step::Drop),
        1 => Just(Step::Reset),
    ]
}

/// Stands in for JS: a clock, the timers the machine set, the outcomes.
struct Harness {
    m: Machine,
    now: f64,
    /// Live timers by key: (due, order set).
    timers: HashMap<u64, (f64, u64)>,
    set: u64,
    /// Waiter key → GRANTED or a reason (ENDED, a reason key), in order.
    done: Vec<(Key, f64, f64)>,
    /// Times at which each reason key was made as a timeout.
    timeouts: BTreeMap<u64, f64>,
}

impl Harness {
    fn effects(&mut self) {
        for (op, a, b, c) in self.m.fx.decoded() {
            if op == Op::TimerSet as u8 {
                self.set += 1;
                self.timers.insert(a.to_bits(), (self.now + b, self.set));
            } else if op == Op::TimerClear as u8 {
                assert!(self.timers.remove(&a.to_bits()).is_some(), "cleared twice");
            } else if op == Op::BucketDone as u8 {
                let w = Key::from_f64(a).unwrap();
                self.done.push((w, b, self.now));
            } else if op == Op::Reason as u8 && b == 2.0 {
                self.timeouts.insert(a.to_bits(), c);
            }
        }
        self.m.fx.clear();
    }

    /// Fires every timer due by `now + ms`, each at its due time.
    fn advance(&mut self, ms: f64) {
        let target = self.now + ms;
        loop {
            let next = self
                .timers
                .iter()
                .filter(|(_, (due, _))| *due <= target)
                .min_by(|a, b| (a.1 .0, a.1 .1).partial_cmp(&(b.1 .0, b.1 .1)).unwrap())
                .map(|(k, (due, _))| (*k, *due));
            let Some((k, due)) = next else { break };
            self.timers.remove(&k);
            self.now = due;
            self.m.timer_fired(f64::from_bits(k), due);
            self.effects();
        }
        self.now = target;
    }
}

/// The model: tokens at a stamp, a FIFO list.
struct Model {
    cap: f64,
    rate: f64,
    tokens: f64,
    stamp: f64,
    queue: Vec<(Key, f64)>,
    granted: Vec<Key>,
}

impl Model {
    fn refill(&mut self, now: f64) {
        if now > self.stamp {
            self.tokens = (self.tokens + (now - self.stamp) * self.rate).min(self.cap);
            self.stamp = now;
        }
    }

    fn pump(&mut self, now: f64) {
        self.refill(now);
        while let Some(&(w, need)) = self.queue.first() {
            if self.tokens < need {
                break;
            }
            self.tokens -= need;
            self.queue.remove(0);
            self.granted.push(w);
        }
    }

    /// Lets time pass to `target`, granting the front each time its
    /// tokens are there.
    fn advance(&mut self, from: f64, target: f64) {
        let mut now = from;
        self.pump(now);
        while let Some(&(_, need)) = self.queue.first() {
            if self.rate <= 0.0 {
                break;
            }
            let at = now + (need - self.tokens) / self.rate;
            if at > target {
                break;
            }
            now = at;
            self.pump(now);
        }
        self.refill(target);
    }
}

fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(250.0), Just(500.0), Just(1000.0)]
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn the_bucket_grants_what_the_model_grants_when_it_grants_it(
        cap in 1u8..12,
        initial in 0u8..12,
        per_s in rate(),
        steps in prop::collection::vec(step(false), 0..80),
    ) {
        let cap = f64::from(cap);
        let initial = f64::from(initial).min(cap);
        let mut h = Harness { m: Machine::new(), now: 0.0, timers: HashMap::new(), set: 0, done: Vec::new(), timeouts: BTreeMap::new() };
        let b = h.m.tb_new(None, cap, per_s, Some(initial), 0.0).unwrap();
        let mut model = Model { cap, rate: per_s / 1000.0, tokens: initial, stamp: 0.0, queue: Vec::new(), granted: Vec::new() };
        for s in steps {
            match s {
                Step::Acquire(n, _) => {
                    let n = f64::from(n);
                    let r = h.m.tb_acquire(b, n, 0.0, None, h.now);
                    if n > cap {
                        prop_assert!(r.is_err());
                        continue;
                    }
                    model.refill(h.now);
                    let grant_now = model.queue.is_empty() && model.tokens >= n;
                    match r.unwrap() {
                        Acquired::Granted => {
                            prop_assert!(grant_now);
                            model.tokens -= n;
                        }
                        Acquired::Waiting(w) => {
                            prop_assert!(!grant_now);
                            model.queue.push((w, n));
                        }
                        Acquired::Gone => prop_assert!(false, "gone"),
                    }
                    h.effects();
                }
                Step::Try(n) => {
                    let n = f64::from(n);
                    let r = h.m.tb_try(b, n, h.now);
                    if n > cap {
                        prop_assert!(r.is_err());
                        continue;
                    }
                    model.refill(h.now);
                    let ok = model.queue.is_empty() && model.tokens >= n;
                    prop_assert_eq!(r, Ok(ok));
                    if ok {
                        model.tokens -= n;
                    }
                }
                Step::Advance(ms) => {
                    let from = h.now;
                    h.advance(f64::from(ms));
                    model.advance(from, h.now);
                }
                Step::Drop(pick) => {
                    if model.queue.is_empty() {
                        continue;
                    }
                    let (w, _) = model.queue.remove(pick % model.queue.len());
                    h.m.tb_drop(w);
                    h.effects();
                    model.pump(h.now);
                }
                Step::Reset => {
                    h.m.tb_reset(b, h.now);
                    h.effects();
                    model.tokens = cap;
                    model.stamp = h.now;
                    model.pump(h.now);
                }
            }
            let granted: Vec<Key> = h.done.iter().filter(|d| d.1 == GRANTED).map(|d| d.0).collect();
            prop_assert_eq!(&granted, &model.granted);
            prop_assert_eq!(h.done.len(), granted.len(), "only grants without timeouts");
            let tokens = h.m.tb_tokens(b, h.now).unwrap();
            prop_assert_eq!(tokens, model.tokens);
            prop_assert!((0.0..=cap).contains(&tokens));
            prop_assert_eq!(h.m.tb_waiting(b), model.queue.len());
            // Invariant #3: one refill timer exactly while someone waits
            // and tokens come.
            let want = usize::from(!model.queue.is_empty() && per_s > 0.0);
            prop_assert_eq!(h.timers.len(), want);
        }
        h.m.tb_dispose(b);
        h.effects();
        prop_assert_eq!(h.done.len(), model.granted.len() + model.queue.len());
        prop_assert_eq!(h.m.live(), Live::default());
        prop_assert!(h.timers.is_empty());
    }

    #[test]
    fn with_timeouts_each_waiter_ends_once_in_order_and_all_is_released(
        cap in 1u8..12,
        initial in 0u8..12,
        per_s in rate(),
        steps in prop::collection::vec(step(true), 0..80),
    ) {
        let cap = f64::from(cap);
        let mut h = Harness { m: Machine::new(), now: 0.0, timers: HashMap::new(), set: 0, done: Vec::new(), timeouts: BTreeMap::new() };
        let b = h.m.tb_new(None, cap, per_s, Some(f64::from(initial).min(cap)), 0.0).unwrap();
        // Waiters by arrival: (key, made at, timeout).
        let mut waiters: Vec<(Key, f64, Option<f64>)> = Vec::new();
        let mut dropped: Vec<Key> = Vec::new();
        for s in steps {
            match s {
                Step::Acquire(n, t) => {
                    let t = t.map(f64::from);
                    if let Ok(Acquired::Waiting(w)) = h.m.tb_acquire(b, f64::from(n), t.unwrap_or(0.0), None, h.now) {
                        waiters.push((w, h.now, t));
                    }
                    h.effects();
                }
                Step::Try(n) => {
                    let _ = h.m.tb_try(b, f64::from(n), h.now);
                }
                Step::Advance(ms) => h.advance(f64::from(ms)),
                Step::Drop(pick) => {
                    if !waiters.is_empty() {
                        let (w, _, _) = waiters[pick % waiters.len()];
                        if !h.done.iter().any(|d| d.0 == w) && !dropped.contains(&w) {
                            dropped.push(w);
                        }
                        h.m.tb_drop(w);
                        h.effects();
                    }
                }
                Step::Reset => {
                    h.m.tb_reset(b, h.now);
                    h.effects();
                }
            }
            let tokens = h.m.tb_tokens(b, h.now).unwrap();
            prop_assert!((0.0..=cap).contains(&tokens));
        }
        h.m.tb_dispose(b);
        h.effects();
        // Each waiter ends once: by a BucketDone, or by its drop.
        for (w, at, t) in &waiters {
            let ends: Vec<_> = h.done.iter().filter(|d| d.0 == *w).collect();
            let was_dropped = dropped.contains(w);
            prop_assert_eq!(ends.len() + usize::from(was_dropped), 1, "{:?}", w);
            if let Some(end) = ends.first() {
                if let Some(&ms) = h.timeouts.get(&end.1.to_bits()) {
                    prop_assert_eq!(Some(ms), *t);
                    prop_assert!(end.2 >= at + ms, "timed out early");
                }
            }
        }
        // Grants in arrival order.
        let order: Vec<usize> = h.done.iter().filter(|d| d.1 == GRANTED)
            .map(|d| waiters.iter().position(|w| w.0 == d.0).unwrap()).collect();
        prop_assert!(order.windows(2).all(|p| p[0] < p[1]), "{:?}", order);
        prop_assert_eq!(h.m.live(), Live::default());
        prop_assert!(h.timers.is_empty());
    }
}
