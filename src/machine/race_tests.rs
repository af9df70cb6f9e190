//! go-go-scope 2.x's race options (`requireSuccess`, `timeout`, `stagger`
//! / `staggerDelay`, `staggerMaxConcurrent`), driven as the executor
//! drives them, on a clock the test moves (`Js::advance`).
use super::tests::Js;
use super::*;
use crate::machine::effect::{Op, ReasonKind};
use crate::machine::scope::ScopeSpec;
use crate::machine::FailKind;

const ABORT: u8 = Op::Abort as u8;

fn spec(timeout: f64, stagger: f64, max: f64) -> RaceSpec {
    RaceSpec {
        timeout,
        stagger,
        stagger_delay: false,
        max,
    }
}

/// A race of `n` under a fresh internal scope (under `parent` if given).
fn race(js: &mut Js, parent: Option<Key>, n: u32, flags: u32, spec: RaceSpec) -> Key {
    let inner = js.scope(parent, ScopeSpec::default());
    let g =
        js.m.group_new(inner, Kind::Race, n, None, flags, &spec)
            .unwrap();
    js.run();
    g
}

fn reasons(js: &Js) -> Vec<(f64, f64, f64)> {
    js.log
        .iter()
        .filter(|e| e.0 == Op::Reason as u8)
        .map(|e| (e.1, e.2, e.3))
        .collect()
}

#[test]
fn require_success_lets_failures_pass_and_the_first_success_wins() {
    let mut js = Js::new();
    js.watch = true;
    race(&mut js, None, 3, flag::REQUIRE_SUCCESS, RaceSpec::default());
    js.settle(2, false);
    js.settle(0, false);
    assert_eq!(js.done, None, "failures do not decide");
    assert!(!js.log.iter().any(|e| e.0 == ABORT), "nobody aborted yet");
    js.settle(1, true);
    assert_eq!(js.done, Some((how::WINNER, 1.0)));
    js.assert_all_released();
}

#[test]
fn require_success_with_every_factory_failed_ends_all_failed() {
    let mut js = Js::new();
    race(&mut js, None, 3, flag::REQUIRE_SUCCESS, RaceSpec::default());
    js.settle(1, false);
    js.settle(0, false);
    assert_eq!(js.done, None);
    js.settle(2, false);
    assert_eq!(js.done, Some((how::ALL_FAILED, -1.0)));
    js.assert_all_released();
}

#[test]
fn require_success_aborted_before_a_success_gives_the_reason() {
    let mut js = Js::new();
    let parent = js.scope(None, ScopeSpec::default());
    race(
        &mut js,
        Some(parent),
        2,
        flag::REQUIRE_SUCCESS,
        RaceSpec::default(),
    );
    js.settle(0, false);
    assert!(js.m.scope_dispose(parent));
    js.run();
    js.settle(1, true); // after the abort: too late
    let (how, reason) = js.done.unwrap();
    assert_eq!(how, how::ABORTED);
    assert!(reason >= 0.0);
    js.assert_all_released();
}

#[test]
fn a_timeout_aborts_the_members_with_timeout_after_ms_and_decides() {
    let mut js = Js::new();
    js.watch = true;
    race(&mut js, None, 2, 0, spec(100.0, 0.0, 0.0));
    js.advance(99.0);
    assert!(reasons(&js).is_empty());
    js.advance(1.0);
    let r = reasons(&js);
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].1, r[0].2),
        (f64::from(ReasonKind::Timeout as u8), 100.0)
    );
    for s in &js.started {
        assert!(js
            .log
            .iter()
            .any(|e| e.0 == ABORT && e.1 == s.node && e.2 == r[0].0));
    }
    js.settle(1, true); // a success after the timeout does not win
    js.settle(0, false);
    assert_eq!(js.done, Some((how::ABORTED, r[0].0)));
    js.assert_all_released();
}

