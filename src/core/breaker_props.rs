//! Model-based property tests of the circuit breaker with an injected clock:
//! random admissions, outcomes (success, failure, abandon) reported in any
//! order, and time steps, compared with a small model written from SPEC
//! ("Circuit breaker" and "Where we are better": one half-open trial).
use proptest::prelude::*;

use super::*;

#[derive(Clone, Debug)]
enum Op {
    Admit,
    /// The admitted call at this position (modulo) reports.
    Succeed(usize),
    Fail(usize),
    Abandon(usize),
    /// Time passes (ms).
    Tick(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => Just(Op::Admit),
        2 => any::<usize>().prop_map(Op::Succeed),
        4 => any::<usize>().prop_map(Op::Fail),
        1 => any::<usize>().prop_map(Op::Abandon),
        3 => (0u16..200).prop_map(Op::Tick),
    ]
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum M {
    Closed,
    Open(f64),
    HalfOpen { trial: bool },
}

struct Model {
    threshold: u32,
    reset: f64,
    failures: u32,
    state: M,
}

impl Model {
    fn state(&self, now: f64) -> CircuitState {
        match self.state {
            M::Closed => CircuitState::Closed,
            M::Open(until) if now >= until => CircuitState::HalfOpen,
            M::Open(_) => CircuitState::Open,
            M::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }
    fn admit(&mut self, now: f64) -> Result<Admission, Rejected> {
        match self.state {
            M::Closed => Ok(Admission::Normal),
            M::Open(until) if now >= until => {
                self.state = M::HalfOpen { trial: true };
                Ok(Admission::Trial)
            }
            M::HalfOpen { trial: false } => {
                self.state = M::HalfOpen { trial: true };
                Ok(Admission::Trial)
            }
            M::Open(_) | M::HalfOpen { trial: true } => Err(Rejected),
        }
    }
    fn succeed(&mut self) {
        self.failures = 0;
        self.state = M::Closed;
    }
    fn fail(&mut self, a: Admission, now: f64) -> bool {
        self.failures += 1;
        let trial = a == Admission::Trial || matches!(self.state, M::HalfOpen { .. });
        if trial || self.failures >= self.threshold {
            self.state = M::Open(now + self.reset);
            true
        } else {
            false
        }
    }
    fn abandon(&mut self, a: Admission) {
        if a == Admission::Trial && matches!(self.state, M::HalfOpen { .. }) {
            self.state = M::HalfOpen { trial: false };
        }
    }
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn transitions_match_the_model(
        threshold in 1u32..5,
        reset in 1u16..300,
        ops in prop::collection::vec(op(), 0..200),
    ) {
        let mut b = Breaker::new(threshold, f64::from(reset));
        let mut m = Model { threshold, reset: f64::from(reset), failures: 0, state: M::Closed };
        let mut now = 0.0f64;
        // Admitted calls that have not reported yet. (A straggler's failure
        // may reopen a half-open breaker, orphaning its trial; the next
        // half-open period then has its own single trial.)
        let mut in_flight: Vec<Admission> = Vec::new();
        for op in ops {
            match op {
                Op::Admit => {
                    let got = b.admit(now);
                    prop_assert_eq!(got, m.admit(now));
                    if let Ok(a) = got {
                        in_flight.push(a);
                    }
                }
                Op::Succeed(i) if !in_flight.is_empty() => {
                    let a = in_flight.remove(i % in_flight.len());
                    let was_closed = m.state == M::Closed;
                    prop_assert_eq!(b.on_success(a), !was_closed);
                    m.succeed();
                }
                Op::Fail(i) if !in_flight.is_empty() => {
                    let a = in_flight.remove(i % in_flight.len());
                    prop_assert_eq!(b.on_failure(a, now), m.fail(a, now));
                }
                Op::Abandon(i) if !in_flight.is_empty() => {
                    let a = in_flight.remove(i % in_flight.len());
                    b.abandon(a);
                    m.abandon(a);
                }
                Op::Tick(ms) => now += f64::from(ms),
                _ => {}
            }
            prop_assert_eq!(b.state(now), m.state(now));
            prop_assert_eq!(b.failures(), m.failures);
        }
    }

    /// Straight from SPEC: `threshold` consecutive failures open it; it stays
    /// open (refusing everything) until `reset` has passed; then one trial.
    #[test]
    fn opens_after_threshold_and_admits_one_trial(threshold in 1u32..6, reset in 1u16..1000, extra in 1usize..5) {
        let mut b = Breaker::new(threshold, f64::from(reset));
        for i in 0..threshold {
            let a = b.admit(0.0).map_err(|_| TestCaseError::fail("closed refused"))?;
            prop_assert_eq!(b.on_failure(a, 0.0), i + 1 == threshold);
        }
        prop_assert_eq!(b.state(f64::from(reset) - 0.5), CircuitState::Open);
        prop_assert_eq!(b.admit(f64::from(reset) - 0.5), Err(Rejected));
        let now = f64::from(reset);
        prop_assert_eq!(b.admit(now), Ok(Admission::Trial));
        for _ in 0..extra {
            prop_assert_eq!(b.admit(now), Err(Rejected));
        }
        prop_assert!(b.on_success(Admission::Trial));
        prop_assert_eq!(b.state(now), CircuitState::Closed);
        prop_assert_eq!(b.failures(), 0);
    }
}
