//! Model-based property tests of debounce and throttle: random calls and
//! passing time (the window timer fired when due) against a plain model
//! written from the rules in `rate.rs`'s header: a list of the times at
//! which calls and runs happen. Runs never overlap a window wrongly: a
//! throttle's runs are at least `interval` apart, a debounce's trailing
//! run comes exactly `wait` after the last call, every joined call is
//! answered by the next run (or the scope's end), and everything is
//! released at the end.

use proptest::prelude::*;

use super::{call, flag};
use crate::machine::effect::Op;
use crate::machine::scope::ScopeSpec;
use crate::machine::{Live, Machine};

#[derive(Clone, Debug)]
enum Step {
    Call,
    Advance(u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![3 => Just(Step::Call), 2 => (0u8..60).prop_map(Step::Advance)]
}

/// The model: the window's end (if open), a pending flag.
struct Model {
    throttle: bool,
    ms: f64,
    leading: bool,
    trailing: bool,
    until: Option<f64>,
    pending: bool,
}

impl Model {
    fn call(&mut self, now: f64) -> f64 {
        let open = self.until.is_some();
        let a = if !open && self.leading {
            call::RUN
        } else if self.trailing {
            self.pending = true;
            call::JOIN
        } else {
            call::DROP
        };
        let restart = if self.throttle {
            !open && a != call::DROP
        } else {
            self.leading || self.trailing
        };
        if restart {
            self.until = Some(now + self.ms);
        }
        a
    }

    /// Advances to `target`; the times of trailing runs.
    fn advance(&mut self, target: f64, runs: &mut Vec<f64>) {
        while let Some(end) = self.until.filter(|&e| e <= target) {
            self.until = None;
            if self.pending {
                self.pending = false;
                runs.push(end);
                if self.throttle {
                    self.until = Some(end + self.ms);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn calls_and_runs_follow_the_model(
        throttle in any::<bool>(),
        ms in 1u8..50,
        leading in prop::option::of(any::<bool>()),
        trailing in prop::option::of(any::<bool>()),
        steps in prop::collection::vec(step(), 0..80),
    ) {
        let ms = f64::from(ms);
        let mut flags = flag::MS;
        if throttle { flags |= flag::THROTTLE; }
        if let Some(l) = leading { flags |= flag::LEADING_GIVEN | if l { flag::LEADING } else { 0 }; }
        if let Some(t) = trailing { flags |= flag::TRAILING_GIVEN | if t { flag::TRAILING } else { 0 }; }
        let mut m = Machine::new();
        let s = m.scope_new(None, None, ScopeSpec::default()).unwrap();
        let k = m.rate_new(s, flags, ms).unwrap();
        m.fx.clear();
        let mut model = Model {
            throttle, ms,
            leading: leading.unwrap_or(throttle),
            trailing: trailing.unwrap_or(!throttle),
            until: None, pending: false,
        };
        let mut now = 0.0;
        // The machine's live timer: (key, due).
        let mut live: Option<(f64, f64)> = None;
        let (mut runs, mut model_runs) = (Vec::new(), Vec::new());
        let effects = |m: &mut Machine, now: f64, live: &mut Option<(f64, f64)>, runs: &mut Vec<f64>| {
            for (op, a, b, _) in m.fx.decoded() {
                if op == Op::TimerSet as u8 {
                    *live = Some((a, now + b));
                } else if op == Op::TimerClear as u8 {
                    assert_eq!(live.map(|l| l.0), Some(a));
                    *live = None;
                } else if op == Op::RateFire as u8 {
                    runs.push(now);
                }
            }
            m.fx.clear();
        };
        for st in steps {
            match st {
                Step::Call => {
                    let a = m.rate_call(k);
                    prop_assert_eq!(a, model.call(now));
                    effects(&mut m, now, &mut live, &mut runs);
                }
                Step::Advance(d) => {
                    let target = now + f64::from(d);
                    while let Some((t, due)) = live.filter(|l| l.1 <= target) {
                        live = None;
                        now = due;
                        m.timer_fired(t, due);
                        effects(&mut m, now, &mut live, &mut runs);
                    }
                    now = target;
                    model.advance(target, &mut model_runs);
                }
            }
            prop_assert_eq!(&runs, &model_runs);
            prop_assert_eq!(live.map(|l| l.1), model.until);
        }
        if throttle {
            prop_assert!(runs.windows(2).all(|w| w[1] - w[0] >= ms));
        }
        prop_assert!(m.scope_dispose(s));
        m.fx.clear();
        prop_assert_eq!(m.live(), Live::default());
    }
}