#[test]
fn a_timeout_with_require_success_and_all_failed_before_it() {
    let mut js = Js::new();
    race(
        &mut js,
        None,
        2,
        flag::REQUIRE_SUCCESS,
        spec(100.0, 0.0, 0.0),
    );
    js.advance(10.0);
    js.settle(0, false);
    js.settle(1, false);
    assert_eq!(js.done, Some((how::ALL_FAILED, -1.0)));
    assert!(js.timers.is_empty(), "the timeout is cleared with the race");
    js.assert_all_released();
}

#[test]
fn a_race_decided_before_its_timeout_clears_it() {
    for t in [0.0, f64::INFINITY, 5.0] {
        let mut js = Js::new();
        race(&mut js, None, 2, 0, spec(t, 0.0, 0.0));
        assert_eq!(
            js.timers.len(),
            usize::from(t == 5.0),
            "{t}: 0 and Infinity are none"
        );
        js.settle(1, true);
        js.settle(0, true);
        assert_eq!(js.done, Some((how::WINNER, 1.0)));
        assert!(js.timers.is_empty());
        js.assert_all_released();
    }
}

#[test]
fn stagger_starts_the_next_factory_only_if_none_settled_within_it() {
    let mut js = Js::new();
    race(&mut js, None, 3, 0, spec(0.0, 50.0, 0.0));
    assert_eq!(js.started_indices(), [0]);
    js.advance(49.0);
    assert_eq!(js.started_indices(), [0]);
    js.advance(1.0);
    assert_eq!(js.started_indices(), [0, 1]);
    js.advance(50.0);
    assert_eq!(js.started_indices(), [0, 1, 2]);
    assert_eq!(js.started_at, [0.0, 50.0, 100.0]);
    assert!(js.timers.is_empty(), "no timer once every factory started");
    js.settle(1, true);
    assert_eq!(js.done, None, "the others are waited for");
    js.settle(0, true);
    js.settle(2, true);
    assert_eq!(js.done, Some((how::WINNER, 1.0)));
    js.assert_all_released();
}

#[test]
fn a_settle_within_the_stagger_decides_and_nothing_more_starts() {
    let mut js = Js::new();
    race(&mut js, None, 3, 0, spec(0.0, 50.0, 0.0));
    js.advance(20.0);
    js.settle(0, false); // without requireSuccess a failure decides
    assert_eq!(js.done, Some((how::WINNER, 0.0)));
    assert!(js.timers.is_empty());
    js.advance(100.0);
    assert_eq!(js.started_indices(), [0]);
    js.assert_all_released();
}

#[test]
fn with_require_success_a_failure_starts_the_next_at_once_and_restarts_the_wait() {
    let mut js = Js::new();
    race(
        &mut js,
        None,
        3,
        flag::REQUIRE_SUCCESS,
        spec(0.0, 50.0, 0.0),
    );
    js.advance(20.0);
    js.settle(0, false);
    assert_eq!(js.started_indices(), [0, 1]);
    js.advance(49.0);
    assert_eq!(js.started_indices(), [0, 1]);
    js.advance(1.0);
    assert_eq!(js.started_at, [0.0, 20.0, 70.0]);
    js.settle(2, true);
    js.settle(1, false);
    assert_eq!(js.done, Some((how::WINNER, 2.0)));
    js.assert_all_released();
}

#[test]
fn stagger_max_concurrent_holds_a_start_until_a_member_fails() {
    let mut js = Js::new();
    race(
        &mut js,
        None,
        4,
        flag::REQUIRE_SUCCESS,
        spec(0.0, 10.0, 2.0),
    );
    js.advance(10.0);
    assert_eq!(js.started_indices(), [0, 1]);
    js.advance(100.0);
    assert_eq!(js.started_indices(), [0, 1], "two at most");
    assert!(
        js.timers.is_empty(),
        "the fired timer owes a start; none is set"
    );
    js.settle(1, false);
    assert_eq!(js.started_indices(), [0, 1, 2]);
    assert_eq!(js.started_at[2], 110.0);
    js.settle(0, false);
    assert_eq!(js.started_indices(), [0, 1, 2, 3]);
    js.settle(3, false);
    js.settle(2, false);
    assert_eq!(js.done, Some((how::ALL_FAILED, -1.0)));
    js.assert_all_released();
}

