//! Exports of race, parallel (see `machine/group.rs`) and
//! AsyncDisposableResource (`machine/resource.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;

use super::{failed, key, with};
use crate::machine::group::{flag, plan, Kind, Plan, RaceSpec, RACE_EMPTY};
use crate::machine::resource::{step, ResEvent, ResState};
use crate::machine::Fail;

/// `concurrency` if given (`has_limit`).
fn limit(has_limit: bool, limit: f64) -> Option<f64> {
    has_limit.then_some(limit)
}

/// A race's timing as the exports take it (each 0 when not given).
fn race_spec(flags: u32, timeout: f64, stagger: f64, max: f64) -> RaceSpec {
    RaceSpec {
        timeout,
        stagger,
        stagger_delay: flags & flag::STAGGER_DELAY != 0,
        max,
    }
}

/// Keeps the failure for `fail_*` and answers -1. One copy for the exports
/// below that otherwise need no state (`with` is inlined per caller).
#[inline(never)]
fn refuse(f: Fail) -> f64 {
    with(|st| failed(st, f))
}

/// Before a race/parallel of `n` factories makes its scope: 1 run, 0 empty
/// (a race's Result is `[failure, undefined]`, a parallel's `[]`), -1 a bad
/// `concurrency` or race timing (throw the failure). `flags`, `timeout`,
/// `stagger`, `max`: as [`group_new`] takes them.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn group_plan(
    race: bool,
    n: u32,
    has_limit: bool,
    concurrency: f64,
    flags: u32,
    timeout: f64,
    stagger: f64,
    max: f64,
) -> f64 {
    let spec = race_spec(flags, timeout, stagger, max);
    let kind = if race { Kind::Race } else { Kind::Parallel };
    match plan(kind, n, limit(has_limit, concurrency), &spec) {
        Ok(Plan::Run) => 1.0,
        Ok(Plan::Empty) => {
            if race {
                // The empty race's Result carries this failure.
                let _ = refuse(Fail::error(RACE_EMPTY));
            }
            0.0
        }
        Err(f) => refuse(f),
    }
}

/// Runs `n` factories as members of the fresh internal scope `scope`;
/// returns the group's key, or -1 (then the caller disposes its scope).
/// `flags`: `machine::group::flag` (1 failFast, 2 onProgress, 4
/// requireSuccess, 8 the stagger was given as `staggerDelay`); a race's
/// `timeout`, `stagger` and `max` (`staggerMaxConcurrent`), each 0 when not
/// given.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn group_new(
    scope: f64,
    race: bool,
    n: u32,
    has_limit: bool,
    concurrency: f64,
    flags: u32,
    timeout: f64,
    stagger: f64,
    max: f64,
) -> f64 {
    let kind = if race { Kind::Race } else { Kind::Parallel };
    let spec = race_spec(flags, timeout, stagger, max);
    let r = with(|st| {
        let s = key(scope).ok_or(Fail::error(crate::machine::options::TASK_ON_DISPOSED))?;
        st.m.group_new(s, kind, n, limit(has_limit, concurrency), flags, &spec)
    });
    match r {
        Ok(g) => g.to_f64(),
        Err(f) => refuse(f),
    }
}

/// Starts factory `i` of group `g`: the member task's key, or -1.
#[wasm_bindgen]
pub fn group_spawn(g: f64, i: u32, now: f64) -> f64 {
    with(|st| {
        key(g)
            .and_then(|g| st.m.group_spawn(g, i, now))
            .map_or(-1.0, |k| k.to_f64())
    })
}

/// A resource's next state and action as `state + 8 * action`, or -1 when
/// `acquire()` is refused (the failure says why).
#[wasm_bindgen]
pub fn resource_step(state: u32, event: u32) -> i32 {
    let (Some(s), Some(e)) = (ResState::from_u32(state), ResEvent::from_u32(event)) else {
        return state as i32;
    };
    match step(s, e) {
        Ok((s, a)) => s as i32 + 8 * a as i32,
        Err(f) => refuse(f) as i32,
    }
}
