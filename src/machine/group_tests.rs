//! The group driven as the executor drives it: commands and events in,
//! effects out. `Js` plays the executor: it carries out `GroupStart` by
//! calling `group_spawn`, keeps the `Start`s and the `GroupDone`, and
//! watches member nodes (as a factory that reads its signal does).
use super::*;
use crate::machine::effect::Op;
use crate::machine::scope::ScopeSpec;
use crate::machine::FailKind;

const START: u8 = Op::Start as u8;
const ABORT: u8 = Op::Abort as u8;
const DISPOSED: u8 = Op::Disposed as u8;
const GROUP_START: u8 = Op::GroupStart as u8;
const GROUP_DONE: u8 = Op::GroupDone as u8;
const TIMER_SET: u8 = Op::TimerSet as u8;
const TIMER_CLEAR: u8 = Op::TimerClear as u8;

/// A started member: its factory index, task, attempt serial and node.
#[derive(Copy, Clone, Debug)]
pub(super) struct Started {
    pub(super) index: u32,
    task: f64,
    serial: u32,
    pub(super) node: f64,
}

#[derive(Default)]
pub(super) struct Js {
    pub(super) m: Machine,
    /// Every effect applied, in order.
    pub(super) log: Vec<(u8, f64, f64, f64)>,
    /// Members started, in order, with the clock at their start.
    pub(super) started: Vec<Started>,
    pub(super) started_at: Vec<f64>,
    /// Members that have not settled.
    pub(super) running: Vec<Started>,
    /// The member JS is spawning now (its `Start` follows `group_spawn`).
    spawning: Option<u32>,
    pub(super) done: Option<(f64, f64)>,
    /// Watch every member's node when it starts.
    pub(super) watch: bool,
    /// The clock (ms) and the timers set: `(timer, due)`, in setting order.
    pub(super) now: f64,
    pub(super) timers: Vec<(f64, f64)>,
}

impl Js {
    pub(super) fn new() -> Js {
        Js::default()
    }

    /// Applies the effects, the way wasm.ts's `run` does (events from
    /// handlers append to the same queue).
    pub(super) fn run(&mut self) {
        loop {
            let fx = self.m.fx.decoded();
            self.m.fx.clear();
            if fx.is_empty() {
                return;
            }
            for e in fx {
                self.apply(e);
            }
        }
    }

    fn apply(&mut self, e: (u8, f64, f64, f64)) {
        self.log.push(e);
        let (op, a, b, c) = e;
        match op {
            GROUP_START => {
                let g = Key::from_f64(a).unwrap();
                for i in (b as u32)..(b as u32 + c as u32) {
                    self.spawning = Some(i);
                    let _ = self.m.group_spawn(g, i, 0.0);
                    // Its `Start` (if any) is applied in order below.
                    let fx = self.m.fx.decoded();
                    self.m.fx.clear();
                    for e in fx {
                        self.apply(e);
                    }
                    self.spawning = None;
                }
            }
            START => {
                let mut s = Started {
                    index: self.spawning.expect("a Start outside group_spawn"),
                    task: a,
                    serial: b as u32,
                    node: c,
                };
                if self.watch {
                    // A member with no node yet gets one when its signal is read.
                    if c == -1.0 {
                        let k = Key::from_f64(a).expect("a task key");
                        s.node = self.m.task_node(k).map_or(-1.0, Machine::node_f64);
                    }
                    let _ = self.m.watch(s.node);
                }
                self.started.push(s);
                self.started_at.push(self.now);
                self.running.push(s);
            }
            TIMER_SET => self.timers.push((a, self.now + b)),
            TIMER_CLEAR => self.timers.retain(|t| t.0 != a),
            GROUP_DONE => {
                assert!(self.done.is_none(), "GroupDone twice");
                self.done = Some((b, c));
            }
            _ => {}
        }
    }

    /// The clock moves on by `ms`: the timers due fire in order of their
    /// due time (then of their setting).
    pub(super) fn advance(&mut self, ms: f64) {
        let target = self.now + ms;
        loop {
            let next = self
                .timers
                .iter()
                .enumerate()
                .filter(|(_, t)| t.1 <= target)
                .min_by(|a, b| a.1 .1.total_cmp(&b.1 .1).then(a.0.cmp(&b.0)))
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let (k, due) = self.timers.remove(i);
            self.now = due;
            self.m.timer_fired(k, due);
            self.run();
        }
        self.now = target;
    }

