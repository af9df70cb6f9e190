//! Typed errors of the Rust face (STYLE #3): [`Error`] for a call the
//! machine refused, [`CleanupError`] and [`DisposeError`] for a disposal
//! whose cleanups failed. (A task's own error type is
//! [`TaskError`](super::TaskError), beside the task.)

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::signal::Reason;
use crate::machine::{Fail, FailKind};

/// A call that was refused, and changed nothing: a bad argument (the
/// message names it and prints the number as JavaScript would), a scope
/// that is disposed or aborted, an `AbortSignal` aborted already.
///
/// The messages are the machine's, the same the npm package throws.
///
/// ```
/// # use go_go_scope_wasm::{CircuitBreakerOptions, Error, ManualHost, Runtime, ScopeOptions};
/// # let rt = Runtime::new(ManualHost::new());
/// let breaker = CircuitBreakerOptions::default().failure_threshold(0);
/// match rt.scope(ScopeOptions::default().circuit_breaker(breaker)) {
///     Err(Error::Range(message)) => assert!(message.contains("failureThreshold")),
///     other => panic!("expected a RangeError, got {other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A number out of range (JavaScript's `RangeError`): "scope: timeout
    /// must be a number of milliseconds >= 0, got -1".
    Range(String),
    /// A value of the wrong type (JavaScript's `TypeError`), for options
    /// that come from JavaScript: "scope: timeout must be a number, got
    /// string".
    Type(String),
    /// The call does not fit the state: "Cannot spawn task on disposed
    /// scope", "Cannot spawn task on aborted scope", "Cannot race empty
    /// array of factories", …
    State(String),
    /// The signal (or scope) it would run under is aborted already: the
    /// reason (JavaScript throws it, as 1.0 does).
    Aborted(Reason),
}

impl Error {
    /// A bad number.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let e = rt.semaphore(0).unwrap_err(); // a semaphore needs at least 1 permit
    /// assert!(e.is_range());
    /// ```
    pub fn is_range(&self) -> bool {
        matches!(self, Error::Range(_))
    }

    /// A value of the wrong type.
    ///
    /// ```
    /// # use go_go_scope_wasm::Error;
    /// // What `ScopeOptions::from_js` refuses `{ timeout: "5s" }` with:
    /// let e = Error::Type("scope: timeout must be a number, got string".into());
    /// assert!(e.is_type() && !e.is_range());
    /// ```
    pub fn is_type(&self) -> bool {
        matches!(self, Error::Type(_))
    }

    /// A call on a disposed or aborted scope, or that does not fit the state.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let _ = s.dispose();
    /// host.run();
    /// let e = s.task(|_ctx| async { Ok::<_, ()>(1) }, TaskOptions::default()).unwrap_err();
    /// assert!(e.is_state());
    /// assert_eq!(e.to_string(), "Cannot spawn task on disposed scope");
    /// ```
    pub fn is_state(&self) -> bool {
        matches!(self, Error::State(_))
    }

    /// Refused because the signal or scope is aborted already.
    ///
    /// ```
    /// # use go_go_scope_wasm::{Error, ManualHost, PollOptions, Runtime, ScopeOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let _ = s.dispose();
    /// host.run();
    /// let e = s.poll(|_ctx| async { Ok::<_, ()>(1) }, |_| {}, PollOptions::default()).unwrap_err();
    /// assert!(e.is_aborted());
    /// assert!(matches!(e, Error::Aborted(r) if r.is_disposed()));
    /// ```
    pub fn is_aborted(&self) -> bool {
        matches!(self, Error::Aborted(_))
    }

    /// The error as JavaScript would throw it: a `RangeError`, a
    /// `TypeError`, an `Error`, or the abort reason itself.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::Error;
    /// # use wasm_bindgen::JsCast;
    /// let e = Error::Range("scope: timeout must be a number of milliseconds >= 0, got -1".into());
    /// let js = e.to_js();
    /// assert!(js.is_instance_of::<js_sys::RangeError>());
    /// ```
    pub fn to_js(&self) -> JsValue {
        match self {
            Error::Range(m) => js_sys::RangeError::new(m).into(),
            Error::Type(m) => js_sys::TypeError::new(m).into(),
            Error::State(m) => js_sys::Error::new(m).into(),
            Error::Aborted(r) => r.to_js(),
        }
    }
}

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        e.to_js()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Range(m) | Error::Type(m) | Error::State(m) => f.write_str(m),
            Error::Aborted(r) => write!(f, "aborted: {r}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Fail> for Error {
    fn from(f: Fail) -> Error {
        let message = f.message.replace('\u{1}', &js_number(f.number));
        match f.kind {
            FailKind::RangeError => Error::Range(message),
            FailKind::TypeError => Error::Type(message),
            FailKind::Error => Error::State(message),
        }
    }
}