#[test]
fn an_infinite_stagger_is_a_fallback_chain() {
    let mut js = Js::new();
    race(
        &mut js,
        None,
        3,
        flag::REQUIRE_SUCCESS,
        spec(0.0, f64::INFINITY, 0.0),
    );
    assert!(
        js.timers.is_empty(),
        "a timer that never fires is never set"
    );
    js.advance(1e9);
    assert_eq!(js.started_indices(), [0]);
    js.settle(0, false);
    js.settle(1, false);
    assert_eq!(js.started_indices(), [0, 1, 2]);
    js.settle(2, true);
    assert_eq!(js.done, Some((how::WINNER, 2.0)));
    js.assert_all_released();
}

#[test]
fn a_stagger_timer_after_the_timeout_starts_nothing() {
    let mut js = Js::new();
    race(&mut js, None, 3, 0, spec(30.0, 50.0, 0.0));
    js.advance(30.0);
    assert_eq!(js.started_indices(), [0]);
    js.advance(20.0); // the stagger timer fires after the timeout
    assert_eq!(
        js.started_indices(),
        [0],
        "nothing starts after the timeout"
    );
    js.settle(0, true);
    let (how, reason) = js.done.unwrap();
    assert_eq!(how, how::ABORTED);
    assert_eq!(reasons(&js)[0].0, reason);
    js.assert_all_released();
}

#[test]
fn a_staggered_race_aborted_from_outside_clears_its_timer() {
    let mut js = Js::new();
    let parent = js.scope(None, ScopeSpec::default());
    race(&mut js, Some(parent), 3, 0, spec(0.0, 50.0, 0.0));
    assert!(js.m.scope_dispose(parent));
    js.run();
    js.settle(0, false);
    assert_eq!(js.done.map(|d| d.0), Some(how::ABORTED));
    assert!(js.timers.is_empty());
    js.advance(100.0);
    assert_eq!(js.started_indices(), [0]);
    js.assert_all_released();
}

#[test]
fn race_options_are_judged_and_a_refusal_changes_nothing() {
    let cases = [
        (spec(-1.0, 0.0, 0.0), RACE_TIMEOUT, -1.0),
        (spec(f64::NAN, 0.0, 0.0), RACE_TIMEOUT, f64::NAN),
        (spec(0.0, -5.0, 0.0), RACE_STAGGER, -5.0),
        (
            RaceSpec {
                stagger_delay: true,
                ..spec(0.0, f64::NAN, 0.0)
            },
            RACE_STAGGER_DELAY,
            f64::NAN,
        ),
        (spec(0.0, 10.0, 1.5), RACE_STAGGER_MAX, 1.5),
        (spec(0.0, 10.0, -1.0), RACE_STAGGER_MAX, -1.0),
    ];
    for (bad, message, number) in cases {
        let f = plan(Kind::Race, 2, None, &bad).unwrap_err();
        assert_eq!(
            (f.kind, f.message, f.number.to_bits()),
            (FailKind::RangeError, message, number.to_bits())
        );
        let mut js = Js::new();
        let inner = js.scope(None, ScopeSpec::default());
        let before = js.m.live();
        let g =
            js.m.group_new(inner, Kind::Race, 2, None, 0, &bad)
                .unwrap_err();
        assert_eq!(
            (g.message, g.number.to_bits()),
            (f.message, f.number.to_bits())
        );
        assert!(js.m.fx.is_empty());
        assert_eq!(js.m.live(), before);
    }
    for ok in [
        spec(f64::INFINITY, f64::INFINITY, f64::INFINITY),
        spec(1.5, 0.5, 3.0),
    ] {
        assert_eq!(plan(Kind::Race, 2, None, &ok), Ok(Plan::Run));
    }
    let f = plan(Kind::Race, 2, Some(-1.0), &RaceSpec::default()).unwrap_err();
    assert_eq!(f.message, RACE_CONCURRENCY);
    // A parallel ignores a race's timing.
    assert_eq!(
        plan(Kind::Parallel, 2, None, &spec(-1.0, 0.0, 0.0)),
        Ok(Plan::Run)
    );
    let mut js = Js::new();
    let inner = js.scope(None, ScopeSpec::default());
    assert!(js
        .m
        .group_new(inner, Kind::Parallel, 1, None, 0, &spec(-1.0, 0.0, 0.0))
        .is_ok());
}