    /// The running member of factory `index` settles.
    pub(super) fn settle(&mut self, index: u32, ok: bool) {
        let at = self.running.iter().position(|s| s.index == index).unwrap();
        let s = self.running.remove(at);
        assert!(self.m.attempt_settled(s.task, s.serial, ok, 0.0));
        self.run();
    }

    pub(super) fn scope(&mut self, parent: Option<Key>, spec: ScopeSpec) -> Key {
        let k = self.m.scope_new(parent, None, spec).unwrap();
        self.run();
        k
    }

    fn group(
        &mut self,
        parent: Option<Key>,
        kind: Kind,
        n: u32,
        limit: Option<f64>,
        fail_fast: bool,
    ) -> Key {
        let inner = self.scope(parent, ScopeSpec::default());
        let g = self
            .m
            .group_new(
                inner,
                kind,
                n,
                limit,
                u32::from(fail_fast),
                &RaceSpec::default(),
            )
            .unwrap();
        self.run();
        g
    }

    pub(super) fn started_indices(&self) -> Vec<u32> {
        self.started.iter().map(|s| s.index).collect()
    }

    pub(super) fn position(&self, op: u8) -> Option<usize> {
        self.log.iter().position(|e| e.0 == op)
    }

    pub(super) fn assert_all_released(&self) {
        let l = self.m.live();
        assert_eq!(
            (l.scopes, l.tasks, l.nodes, l.links, l.reasons, l.timers, l.groups),
            (0, 0, 0, 0, 0, 0, 0),
            "{l:?}"
        );
        assert!(self.m.groups.members.iter().all(Option::is_none));
    }
}

#[test]
fn race_is_decided_by_the_first_to_settle_and_the_losers_are_aborted() {
    let mut js = Js::new();
    js.watch = true;
    js.group(None, Kind::Race, 3, None, false);
    assert_eq!(
        js.started_indices(),
        vec![0, 1, 2],
        "every factory starts at once, in order"
    );
    js.settle(1, true);
    // The losers' signals abort (the internal scope is disposed), but the
    // race waits for them.
    let aborted: Vec<f64> = js
        .log
        .iter()
        .filter(|e| e.0 == ABORT)
        .map(|e| e.1)
        .collect();
    assert!(aborted.contains(&js.started[0].node) && aborted.contains(&js.started[2].node));
    assert_eq!(js.done, None);
    js.settle(0, true);
    js.settle(2, false);
    assert_eq!(js.done, Some((how::WINNER, 1.0)));
    assert!(
        js.position(DISPOSED) < js.position(GROUP_DONE),
        "the scope's disposal ends first"
    );
    js.assert_all_released();
}

#[test]
fn a_race_failure_that_comes_first_decides_too() {
    let mut js = Js::new();
    js.group(None, Kind::Race, 2, None, false);
    js.settle(0, false);
    js.settle(1, true);
    assert_eq!(js.done, Some((how::WINNER, 0.0)));
    js.assert_all_released();
}

#[test]
fn a_race_of_one_ends_with_its_member() {
    let mut js = Js::new();
    js.group(None, Kind::Race, 1, None, false);
    js.settle(0, true);
    assert_eq!(js.done, Some((how::WINNER, 0.0)));
    js.assert_all_released();
}

#[test]
fn a_race_whose_scope_aborts_first_gives_the_reason() {
    let mut js = Js::new();
    let parent = js.scope(None, ScopeSpec::default());
    js.group(Some(parent), Kind::Race, 2, None, false);
    assert!(js.m.scope_dispose(parent));
    js.run();
    let reason = js
        .log
        .iter()
        .find(|e| e.0 == Op::Reason as u8)
        .map(|e| e.1)
        .unwrap();
    assert_eq!(js.done, None, "waits for its members");
    js.settle(1, true); // settles after the abort: too late to win
    js.settle(0, false);
    assert_eq!(js.done, Some((how::ABORTED, reason)));
    // The reason is released only after GroupDone carried it.
    let free = js
        .log
        .iter()
        .position(|e| e.0 == Op::ReasonFree as u8 && e.1 == reason)
        .unwrap();
    assert!(js.position(GROUP_DONE).unwrap() < free);
    js.assert_all_released();
}

