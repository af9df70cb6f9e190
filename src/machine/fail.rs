//! Typed failures of commands: what JS throws at the caller. A command that
//! fails changes nothing (it checks before it mutates).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

/// Which JS error class the caller sees.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FailKind {
    Error = 1,
    TypeError = 2,
    RangeError = 3,
}

/// A refused command: the error class, its message, and a number that JS
/// prints in place of the `\u{1}` mark the way `String(n)` prints it (so no
/// float formatting is compiled into the wasm, and `2 ** 53` reads
/// `9007199254740992`).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Fail {
    pub kind: FailKind,
    pub message: &'static str,
    pub number: f64,
}

impl Fail {
    pub const fn error(message: &'static str) -> Fail {
        Fail {
            kind: FailKind::Error,
            message,
            number: 0.0,
        }
    }

    pub const fn type_error(message: &'static str) -> Fail {
        Fail {
            kind: FailKind::TypeError,
            message,
            number: 0.0,
        }
    }

    pub const fn range(message: &'static str, number: f64) -> Fail {
        Fail {
            kind: FailKind::RangeError,
            message,
            number,
        }
    }
}

pub type Outcome<T> = Result<T, Fail>;