#[test]
fn concurrency_and_stagger_max_concurrent_limit_a_race_the_smaller_wins() {
    for (limit, max, want) in [
        (Some(2.0), 0.0, 2),
        (None, 3.0, 3),
        (Some(2.0), 3.0, 2),
        (Some(4.0), 1.0, 1),
    ] {
        let mut js = Js::new();
        let inner = js.scope(None, ScopeSpec::default());
        js.m.group_new(
            inner,
            Kind::Race,
            5,
            limit,
            flag::REQUIRE_SUCCESS,
            &spec(0.0, 0.0, max),
        )
        .unwrap();
        js.run();
        assert_eq!(js.started.len(), want, "{limit:?} {max}");
        // A failure frees a slot: the next starts (2.x's race `concurrency`).
        js.settle(0, false);
        assert_eq!(js.started.len(), want + 1);
        let first = js.running[0].index;
        js.settle(first, true);
        while let Some(s) = js.running.first().copied() {
            js.settle(s.index, true);
        }
        assert_eq!(js.done, Some((how::WINNER, f64::from(first))));
        js.assert_all_released();
    }
}

#[test]
fn an_already_aborted_race_with_a_timeout_sets_no_timer() {
    let mut js = Js::new();
    let link = js.m.link(None, true);
    let inner =
        js.m.scope_new(None, Some(link), ScopeSpec::default())
            .unwrap();
    js.run();
    js.m.group_new(
        inner,
        Kind::Race,
        2,
        None,
        flag::REQUIRE_SUCCESS,
        &spec(50.0, 10.0, 0.0),
    )
    .unwrap();
    js.run();
    assert!(js.started.is_empty());
    assert_eq!(js.done.map(|d| d.0), Some(how::ABORTED));
    assert!(js.timers.is_empty());
    js.assert_all_released();
}

// ---- a model ---------------------------------------------------------------

#[cfg(not(target_arch = "wasm32"))]
mod props {
    use super::*;

    use proptest::prelude::*;

    #[derive(Copy, Clone, Debug, PartialEq)]
    enum Decided {
        Winner(u32),
        AllFailed,
        Reason,
    }

    /// What the model says a race does, step by step.
    struct Model {
        n: u32,
        cap: usize,
        require_success: bool,
        stagger: Option<f64>,
        now: f64,
        next: u32,
        running: Vec<u32>,
        started: Vec<(u32, f64)>,
        /// The stagger timer's due time.
        timer: Option<f64>,
        /// A start owed (the timer fired at the limit, or a failure).
        owed: bool,
        timeout: Option<f64>,
        /// The timeout ran out, and whether the race has noticed yet.
        timed_out: bool,
        decided: Option<Decided>,
    }

    impl Model {
        fn start_one(&mut self) {
            self.started.push((self.next, self.now));
            self.running.push(self.next);
            self.next += 1;
            self.owed = false;
            self.timer = match self.stagger {
                Some(ms) if self.next < self.n && ms.is_finite() => Some(self.now + ms),
                _ => None,
            };
        }

        fn fill(&mut self) {
            if self.decided.is_some() || self.timed_out {
                return;
            }
            if self.stagger.is_some() {
                if (self.owed || self.next == 0)
                    && self.running.len() < self.cap
                    && self.next < self.n
                {
                    self.start_one();
                }
            } else {
                while self.running.len() < self.cap && self.next < self.n {
                    self.start_one();
                }
            }
            if self.require_success && self.running.is_empty() && self.next == self.n {
                self.decide(Decided::AllFailed);
            }
        }

        fn decide(&mut self, d: Decided) {
            self.decided.get_or_insert(d);
            self.timer = None;
            self.timeout = None;
        }

        /// The race notices its timeout (a settle, its stagger timer).
        fn notice(&mut self) {
            if self.timed_out && self.decided.is_none() {
                self.decide(Decided::Reason);
            }
        }