#[test]
fn an_already_aborted_race_starts_nothing() {
    let mut js = Js::new();
    let link = js.m.link(None, true);
    let inner =
        js.m.scope_new(None, Some(link), ScopeSpec::default())
            .unwrap();
    js.run();
    js.m.group_new(inner, Kind::Race, 2, None, 0, &RaceSpec::default())
        .unwrap();
    js.run();
    assert!(js.started.is_empty());
    let (how, reason) = js.done.unwrap();
    assert_eq!(how, how::ABORTED);
    assert!(reason >= 0.0);
    js.assert_all_released();
}

#[test]
fn parallel_starts_in_input_order_within_the_limit() {
    let mut js = Js::new();
    js.group(None, Kind::Parallel, 5, Some(2.0), false);
    assert_eq!(js.started_indices(), vec![0, 1]);
    js.settle(1, true);
    assert_eq!(js.started_indices(), vec![0, 1, 2]);
    js.settle(0, false); // failures do not stop a parallel without failFast
    js.settle(2, true);
    assert_eq!(js.started_indices(), vec![0, 1, 2, 3, 4]);
    js.settle(4, true);
    assert_eq!(js.done, None);
    js.settle(3, true);
    assert_eq!(js.done, Some((how::RESULTS, -1.0)));
    js.assert_all_released();
}

#[test]
fn parallel_without_a_limit_starts_everything_and_zero_means_none() {
    for limit in [None, Some(0.0), Some(f64::INFINITY)] {
        let mut js = Js::new();
        js.group(None, Kind::Parallel, 4, limit, false);
        assert_eq!(js.started_indices(), vec![0, 1, 2, 3], "{limit:?}");
        for i in 0..4 {
            js.settle(i, true);
        }
        assert_eq!(js.done, Some((how::RESULTS, -1.0)));
        js.assert_all_released();
    }
}

#[test]
fn an_empty_parallel_ends_at_once() {
    let mut js = Js::new();
    js.group(None, Kind::Parallel, 0, None, true);
    assert_eq!(js.done, Some((how::RESULTS, -1.0)));
    js.assert_all_released();
}

#[test]
fn fail_fast_stops_starting_and_rejects_with_the_first_error_in_input_order() {
    let mut js = Js::new();
    js.group(None, Kind::Parallel, 4, Some(2.0), true);
    js.settle(1, false);
    assert_eq!(
        js.started_indices(),
        vec![0, 1],
        "nothing new starts after a failure"
    );
    assert_eq!(js.done, None, "the running member is waited for");
    js.settle(0, false);
    assert_eq!(js.done, Some((how::REJECT, 0.0)));
    js.assert_all_released();

    let mut js = Js::new();
    js.group(None, Kind::Parallel, 3, Some(2.0), true);
    js.settle(1, false);
    js.settle(0, true);
    assert_eq!(js.done, Some((how::REJECT, 1.0)));
    assert_eq!(js.started_indices(), vec![0, 1]);
    js.assert_all_released();
}

#[test]
fn a_parallel_aborted_mid_run_stops_starting_and_gives_the_reason_to_the_rest() {
    let mut js = Js::new();
    let parent = js.scope(None, ScopeSpec::default());
    js.group(Some(parent), Kind::Parallel, 4, Some(1.0), true);
    js.settle(0, true);
    assert!(js.m.scope_dispose(parent));
    js.run();
    js.settle(1, true);
    assert_eq!(js.started_indices(), vec![0, 1]);
    let (how, reason) = js.done.unwrap();
    assert_eq!(
        how,
        how::RESULTS,
        "tuples, even with failFast: no member failed"
    );
    assert!(reason >= 0.0);
    js.assert_all_released();
}

#[test]
fn a_start_decided_before_an_abort_that_came_first_is_not_made() {
    // Member 0 settles and factory 1 is due (GroupStart queued); user code
    // aborts the scope before JS gets to spawning it.
    let mut js = Js::new();
    let parent = js.scope(None, ScopeSpec::default());
    let g = js.group(Some(parent), Kind::Parallel, 2, Some(1.0), false);
    let s = js.running.remove(0);
    assert!(js.m.attempt_settled(s.task, s.serial, true, 0.0));
    let queued = js.m.fx.decoded();
    js.m.fx.clear();
    assert!(queued.iter().any(|e| e.0 == GROUP_START));
    assert!(js.m.scope_dispose(parent));
    js.run();
    assert_eq!(js.m.group_spawn(g, 1, 0.0), None);
    js.run();
    let (how, reason) = js.done.unwrap();
    assert_eq!(how, how::RESULTS);
    assert!(reason >= 0.0);
    js.assert_all_released();
}

