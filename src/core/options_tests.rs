use super::*;

#[test]
fn durations() {
    assert_eq!(duration_ms("timeout", 5000.0), Ok(Some(5000.0)));
    assert_eq!(duration_ms("timeout", 0.0), Ok(None));
    for bad in [-1.0, f64::NAN, f64::NEG_INFINITY] {
        let err = duration_ms("timeout", bad).unwrap_err();
        assert!(err.is_range());
        assert!(err.to_string().starts_with("timeout must be"), "{err}");
    }
    assert_eq!(
        duration_ms("timeout", -5.0).unwrap_err().to_string(),
        "timeout must be a number of milliseconds >= 0 (0 or Infinity for none), got -5"
    );
}

#[test]
fn positive_integers() {
    assert_eq!(
        positive_integer("failureThreshold", 3.0, false),
        Ok(Some(3))
    );
    assert_eq!(positive_integer("x", 0.0, true), Ok(None));
    assert!(positive_integer("failureThreshold", 0.0, false).is_err());
    for bad in [1.5, -2.0, f64::NAN, f64::INFINITY, 5e9] {
        assert!(positive_integer("failureThreshold", bad, false)
            .unwrap_err()
            .is_range());
    }
}

#[test]
fn limits_share_one_range_and_infinity_is_unlimited() {
    assert_eq!(concurrency(3.0), Ok(Some(Limit::Max(3))));
    assert_eq!(concurrency(0.0), Ok(None));
    assert_eq!(concurrency(f64::INFINITY), Ok(Some(Limit::Unlimited)));
    assert_eq!(limit("capacity", 0.0, 0), Ok(Limit::Max(0)));
    assert_eq!(limit("permits", f64::INFINITY, 1), Ok(Limit::Unlimited));
    assert_eq!(limit("capacity", 4294967296.0, 0), Ok(Limit::Max(1 << 32)));
    assert_eq!(limit("permits", 4294967296.0, 1), Ok(Limit::Max(1 << 32)));
    assert_eq!(concurrency(4294967296.0), Ok(Some(Limit::Max(1 << 32))));
    for bad in [1.5, -2.0, f64::NAN, f64::NEG_INFINITY, 4294967297.0, 1e300] {
        assert!(concurrency(bad).unwrap_err().is_range(), "{bad}");
        assert!(limit("capacity", bad, 0).unwrap_err().is_range(), "{bad}");
        assert!(limit("permits", bad, 1).unwrap_err().is_range(), "{bad}");
    }
    assert!(limit("permits", 0.0, 1).is_err());
    assert_eq!(
        limit("permits", 0.0, 1).unwrap_err().to_string(),
        "permits must be an integer from 1 to 2^32, or Infinity, got 0"
    );
    assert_eq!(Limit::Unlimited.as_f64(), f64::INFINITY);
    assert!(Limit::Max(u64::MAX) < Limit::Unlimited);
    assert!(Limit::Unlimited.has_room(u64::MAX));
    assert!(!Limit::Max(2).has_room(2));
}

#[test]
fn infinite_durations_mean_none() {
    assert_eq!(duration_ms("timeout", f64::INFINITY), Ok(None));
    assert!(duration_ms("timeout", f64::NEG_INFINITY).is_err());
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

#[test]
fn numbers_print_exactly_as_javascript_string() {
    // Expected values are what `String(n)` gives in Node.
    let cases: &[(f64, &str)] = &[
        (9007199254740992.0, "9007199254740992"),
        (9007199254740993.0, "9007199254740992"),
        (1e300, "1e+300"),
        (-1e300, "-1e+300"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123456789012345680000.0, "123456789012345680000"),
        (1.5e21, "1.5e+21"),
        (4294967296.0, "4294967296"),
        (1e15, "1000000000000000"),
        (1e16, "10000000000000000"),
        (0.1, "0.1"),
        (0.000001, "0.000001"),
        (0.0000001, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (-2.5e-10, "-2.5e-10"),
        (5e-324, "5e-324"),
        (f64::MAX, "1.7976931348623157e+308"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0 / 3.0, "0.3333333333333333"),
        (123.456, "123.456"),
        (-0.5, "-0.5"),
        (2147483647.0, "2147483647"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ];
    for (v, want) in cases {
        assert_eq!(js_number(*v), *want, "String({v:e})");
    }
}

#[test]
fn reset_timeouts() {
    assert_eq!(reset_timeout_ms(0.0), Ok(0.0));
    assert_eq!(reset_timeout_ms(f64::INFINITY), Ok(f64::INFINITY));
    assert_eq!(
        reset_timeout_ms(-1.0).unwrap_err().to_string(),
        "resetTimeout must be a number of milliseconds >= 0 (Infinity: never), got -1"
    );
    assert!(reset_timeout_ms(f64::NAN).is_err());
}

#[test]
fn javascript_style_exponent_digits_give_the_same_text() {
    // The wasm's digits come from JS `toExponential()`, which writes
    // "1e+300" where Rust writes "1e300".
    fn js_style(v: f64) -> String {
        let s = format!("{v:e}");
        match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        }
    }
    set_exponential(js_style);
    assert_eq!(js_number(1e300), "1e+300");
    assert_eq!(js_number(1.5e-7), "1.5e-7");
    assert_eq!(js_number(123456789012345680000.0), "123456789012345680000");
    assert_eq!(js_number(0.1 + 0.2), "0.30000000000000004");
    assert_eq!(js_number(9007199254740994.0), "9007199254740994");
}
