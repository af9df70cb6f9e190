//! Random programs against the machine, with a driver standing in for the
//! JS executor: every task settles exactly once, a scope's `Disposed`
//! comes once and only after its tasks settled, a concurrency limit holds,
//! and once everything is over every table is empty.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::effect::Op;
use super::scope::ScopeSpec;
use super::slab::Key;
use super::task::{RetrySpec, TaskSpec};
use super::{Live, Machine};

#[derive(Clone, Debug)]
enum Step {
    Scope {
        parent: Option<usize>,
        limit: Option<u8>,
        timeout: bool,
    },
    Spawn {
        scope: usize,
        timeout: bool,
        retries: Option<u8>,
    },
    Settle {
        pick: usize,
        ok: bool,
    },
    Fire {
        pick: usize,
    },
    Cleanup {
        scope: usize,
    },
    CleanupDone {
        pick: usize,
        ok: bool,
    },
    Dispose {
        scope: usize,
    },
    Watch {
        pick: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (
            proptest::option::of(0usize..8),
            proptest::option::of(1u8..3),
            any::<bool>()
        )
            .prop_map(|(parent, limit, timeout)| Step::Scope {
                parent,
                limit,
                timeout
            }),
        (0usize..8, any::<bool>(), proptest::option::of(0u8..3)).prop_map(
            |(scope, timeout, retries)| Step::Spawn {
                scope,
                timeout,
                retries
            }
        ),
        (0usize..16, any::<bool>()).prop_map(|(pick, ok)| Step::Settle { pick, ok }),
        (0usize..16).prop_map(|pick| Step::Fire { pick }),
        (0usize..8).prop_map(|scope| Step::Cleanup { scope }),
        (0usize..8, any::<bool>()).prop_map(|(pick, ok)| Step::CleanupDone { pick, ok }),
        (0usize..8).prop_map(|scope| Step::Dispose { scope }),
        (0usize..16).prop_map(|pick| Step::Watch { pick }),
    ]
}

/// What the stand-in executor knows.
#[derive(Default)]
struct Driver {
    scopes: Vec<Key>,
    limits: HashMap<Key, u8>,
    task_scope: HashMap<u64, Key>,
    /// Started attempts not yet reported: (task, serial, node).
    running: Vec<(f64, u32, f64)>,
    timers: Vec<f64>,
    /// Cleanups out: (scope).
    cleanups: Vec<f64>,
    settled: HashSet<u64>,
    disposed: HashSet<u64>,
    spawned: u32,
}

impl Driver {
    /// Attempts the machine counts as running with a permit (a timed-out
    /// attempt's `fn` may still run in JS, but it gave its permit back).
    fn current(&self, m: &Machine, r: &(f64, u32, f64)) -> bool {
        Key::from_f64(r.0)
            .and_then(|k| m.tasks.get(k))
            .is_some_and(|t| {
                t.serial == r.1 && matches!(t.phase, super::task::Phase::Running { .. })
            })
    }

    fn apply(&mut self, m: &mut Machine) -> Result<(), TestCaseError> {
        let fx = m.fx.decoded();
        m.fx.clear();
        for (op, a, b, c) in fx {
            match op {
                x if x == Op::Start as u8 => {
                    // A new attempt supersedes one that timed out (its late
                    // outcome would be stale; its permit was given back).
                    self.running.retain(|r| r.0 != a);
                    self.running.push((a, b as u32, c));
                }
                x if x == Op::Settle as u8 => {
                    prop_assert!(self.settled.insert(a as u64), "task {a} settled twice");
                    self.running.retain(|r| r.0 != a);
                }
                x if x == Op::TimerSet as u8 => self.timers.push(a),
                x if x == Op::TimerClear as u8 => self.timers.retain(|t| *t != a),
                x if x == Op::Cleanup as u8 => self.cleanups.push(b),
                x if x == Op::Disposed as u8 => {
                    prop_assert!(self.disposed.insert(a as u64), "scope {a} disposed twice");
                    for (t, s) in &self.task_scope {
                        if s.to_f64() == a {
                            prop_assert!(
                                self.settled.contains(t),
                                "scope {a} ended before task {t}"
                            );
                        }
                    }
                }
                x if x == Op::RetryAsk as u8 => {}
                _ => {}
            }
        }
        // The concurrency limit holds.
        for (s, limit) in &self.limits {
            let n = self
                .running
                .iter()
                .filter(|r| self.task_scope.get(&(r.0 as u64)) == Some(s) && self.current(m, r))
                .count();
            prop_assert!(
                n <= usize::from(*limit),
                "{n} running over a limit of {limit}"
            );
        }
        Ok(())
    }
}

fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut m = Machine::new();
    let mut d = Driver::default();
    let mut now = 0.0;
    for s in steps {
        now += 1.0;
        match s {
            Step::Scope {
                parent,
                limit,
                timeout,
            } => {
                let parent = parent.and_then(|i| d.scopes.get(i).copied());
                let spec = ScopeSpec {
                    timeout: timeout.then_some(5.0),
                    concurrency: limit.map(f64::from),
                    breaker: None,
                };
                if let Ok(k) = m.scope_new(parent, None, spec) {
                    d.scopes.push(k);
                    if let Some(l) = limit {
                        d.limits.insert(k, l);
                    }
                }
            }
            Step::Spawn {
                scope,
                timeout,
                retries,
            } => {
                if let Some(&s) = d.scopes.get(scope) {
                    let spec = TaskSpec {
                        timeout: timeout.then_some(3.0),
                        retry: retries.map(|r| RetrySpec {
                            max_retries: Some(f64::from(r)),
                            delay: Some(1.0),
                            ..RetrySpec::default()
                        }),
                        on_cleanup: false,
                    };
                    if let Ok(t) = m.spawn(s, spec, now) {
                        d.spawned += 1;
                        d.task_scope.insert(t.to_f64() as u64, s);
                    }
                }
            }
            Step::Settle { pick, ok } => {
                if !d.running.is_empty() {
                    let (t, serial, _) = d.running.remove(pick % d.running.len());
                    m.attempt_settled(t, serial, ok, now);
                }
            }
            Step::Fire { pick } => {
                if !d.timers.is_empty() {
                    let t = d.timers.remove(pick % d.timers.len());
                    m.timer_fired(t, now + 100.0);
                }
            }
            Step::Cleanup { scope } => {
                if let Some(&s) = d.scopes.get(scope) {
                    let _ = m.add_cleanup(s, true);
                }
            }
            Step::CleanupDone { pick, ok } => {
                if !d.cleanups.is_empty() {
                    let s = d.cleanups.remove(pick % d.cleanups.len());
                    if let Some(k) = Key::from_f64(s) {
                        m.cleanup_done(k, ok, true);
                    }
                }
            }
            Step::Dispose { scope } => {
                if let Some(&s) = d.scopes.get(scope) {
                    m.scope_dispose(s);
                }
            }
            Step::Watch { pick } => {
                if !d.running.is_empty() {
                    let (t, _, node) = d.running[pick % d.running.len()];
                    // A task with no node yet gets one when its signal is read.
                    let node = match Key::from_f64(t) {
                        Some(k) if node == -1.0 => m.task_node(k).map_or(-1.0, Machine::node_f64),
                        _ => node,
                    };
                    m.watch(node);
                }
            }
        }
        d.apply(&mut m)?;
    }
    // Wind everything down the way the executor would.
    for _ in 0..10_000 {
        now += 100.0;
        if let Some((t, serial, _)) = d.running.pop() {
            m.attempt_settled(t, serial, true, now);
        } else if let Some(t) = d.timers.pop() {
            m.timer_fired(t, now);
        } else if let Some(s) = d.cleanups.pop() {
            if let Some(k) = Key::from_f64(s) {
                m.cleanup_done(k, true, true);
            }
        } else if d.disposed.len() < d.scopes.len() {
            for s in d.scopes.clone() {
                m.scope_dispose(s);
            }
            d.apply(&mut m)?;
            if d.running.is_empty() && d.timers.is_empty() && d.cleanups.is_empty() {
                break;
            }
            continue;
        } else {
            break;
        }
        d.apply(&mut m)?;
    }
    prop_assert_eq!(d.settled.len() as u32, d.spawned, "every task settled");
    prop_assert_eq!(d.disposed.len(), d.scopes.len(), "every scope disposed");
    prop_assert_eq!(m.live(), Live::default());
    Ok(())
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn random_programs_keep_every_invariant(steps in proptest::collection::vec(step(), 1..80)) {
        run(steps)?;
    }
}