#[test]
fn s_parallel_takes_the_scope_concurrency_and_the_internal_scope_has_no_permits() {
    let mut js = Js::new();
    let parent = js.scope(
        None,
        ScopeSpec {
            concurrency: Some(3.0),
            breaker: Some((Some(1.0), None)),
            ..ScopeSpec::default()
        },
    );
    let inner = js.scope(Some(parent), ScopeSpec::default());
    assert_eq!(js.m.scope_concurrency(inner), 3.0, "inherited");
    js.m.group_new(inner, Kind::Parallel, 5, None, 0, &RaceSpec::default())
        .unwrap();
    js.run();
    assert_eq!(js.started_indices(), vec![0, 1, 2]);
    assert_eq!(js.m.scope_concurrency(inner), 0.0);
    assert_eq!(js.m.scope_breaker(inner), None);
    // A race ignores it.
    let inner2 = js.scope(Some(parent), ScopeSpec::default());
    js.m.group_new(inner2, Kind::Race, 5, None, 0, &RaceSpec::default())
        .unwrap();
    js.run();
    assert_eq!(js.started.len(), 3 + 5);
}

#[test]
fn plan_refuses_bad_concurrency_and_tells_empty() {
    assert_eq!(
        plan(Kind::Parallel, 0, None, &RaceSpec::default()),
        Ok(Plan::Empty)
    );
    assert_eq!(
        plan(Kind::Parallel, 3, Some(0.0), &RaceSpec::default()),
        Ok(Plan::Run)
    );
    for bad in [-1.0, 1.5, f64::NAN, 2f64.powi(40)] {
        let f = plan(Kind::Parallel, 3, Some(bad), &RaceSpec::default()).unwrap_err();
        assert_eq!(
            (f.kind, f.message, f.number.to_bits()),
            (FailKind::RangeError, PARALLEL_CONCURRENCY, bad.to_bits())
        );
    }
}

#[test]
fn a_failed_group_new_changes_nothing() {
    let mut js = Js::new();
    let inner = js.scope(None, ScopeSpec::default());
    assert!(js
        .m
        .group_new(
            inner,
            Kind::Parallel,
            2,
            Some(-1.0),
            0,
            &RaceSpec::default()
        )
        .is_err());
    assert!(js
        .m
        .group_new(inner, Kind::Race, 0, None, 0, &RaceSpec::default())
        .is_err());
    assert!(js.m.fx.is_empty());
    assert_eq!(js.m.live().groups, 0);
}

#[test]
fn stale_and_out_of_order_spawns_start_nothing() {
    let mut js = Js::new();
    let g = js.group(None, Kind::Parallel, 3, Some(1.0), false);
    assert_eq!(js.m.group_spawn(g, 0, 0.0), None, "already spawned");
    assert_eq!(js.m.group_spawn(g, 2, 0.0), None, "not due");
    assert!(js.m.fx.is_empty());
    for i in 0..3 {
        js.settle(i, true);
    }
    assert_eq!(js.m.group_spawn(g, 3, 0.0), None, "the group is over");
    js.assert_all_released();
}

#[test]
fn a_plain_task_settling_is_not_a_member() {
    let mut js = Js::new();
    let s = js.scope(None, ScopeSpec::default());
    let t = js.m.spawn(s, Default::default(), 0.0).unwrap();
    let start =
        js.m.fx
            .decoded()
            .into_iter()
            .find(|e| e.0 == START)
            .unwrap();
    js.m.fx.clear();
    assert!(js.m.attempt_settled(t.to_f64(), start.2 as u32, true, 0.0));
    assert!(!js
        .m
        .fx
        .decoded()
        .iter()
        .any(|e| e.0 == GROUP_DONE || e.0 == GROUP_START));
}

