//! Property tests of the retry strategies: for any checked parameters and
//! any attempts, every delay is whole, finite, >= 0 and within its
//! strategy's range (invariants #1, #2), and a seed fixes the sequence
//! (invariant #3).
use proptest::prelude::*;

use super::{Rng, Strategy as S};

/// Checked parameters (what `machine/backoff.rs` lets through).
fn strategy() -> impl proptest::strategy::Strategy<Value = S> {
    let ms = prop_oneof![0.0..1e6f64, 0.0..1e300f64, Just(0.0)];
    let ms2 = ms.clone();
    let mult = prop_oneof![0.0..4.0f64, 0.0..1e300f64, Just(1.0)];
    let unit = prop_oneof![0.0..=1.0f64, Just(0.0), Just(1.0)];
    prop_oneof![
        (ms.clone(), ms.clone(), mult, unit.clone(), any::<bool>()).prop_map(
            |(initial, max, multiplier, jitter, full)| S::Exponential {
                initial,
                max,
                multiplier,
                jitter,
                full,
            }
        ),
        (ms.clone(), unit).prop_map(|(base, factor)| S::Jitter { base, factor }),
        (ms.clone(), ms2.clone()).prop_map(|(base, increment)| S::Linear { base, increment }),
        (ms, ms2).prop_map(|(initial, max)| S::Decorrelated { initial, max }),
    ]
}

fn attempt() -> impl proptest::strategy::Strategy<Value = f64> {
    prop_oneof![
        8 => (1u32..40).prop_map(f64::from),
        1 => any::<f64>(),
        1 => Just(f64::from(u32::MAX)),
    ]
}

/// The range of invariant #2, before flooring.
fn range(s: &S, attempt: f64, last: f64) -> (f64, f64) {
    let n = if attempt >= 1.0 { attempt.floor() } else { 1.0 };
    let capped = |initial: f64, max: f64, m: f64| {
        if initial == 0.0 {
            0.0
        } else {
            (initial * m.powf(n - 1.0)).min(max)
        }
    };
    match *s {
        S::Exponential {
            initial,
            max,
            multiplier,
            jitter,
            full,
        } => {
            let c = capped(initial, max, multiplier);
            if full {
                (0.0, c)
            } else {
                (c * (1.0 - jitter), (c * (1.0 + jitter)).min(max))
            }
        }
        S::Jitter { base, factor } => (base * (1.0 - factor), base * (1.0 + factor)),
        S::Linear { base, increment } => {
            let d = (base + increment * (n - 1.0)).min(f64::MAX);
            (d, d)
        }
        S::Decorrelated { initial, max } => {
            let last = if n > 1.0 && last >= 0.0 {
                last
            } else {
                initial
            };
            let hi = max.min(last * 3.0);
            (initial.min(hi), hi)
        }
    }
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn every_delay_is_whole_finite_and_in_range(
        s in strategy(),
        seed in any::<u32>(),
        attempts in prop::collection::vec(attempt(), 1..30),
    ) {
        let mut rng = Rng(seed);
        let mut last = f64::NAN;
        for a in attempts {
            let (d, next) = s.delay(a, rng, last);
            prop_assert!(d.is_finite() && d >= 0.0 && d.fract() == 0.0, "{s:?} {a}: {d}");
            let (lo, hi) = range(&s, a, last);
            // Rounding of the power (squaring against powf) may move a
            // bound by a few ulps.
            let slack = hi.abs() * 1e-12 + 1.0;
            prop_assert!(d >= lo.max(0.0).floor() - slack && d <= hi + slack,
                "{s:?} attempt {a} last {last}: {d} not in [{lo}, {hi}]");
            if let S::Exponential { max, .. } | S::Decorrelated { max, .. } = s {
                prop_assert!(d <= max, "{s:?}: {d} > max");
            }
            rng = next;
            last = d;
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence(
        s in strategy(),
        seed in any::<u32>(),
        attempts in prop::collection::vec(attempt(), 1..20),
    ) {
        let run = |mut rng: Rng| {
            let mut last = f64::NAN;
            attempts.iter().map(|&a| {
                let (d, next) = s.delay(a, rng, last);
                rng = next;
                last = d;
                d
            }).collect::<Vec<_>>()
        };
        prop_assert_eq!(run(Rng(seed)), run(Rng(seed)));
    }
}
