// Helpers shared by the Rust examples (each includes this file with
// `#[path = "support/rust.rs"] mod support;`): console.log, a timer sleep,
// and the progress of the longer demos, as examples/support/progress.ts
// draws it. On a terminal, one line redrawn in place (a count, or the
// seconds spent waiting); when the output is piped (the tests, CI logs),
// nothing until the closing line. EXAMPLES_PROGRESS=1 forces the terminal
// form, EXAMPLES_PROGRESS=0 turns it off.
#![allow(dead_code)] // each example uses some of these

use std::cell::Cell;
use std::time::Duration;

use gloo_timers::callback::Interval;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `console.log(s)`.
    #[wasm_bindgen(js_namespace = console)]
    pub fn log(s: &str);

    /// `process.stdout.write(s)`: progress drawn without a newline.
    #[wasm_bindgen(js_namespace = ["process", "stdout"], js_name = write)]
    fn write_stdout(s: &str);
}

/// Waits `d` on a JavaScript timer (the stubs' simulated latency).
pub fn sleep(d: Duration) -> TimeoutFuture {
    TimeoutFuture::new(u32::try_from(d.as_millis()).unwrap_or(u32::MAX))
}

/// `Date.now()`, in ms.
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// `obj[key]`, or `undefined`.
fn get(obj: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

thread_local! {
    /// Whether progress is drawn (decided once, like progress.ts's `tty`).
    static TTY: bool = {
        let process = get(&js_sys::global(), "process");
        match get(&get(&process, "env"), "EXAMPLES_PROGRESS").as_string() {
            Some(v) => v == "1",
            None => get(&get(&process, "stdout"), "isTTY").is_truthy(),
        }
    };
}

fn tty() -> bool {
    TTY.with(|t| *t)
}

fn draw(text: &str) {
    if tty() {
        write_stdout(&format!("\r\x1b[2K{text}"));
    }
}

fn clear() {
    if tty() {
        write_stdout("\r\x1b[2K");
    }
}

/// A counter: `tick()` redraws "label n" on a terminal; `done()` clears
/// the line and gives the count (and starts again from 0).
pub struct Counter {
    label: &'static str,
    n: Cell<usize>,
}

impl Counter {
    pub const fn new(label: &'static str) -> Counter {
        Counter {
            label,
            n: Cell::new(0),
        }
    }

    pub fn tick(&self) -> usize {
        let n = self.n.get() + 1;
        self.n.set(n);
        draw(&format!("  {} {n}", self.label));
        n
    }

    pub fn count(&self) -> usize {
        self.n.get()
    }

    pub fn done(&self) -> usize {
        clear();
        self.n.replace(0)
    }
}

/// Shows the seconds spent (with a bar towards `expected`) until the
/// returned guard is dropped, so a snippet in between stays as written.
pub fn elapsed(label: &'static str, expected: Duration) -> Elapsed {
    let t0 = now();
    let expected = expected.as_secs_f64() * 1000.0;
    let render = move || {
        const WIDTH: usize = 20;
        let ms = now() - t0;
        let filled = ((ms / expected * WIDTH as f64).round() as usize).min(WIDTH);
        draw(&format!(
            "  {label} [{}{}] {:.1} s",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            ms / 1000.0
        ));
    };
    render();
    Elapsed {
        _timer: tty().then(|| Interval::new(100, render)),
    }
}

/// The progress of [`elapsed`]: dropping it stops and clears the line.
pub struct Elapsed {
    _timer: Option<Interval>,
}

impl Drop for Elapsed {
    fn drop(&mut self) {
        clear();
    }
}
