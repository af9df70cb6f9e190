//! Exports of race, parallel (see `machine/group.rs`) and
//! AsyncDisposableResource (`machine/resource.rs`).

use wasm_bindgen::prelude::*;

use super::{failed, key, with};
use crate::machine::group::{Kind, Plan};
use crate::machine::resource::{step, ResEvent, ResState};
use crate::machine::Fail;

/// `concurrency` if given (`has_limit`).
fn limit(has_limit: bool, limit: f64) -> Option<f64> {
    has_limit.then_some(limit)
}

/// Before a race/parallel of `n` factories makes its scope: 1 run, 0 empty
/// (a race's Result is `[failure, undefined]`, a parallel's `[]`), -1 a bad
/// `concurrency` (throw the failure).
#[wasm_bindgen]
pub fn group_plan(race: bool, n: u32, has_limit: bool, concurrency: f64) -> f64 {
    with(
        |st| match st.m.group_plan(n, limit(has_limit, concurrency)) {
            Ok(Plan::Run) => 1.0,
            Ok(Plan::Empty) => {
                if race {
                    st.fail = Some(Fail::error(crate::machine::group::RACE_EMPTY));
                }
                0.0
            }
            Err(f) => failed(st, f),
        },
    )
}

/// Runs `n` factories as members of the fresh internal scope `scope`;
/// returns the group's key, or -1 (then the caller disposes its scope).
#[wasm_bindgen]
pub fn group_new(
    scope: f64,
    race: bool,
    n: u32,
    has_limit: bool,
    concurrency: f64,
    fail_fast: bool,
) -> f64 {
    let kind = if race { Kind::Race } else { Kind::Parallel };
    with(|st| {
        let r = match key(scope) {
            Some(s) => {
                st.m.group_new(s, kind, n, limit(has_limit, concurrency), fail_fast)
            }
            None => Err(Fail::error(crate::machine::options::TASK_ON_DISPOSED)),
        };
        match r {
            Ok(g) => g.to_f64(),
            Err(f) => failed(st, f),
        }
    })
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
        Err(f) => with(|st| failed(st, f) as i32),
    }
}
