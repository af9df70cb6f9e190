use super::*;

#[test]
fn at_most_max_retries_follow_the_first_attempt() {
    let p = RetryPolicy { max_retries: 3 };
    assert_eq!(p.next_retry(1), Some(1));
    assert_eq!(p.next_retry(3), Some(3));
    assert_eq!(p.next_retry(4), None);
    assert_eq!(RetryPolicy { max_retries: 0 }.next_retry(1), None);
}

#[test]
fn the_seed_backoff_schedule() {
    // delay: (attempt) => Math.min(1000 * 2 ** attempt, 30000)
    let p = RetryPolicy { max_retries: 5 };
    let delays: Vec<f64> = (1..=6)
        .filter_map(|made| p.next_retry(made))
        .map(|attempt| (1000.0 * 2f64.powi(attempt as i32)).min(30000.0))
        .map(|ms| RetryPolicy::checked_delay(Some(ms)).unwrap())
        .collect();
    assert_eq!(delays, vec![2000.0, 4000.0, 8000.0, 16000.0, 30000.0]);
}

#[test]
fn bad_delays_are_range_errors_naming_retry_delay() {
    for bad in [Some(-1.0), Some(f64::NAN), Some(f64::INFINITY), None] {
        let e = RetryPolicy::checked_delay(bad).unwrap_err();
        assert!(e.is_range());
        assert!(e.to_string().starts_with("retry.delay must be"), "{e}");
    }
    assert_eq!(RetryPolicy::checked_delay(Some(0.0)), Ok(0.0));
    assert_eq!(describe_delay(1500.0), "1500ms");
}
