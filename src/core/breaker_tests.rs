use super::*;

#[test]
fn opens_after_threshold_consecutive_failures() {
    let mut b = Breaker::new(3, 1000.0);
    for _ in 0..2 {
        let a = b.admit(0.0).unwrap();
        assert!(!b.on_failure(a, 0.0));
    }
    assert_eq!(b.state(0.0), CircuitState::Closed);
    let a = b.admit(0.0).unwrap();
    assert!(b.on_failure(a, 10.0));
    assert_eq!(b.state(10.0), CircuitState::Open);
    assert_eq!(b.admit(500.0), Err(Rejected));
    assert_eq!(Rejected.to_string(), "Circuit breaker is open");
}

#[test]
fn a_success_resets_the_count() {
    let mut b = Breaker::new(2, 1000.0);
    let a = b.admit(0.0).unwrap();
    b.on_failure(a, 0.0);
    let a = b.admit(0.0).unwrap();
    b.on_success(a);
    assert_eq!(b.failures(), 0);
    let a = b.admit(0.0).unwrap();
    assert!(!b.on_failure(a, 0.0));
    assert_eq!(b.state(0.0), CircuitState::Closed);
}

#[test]
fn half_open_admits_exactly_one_trial() {
    let mut b = Breaker::new(1, 100.0);
    let a = b.admit(0.0).unwrap();
    b.on_failure(a, 0.0);
    assert_eq!(b.state(99.0), CircuitState::Open);
    assert_eq!(b.state(100.0), CircuitState::HalfOpen);
    let admitted: Vec<_> = (0..5).map(|_| b.admit(100.0)).collect();
    assert_eq!(admitted[0], Ok(Admission::Trial));
    assert!(admitted[1..].iter().all(|r| *r == Err(Rejected)));
}

#[test]
fn trial_success_closes_trial_failure_reopens() {
    let mut b = Breaker::new(1, 100.0);
    let a = b.admit(0.0).unwrap();
    b.on_failure(a, 0.0);
    let t = b.admit(150.0).unwrap();
    assert!(b.on_failure(t, 150.0));
    assert_eq!(b.state(200.0), CircuitState::Open);
    assert_eq!(b.state(250.0), CircuitState::HalfOpen);
    let t = b.admit(250.0).unwrap();
    assert!(b.on_success(t));
    assert_eq!(b.state(250.0), CircuitState::Closed);
    assert_eq!(b.admit(250.0), Ok(Admission::Normal));
}

#[test]
fn an_abandoned_trial_passes_the_turn_on() {
    let mut b = Breaker::new(1, 10.0);
    let a = b.admit(0.0).unwrap();
    b.on_failure(a, 0.0);
    let t = b.admit(10.0).unwrap();
    assert_eq!(b.admit(10.0), Err(Rejected));
    b.abandon(t);
    assert_eq!(b.admit(10.0), Ok(Admission::Trial));
}

/// A model of the breaker checked against random admissions and outcomes.
#[test]
fn matches_a_simple_model() {
    let mut b = Breaker::new(3, 50.0);
    let mut rng = 12345u32;
    let mut now = 0.0;
    let mut open_until: Option<f64> = None;
    let mut fails = 0u32;
    let mut trial_out = false;
    for _ in 0..20_000 {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        now += f64::from(rng % 20);
        let expected_admit = match open_until {
            None => Some(Admission::Normal),
            Some(u) if now >= u && !trial_out => Some(Admission::Trial),
            _ => None,
        };
        let got = b.admit(now).ok();
        assert_eq!(got, expected_admit);
        if let Some(a) = got {
            if a == Admission::Trial {
                trial_out = true;
            }
            if rng.is_multiple_of(3) {
                b.on_success(a);
                open_until = None;
                fails = 0;
                trial_out = false;
            } else {
                b.on_failure(a, now);
                fails += 1;
                if a == Admission::Trial || fails >= 3 || trial_out {
                    open_until = Some(now + 50.0);
                    trial_out = false;
                }
            }
        }
    }
}
