use super::*;

const SEED: Rng = Rng(42);

/// The delays for attempts 1..=n, each call handed the previous delay.
fn run(s: Strategy, n: u32, mut rng: Rng) -> Vec<f64> {
    let mut last = f64::NAN;
    (1..=n)
        .map(|a| {
            let (d, next) = s.delay(f64::from(a), rng, last);
            rng = next;
            last = d;
            d
        })
        .collect()
}

fn exp(initial: f64, max: f64, multiplier: f64, jitter: f64) -> Strategy {
    Strategy::Exponential {
        initial,
        max,
        multiplier,
        jitter,
        full: false,
    }
}

#[test]
fn mulberry32_matches_the_javascript_reference() {
    // The reference: function mulberry32(a) { return () => { let t = a += 0x6D2B79F5;
    // t = Math.imul(t ^ t >>> 15, t | 1); t ^= t + Math.imul(t ^ t >>> 7, t | 61);
    // return ((t ^ t >>> 14) >>> 0) / 4294967296; } } with a = 42.
    let (a, r) = SEED.next();
    let (b, _) = r.next();
    assert_eq!(a, 0.6011037519201636);
    assert_eq!(b, 0.44829055899754167);
    assert_eq!(r, Rng(42u32.wrapping_add(0x6D2B_79F5)));
}

#[test]
fn exponential_doubles_from_initial_up_to_max_without_jitter() {
    let d = run(exp(100.0, 1000.0, 2.0, 0.0), 6, SEED);
    assert_eq!(d, [100.0, 200.0, 400.0, 800.0, 1000.0, 1000.0]);
    // 2.x's defaults: initial 100, max 30000, multiplier 2.
    let d = run(exp(100.0, 30000.0, 2.0, 0.0), 10, SEED);
    assert_eq!(d[9], 30000.0);
    // No random number is drawn without jitter (invariant #3).
    assert_eq!(exp(100.0, 1000.0, 2.0, 0.0).delay(3.0, SEED, 0.0).1, SEED);
    // A fractional multiplier's delays are floored.
    assert_eq!(
        run(exp(100.0, 1e9, 1.5, 0.0), 3, SEED),
        [100.0, 150.0, 225.0]
    );
    assert_eq!(exp(100.0, 1e9, 1.5, 0.0).delay(4.0, SEED, 0.0).0, 337.0);
}

#[test]
fn huge_attempts_and_zero_parameters_stay_finite() {
    let s = exp(100.0, 30000.0, 2.0, 0.0);
    assert_eq!(s.delay(1e300, SEED, 0.0).0, 30000.0);
    assert_eq!(s.delay(f64::INFINITY, SEED, 0.0).0, 30000.0);
    assert_eq!(exp(0.0, 30000.0, 1e300, 0.0).delay(1e9, SEED, 0.0).0, 0.0);
    assert_eq!(exp(100.0, 30000.0, 0.0, 0.0).delay(1.0, SEED, 0.0).0, 100.0);
    assert_eq!(exp(100.0, 30000.0, 0.0, 0.0).delay(2.0, SEED, 0.0).0, 0.0);
    let lin = Strategy::Linear {
        base: 1.0,
        increment: 1e300,
    };
    assert_eq!(lin.delay(1e300, SEED, 0.0).0, f64::MAX);
}

#[test]
fn attempts_below_one_or_fractional_count_as_floored_or_one() {
    let s = exp(100.0, 30000.0, 2.0, 0.0);
    for a in [0.0, -5.0, f64::NAN, f64::NEG_INFINITY, 0.5] {
        assert_eq!(s.delay(a, SEED, 0.0).0, 100.0, "{a}");
    }
    assert_eq!(s.delay(2.9, SEED, 0.0).0, 200.0);
}

#[test]
fn partial_jitter_spreads_around_the_delay_and_never_passes_max() {
    let s = exp(1000.0, 5000.0, 2.0, 0.3);
    let mut rng = SEED;
    for _ in 0..1000 {
        let (d, next) = s.delay(1.0, rng, 0.0);
        assert!((700.0..=1300.0).contains(&d), "{d}");
        let (capped, _) = s.delay(5.0, rng, 0.0);
        // 2.x would go up to 6500 here.
        assert!((3500.0..=5000.0).contains(&capped), "{capped}");
        rng = next;
    }
}

#[test]
fn full_jitter_is_between_zero_and_the_delay() {
    let s = Strategy::Exponential {
        initial: 100.0,
        max: 1000.0,
        multiplier: 2.0,
        jitter: 0.5,
        full: true,
    };
    let d = run(s, 6, SEED);
    for (i, d) in d.iter().enumerate() {
        let c = (100.0 * 2f64.powi(i as i32)).min(1000.0);
        assert!(*d >= 0.0 && *d <= c, "{i}: {d}");
    }
    // 0.6011037519201636 · 100
    assert_eq!(d[0], 60.0);
}

#[test]
fn jitter_and_linear() {
    let j = Strategy::Jitter {
        base: 1000.0,
        factor: 0.2,
    };
    for d in run(j, 100, SEED) {
        assert!((800.0..=1200.0).contains(&d), "{d}");
    }
    // 800 + 0.6011037519201636 · 400
    assert_eq!(j.delay(7.0, SEED, 0.0).0, 1040.0);
    let none = Strategy::Jitter {
        base: 1000.5,
        factor: 0.0,
    };
    assert_eq!(none.delay(1.0, SEED, 0.0), (1000.0, SEED));
    let lin = Strategy::Linear {
        base: 100.0,
        increment: 50.0,
    };
    assert_eq!(run(lin, 5, SEED), [100.0, 150.0, 200.0, 250.0, 300.0]);
}

#[test]
fn decorrelated_jitter_grows_from_its_last_delay_and_starts_over_at_attempt_one() {
    let s = Strategy::Decorrelated {
        initial: 100.0,
        max: 5000.0,
    };
    let first = run(s, 8, SEED);
    let mut last = 100.0;
    for d in &first {
        assert!(
            *d >= 100.0 && *d <= (last * 3.0f64).min(5000.0),
            "{first:?}"
        );
        last = *d;
    }
    // Attempt 1 ignores the last delay (invariant #5): 100 + r · 200.
    let (d, _) = s.delay(1.0, SEED, 4000.0);
    assert_eq!(d, first[0]);
    assert_eq!(d, 220.0);
    // No last delay yet at a later attempt: starts from `initial`.
    assert_eq!(s.delay(3.0, SEED, f64::NAN).0, 220.0);
    // max below initial: always max.
    let low = Strategy::Decorrelated {
        initial: 100.0,
        max: 50.0,
    };
    assert!(run(low, 5, SEED).iter().all(|d| *d == 50.0));
    // initial 0: always 0, as AWS's and 2.x's.
    let zero = Strategy::Decorrelated {
        initial: 0.0,
        max: 50.0,
    };
    assert!(run(zero, 5, SEED).iter().all(|d| *d == 0.0));
}

#[test]
fn the_same_seed_gives_the_same_sequence_and_another_seed_another() {
    let s = exp(100.0, 30000.0, 2.0, 0.5);
    assert_eq!(run(s, 20, Rng(7)), run(s, 20, Rng(7)));
    assert_ne!(run(s, 20, Rng(7)), run(s, 20, Rng(8)));
}