        fn advance(&mut self, to: f64) {
            loop {
                // At equal times the timeout (set first) fires first.
                let t = match (self.timeout, self.timer) {
                    (Some(a), Some(b)) if a <= b && a <= to => (a, true),
                    (_, Some(b)) if b <= to => (b, false),
                    (Some(a), _) if a <= to => (a, true),
                    _ => break,
                };
                self.now = t.0;
                if t.1 {
                    self.timeout = None;
                    self.timed_out = true;
                } else {
                    self.timer = None;
                    self.owed = true;
                    self.notice();
                    self.fill();
                }
            }
            self.now = to;
        }

        fn settle(&mut self, i: u32, ok: bool) {
            self.running.retain(|&r| r != i);
            self.notice();
            if self.decided.is_none() {
                if ok || !self.require_success {
                    self.decide(Decided::Winner(i));
                } else {
                    self.owed = true;
                }
            }
            self.fill();
        }

        fn timers(&self) -> usize {
            usize::from(self.timer.is_some()) + usize::from(self.timeout.is_some())
        }
    }

    proptest! {
        #![proptest_config(crate::core::prop_config())]

        /// Random clocks and settles against a model of the race options:
        /// the order and time of every start, who wins, the timers live at
        /// each step, and nothing left at the end.
        #[test]
        fn race_options_match_a_model(
            n in 1u32..7,
            max in 0u32..4,
            require_success in any::<bool>(),
            stagger in prop::option::of(prop_oneof![1u32..40, Just(u32::MAX)]),
            timeout in prop::option::of(1u32..150),
            steps in prop::collection::vec((any::<bool>(), 0u32..30, any::<usize>(), prop::bool::weighted(0.4)), 0..40),
        ) {
            let stagger = stagger.map(|s| if s == u32::MAX { f64::INFINITY } else { f64::from(s) });
            let mut js = Js::new();
            let flags = if require_success { flag::REQUIRE_SUCCESS } else { 0 };
            race(&mut js, None, n, flags, spec(
                timeout.map_or(0.0, f64::from),
                stagger.unwrap_or(0.0),
                f64::from(max),
            ));
            let mut model = Model {
                n,
                cap: if max == 0 { usize::MAX } else { max as usize },
                require_success,
                stagger,
                now: 0.0,
                next: 0,
                running: Vec::new(),
                started: Vec::new(),
                timer: None,
                owed: false,
                timeout: timeout.map(f64::from),
                timed_out: false,
                decided: None,
            };
            model.fill();
            let check = |js: &Js, model: &Model| -> Result<(), TestCaseError> {
                let got: Vec<(u32, f64)> = js.started.iter().map(|s| s.index).zip(js.started_at.iter().copied()).collect();
                prop_assert_eq!(&got, &model.started);
                prop_assert_eq!(js.m.live().timers, model.timers());
                prop_assert!(js.running.len() <= model.cap);
                Ok(())
            };
            check(&js, &model)?;
            let mut steps = steps.into_iter();
            while !js.running.is_empty() {
                let (tick, dt, pick, ok) = steps.next().unwrap_or((false, 0, 0, true));
                if tick {
                    js.advance(f64::from(dt));
                    model.advance(model.now + f64::from(dt));
                } else {
                    let i = js.running[pick % js.running.len()].index;
                    js.settle(i, ok);
                    model.settle(i, ok);
                }
                check(&js, &model)?;
                prop_assert_eq!(js.done.is_some(), model.running.is_empty() && model.decided.is_some());
            }
            let (how, arg) = js.done.expect("over once nothing runs");
            match model.decided.expect("decided") {
                Decided::Reason => {
                    prop_assert_eq!(how, how::ABORTED);
                    prop_assert!(arg >= 0.0);
                }
                Decided::AllFailed => prop_assert_eq!((how, arg), (how::ALL_FAILED, -1.0)),
                Decided::Winner(i) => prop_assert_eq!((how, arg), (how::WINNER, f64::from(i))),
            }
            js.assert_all_released();
        }
    }
}