// ---- a model ---------------------------------------------------------------

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        /// Random settle orders and outcomes against a naive model of
        /// parallel: start order, the limit, failFast's stop and its error.
        #[test]
        fn parallel_matches_a_naive_model(
            n in 0u32..12,
            limit in 0u32..5,
            fail_fast in any::<bool>(),
            picks in prop::collection::vec((any::<usize>(), prop::bool::weighted(0.7)), 0..40),
        ) {
            let mut js = Js::new();
            js.group(None, Kind::Parallel, n, Some(f64::from(limit)), fail_fast);
            let cap = if limit == 0 { u32::MAX } else { limit };
            // Model.
            let mut next = 0u32;
            let mut running: Vec<u32> = Vec::new();
            let mut first_error: Option<u32> = None;
            let mut order: Vec<u32> = Vec::new();
            let fill = |next: &mut u32, running: &mut Vec<u32>, order: &mut Vec<u32>, stopped: bool| {
                while !stopped && (running.len() as u32) < cap && *next < n {
                    running.push(*next);
                    order.push(*next);
                    *next += 1;
                }
            };
            fill(&mut next, &mut running, &mut order, false);
            let mut picks = picks.into_iter();
            while !running.is_empty() {
                let (p, ok) = picks.next().unwrap_or((0, true));
                let i = running.remove(p % running.len());
                if !ok && first_error.is_none_or(|f| i < f) {
                    first_error = Some(i);
                }
                js.settle(i, ok);
                fill(&mut next, &mut running, &mut order, fail_fast && first_error.is_some());
                prop_assert_eq!(js.started_indices(), order.clone());
                prop_assert!(js.running.len() as u32 <= cap);
                prop_assert_eq!(js.done.is_some(), running.is_empty());
            }
            let want = match first_error {
                Some(i) if fail_fast => (how::REJECT, f64::from(i)),
                _ => (how::RESULTS, -1.0),
            };
            prop_assert_eq!(js.done, Some(want));
            js.assert_all_released();
        }

        /// A race is won by whichever member settles first, whatever the order.
        #[test]
        fn race_is_won_by_the_first_to_settle(
            n in 1u32..8,
            picks in prop::collection::vec((any::<usize>(), any::<bool>()), 8),
        ) {
            let mut js = Js::new();
            js.watch = true;
            js.group(None, Kind::Race, n, None, false);
            let mut winner = None;
            for (p, ok) in picks.into_iter().take(n as usize) {
                let i = js.running[p % js.running.len()].index;
                winner.get_or_insert(i);
                js.settle(i, ok);
                // Every member still running has seen its signal aborted.
                for s in &js.running {
                    prop_assert!(js.log.iter().any(|e| e.0 == ABORT && e.1 == s.node));
                }
            }
            prop_assert_eq!(js.done, Some((how::WINNER, f64::from(winner.unwrap()))));
            js.assert_all_released();
        }
    }
}

#[test]
fn a_parallel_with_progress_reports_each_member_after_its_settle_in_settling_order() {
    let mut js = Js::new();
    let inner = js.scope(None, ScopeSpec::default());
    js.m.group_new(
        inner,
        Kind::Parallel,
        3,
        Some(2.0),
        flag::PROGRESS,
        &RaceSpec::default(),
    )
    .unwrap();
    js.run();
    js.settle(1, false);
    js.settle(0, true);
    js.settle(2, true);
    let progress: Vec<(f64, f64)> = js
        .log
        .iter()
        .filter(|e| e.0 == Op::GroupProgress as u8)
        .map(|e| (e.2, e.3))
        .collect();
    assert_eq!(progress, [(1.0, 1.0), (0.0, 2.0), (2.0, 3.0)]);
    // Each report follows its member's Settle.
    let settles: Vec<usize> = (0..js.log.len())
        .filter(|&i| js.log[i].0 == Op::Settle as u8)
        .collect();
    let reports: Vec<usize> = (0..js.log.len())
        .filter(|&i| js.log[i].0 == Op::GroupProgress as u8)
        .collect();
    for (s, r) in settles.iter().zip(&reports) {
        assert_eq!(s + 1, *r);
    }
    assert_eq!(js.done, Some((how::RESULTS, -1.0)));
    assert_eq!(js.m.live(), crate::machine::Live::default());
}

#[test]
fn progress_is_reported_only_when_asked_and_never_for_a_race() {
    for (kind, flags) in [(Kind::Parallel, 0), (Kind::Race, flag::PROGRESS)] {
        let mut js = Js::new();
        let inner = js.scope(None, ScopeSpec::default());
        js.m.group_new(inner, kind, 2, None, flags, &RaceSpec::default())
            .unwrap();
        js.run();
        js.settle(0, true);
        if kind == Kind::Parallel {
            js.settle(1, true);
        }
        js.run();
        assert!(js.position(Op::GroupProgress as u8).is_none(), "{kind:?}");
    }
}
