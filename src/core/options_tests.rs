use super::*;

#[test]
fn durations() {
    assert_eq!(duration_ms("timeout", 5000.0), Ok(Some(5000.0)));
    assert_eq!(duration_ms("timeout", 0.0), Ok(None));
    for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = duration_ms("timeout", bad).unwrap_err();
        assert!(err.is_range());
        assert!(err.to_string().starts_with("timeout must be"), "{err}");
    }
    assert_eq!(
        duration_ms("timeout", -5.0).unwrap_err().to_string(),
        "timeout must be a finite number of milliseconds >= 0, got -5"
    );
}

#[test]
fn positive_integers() {
    assert_eq!(positive_integer("concurrency", 3.0, true), Ok(Some(3)));
    assert_eq!(positive_integer("concurrency", 0.0, true), Ok(None));
    assert!(positive_integer("failureThreshold", 0.0, false).is_err());
    for bad in [1.5, -2.0, f64::NAN, f64::INFINITY, 5e9] {
        assert!(positive_integer("concurrency", bad, true)
            .unwrap_err()
            .is_range());
    }
}

#[test]
fn messages_match_javascript_number_formatting() {
    assert_eq!(timeout_message(5000.0), "timeout after 5000ms");
    assert_eq!(timeout_message(12.5), "timeout after 12.5ms");
    assert_eq!(js_number(f64::NAN), "NaN");
    assert_eq!(js_number(-0.0), "0");
    assert_eq!(
        OptionError::NotANumber { name: "timeout" }.to_string(),
        "timeout must be a number"
    );
}

#[test]
fn fractions_print_like_javascript_for_ordinary_values() {
    assert_eq!(js_number(0.5), "0.5");
    assert_eq!(js_number(-2.25), "-2.25");
    assert_eq!(js_number(1500.0), "1500");
    assert_eq!(js_number(0.001), "0.001");
    assert_eq!(js_number(12.3456789), "12.3456789");
}