/// A number as JavaScript's `String(n)` prints it (`5`, `1.5`, `NaN`,
/// `Infinity`, `1e+21`), for messages.
#[cfg(target_arch = "wasm32")]
pub(crate) fn js_number(n: f64) -> String {
    // JavaScript itself writes it (and Rust's float formatting, some 10 KB,
    // stays out of the binary).
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// A number as JavaScript's `String(n)` prints it (natively: the same
/// rules by hand).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn js_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let a = n.abs();
    if (1e-6..1e21).contains(&a) {
        // Rust's shortest round-trip digits, written without an exponent,
        // as JavaScript writes numbers in this range.
        return format!("{n}");
    }
    // `1e21` → `1e+21`, `1.5e-7` → `1.5e-7`.
    let s = format!("{n:e}");
    match s.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
        _ => s,
    }
}

/// What a cleanup failed with: its own error, kept as is (a JavaScript
/// value stays the same object), with the message it reads as.
///
/// Cheap to clone (clones share the value).
///
/// ```
/// # use go_go_scope_wasm::{CleanupError, ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap()
///     .provide_with_cleanup("db", || "pg", |_db| async { Err::<(), _>(CleanupError::new("db gone")) })
///     .unwrap();
/// let mut done = s.dispose();
/// host.run();
/// let e = (&mut done).now_or_never().unwrap().unwrap_err();
/// assert_eq!(e.errors()[0].message(), "db gone");
/// ```
#[derive(Clone)]
pub struct CleanupError {
    value: Rc<dyn Any>,
    message: Rc<str>,
}

impl CleanupError {
    /// Wraps any error (its `Display` is the message).
    ///
    /// ```
    /// # use go_go_scope_wasm::CleanupError;
    /// let e = CleanupError::new(std::io::Error::other("disk full"));
    /// assert_eq!(e.message(), "disk full");
    /// assert!(e.downcast_ref::<std::io::Error>().is_some());
    /// ```
    pub fn new<E: fmt::Display + 'static>(error: E) -> CleanupError {
        CleanupError {
            message: error.to_string().into(),
            value: Rc::new(error),
        }
    }

    /// Wraps a JavaScript value (an `Error`'s message, or `String(value)`).
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::CleanupError;
    /// let e = CleanupError::from_js(js_sys::Error::new("connection reset").into());
    /// assert_eq!(e.message(), "connection reset");
    /// assert!(e.js_value().is_some());
    /// ```
    pub fn from_js(value: JsValue) -> CleanupError {
        CleanupError {
            message: super::signal::js_text(&value).into(),
            value: Rc::new(value),
        }
    }

    /// The message (joined into [`DisposeError`]'s when several failed).
    ///
    /// ```
    /// # use go_go_scope_wasm::CleanupError;
    /// let e = CleanupError::from(format!("flush failed after {} bytes", 512));
    /// assert_eq!(e.message(), "flush failed after 512 bytes");
    /// assert_eq!(e.to_string(), e.message());
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error itself, if it is an `E`.
    ///
    /// ```
    /// # use go_go_scope_wasm::CleanupError;
    /// # use std::io::{Error as IoError, ErrorKind};
    /// let e = CleanupError::new(IoError::new(ErrorKind::TimedOut, "db timed out"));
    /// assert_eq!(e.downcast_ref::<IoError>().map(IoError::kind), Some(ErrorKind::TimedOut));
    /// assert!(e.downcast_ref::<String>().is_none());
    /// ```
    pub fn downcast_ref<E: 'static>(&self) -> Option<&E> {
        self.value.downcast_ref::<E>()
    }

    /// The JavaScript value the cleanup failed with, if it was one.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::CleanupError;
    /// # fn demo(thrown: wasm_bindgen::JsValue) {
    /// let e = CleanupError::from_js(thrown.clone());
    /// assert_eq!(e.js_value(), Some(&thrown)); // the same object
    /// assert!(CleanupError::new("db gone").js_value().is_none());
    /// # }
    /// ```
    pub fn js_value(&self) -> Option<&JsValue> {
        self.downcast_ref::<JsValue>()
    }
}

impl From<JsValue> for CleanupError {
    fn from(v: JsValue) -> CleanupError {
        CleanupError::from_js(v)
    }
}

impl From<&'static str> for CleanupError {
    fn from(m: &'static str) -> CleanupError {
        CleanupError::new(m)
    }
}

impl From<String> for CleanupError {
    fn from(m: String) -> CleanupError {
        CleanupError::new(m)
    }
}

impl From<Error> for CleanupError {
    fn from(e: Error) -> CleanupError {
        CleanupError::new(e)
    }
}

impl fmt::Display for CleanupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for CleanupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CleanupError({:?})", &*self.message)
    }
}

impl std::error::Error for CleanupError {}

/// A disposal whose cleanups failed: every cleanup still ran (SPEC
/// "Disposal", step 3). One failure reads as its own message; several as
/// "Multiple errors during scope disposal: a, b".
///
/// ```
/// # use go_go_scope_wasm::{CleanupError, ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let host = ManualHost::new();
/// # let rt = Runtime::new(host.clone());
/// let s = rt.scope(ScopeOptions::default()).unwrap()
///     .provide_with_cleanup("a", || 1, |_| async { Err::<(), _>(CleanupError::new("a failed")) })
///     .unwrap()
///     .provide_with_cleanup("b", || 2, |_| async { Err::<(), _>(CleanupError::new("b failed")) })
///     .unwrap();
/// let mut done = s.dispose();
/// host.run();
/// let e = (&mut done).now_or_never().unwrap().unwrap_err();
/// assert_eq!(e.to_string(), "Multiple errors during scope disposal: b failed, a failed");
/// ```
#[derive(Clone, Debug)]
pub struct DisposeError {
    errors: Vec<CleanupError>,
}

impl DisposeError {
    pub(crate) fn new(errors: Vec<CleanupError>) -> DisposeError {
        DisposeError { errors }
    }

    /// The cleanups' errors, in the order the cleanups ran (newest
    /// registration first).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let s = rt.scope(ScopeOptions::default()).unwrap()
    ///     .provide_with_cleanup("cache", || (), |_| async { Err::<(), _>("cache gone") })
    ///     .unwrap()
    ///     .provide_with_cleanup("db", || (), |_| async { Err::<(), _>("db gone") })
    ///     .unwrap();
    /// let mut done = s.dispose();
    /// host.run();
    /// let e = (&mut done).now_or_never().unwrap().unwrap_err();
    /// let messages: Vec<_> = e.errors().iter().map(|c| c.message()).collect();
    /// assert_eq!(messages, ["db gone", "cache gone"]); // newest registration first
    /// ```
    pub fn errors(&self) -> &[CleanupError] {
        &self.errors
    }

    /// The error as JavaScript's disposal rejects: the one cleanup error
    /// itself, or one `Error` joining the messages.
    ///
    /// ```no_run
    /// # use go_go_scope_wasm::Scope;
    /// # use wasm_bindgen::{JsCast, JsValue};
    /// # async fn demo(s: Scope) -> Result<(), JsValue> {
    /// // In a `#[wasm_bindgen]` function: reject as 1.0's disposal does.
    /// if let Err(e) = s.dispose().await {
    ///     let js = e.to_js();
    ///     if e.errors().len() > 1 {
    ///         assert!(js.is_instance_of::<js_sys::Error>()); // one `Error` for all
    ///     }
    ///     return Err(js);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn to_js(&self) -> JsValue {
        match self.errors.as_slice() {
            [one] => match one.js_value() {
                Some(v) => v.clone(),
                None => js_sys::Error::new(one.message()).into(),
            },
            _ => js_sys::Error::new(&self.to_string()).into(),
        }
    }
}

/// [`DisposeError::to_js`], so `s.dispose().await?` works in a
/// `#[wasm_bindgen]` function that returns `Result<_, JsValue>`.
impl From<DisposeError> for JsValue {
    fn from(e: DisposeError) -> JsValue {
        e.to_js()
    }
}

impl fmt::Display for DisposeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [one] => f.write_str(one.message()),
            all => {
                f.write_str("Multiple errors during scope disposal: ")?;
                for (i, e) in all.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(e.message())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for DisposeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_prints_them() {
        for (n, s) in [
            (5.0, "5"),
            (-1.0, "-1"),
            (1.5, "1.5"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (1e21, "1e+21"),
            (9_007_199_254_740_992.0, "9007199254740992"),
            (0.000_000_15, "1.5e-7"),
            (0.000_001, "0.000001"),
        ] {
            assert_eq!(js_number(n), s);
        }
    }

    #[test]
    fn one_cleanup_error_reads_as_itself_and_several_are_joined() {
        let one = DisposeError::new(vec![CleanupError::new("db gone")]);
        assert_eq!(one.to_string(), "db gone");
        let two = DisposeError::new(vec![CleanupError::new("a"), CleanupError::from("b")]);
        assert_eq!(
            two.to_string(),
            "Multiple errors during scope disposal: a, b"
        );
        assert_eq!(two.errors()[0].downcast_ref::<&str>(), Some(&"a"));
    }
}
