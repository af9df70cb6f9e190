//! `race` and `parallel` (SPEC "race", "parallel"): a *group* of factories
//! run as the tasks ("members") of an internal child scope.
//!
//! The executor makes the internal scope (a real scope: its span, services
//! and disposal are a scope's) and hands it to [`Machine::group_new`]; from
//! then on the group owns it and decides everything:
//! - which factories start and when: `GroupStart(g, from, count)` asks JS to
//!   call [`Machine::group_spawn`] for each index of `from..from + count`,
//!   in input order; each is a task of the internal scope, whose `Start`
//!   follows as for any task;
//! - who wins a race: the first member to settle (success or failure; with
//!   `requireSuccess`, the first success), or the abort reason if the
//!   internal scope was aborted from outside (a parent scope, a linked
//!   signal, the race's `timeout`) before any member won;
//! - when a parallel stops starting factories: `failFast` after a failure,
//!   or the internal scope aborted (the factories not started then get
//!   `[reason, undefined]`);
//! - when it is over: the internal scope is disposed (race: as soon as it
//!   is decided, so the losers see their signal aborted; parallel: once
//!   every started member settled), and `GroupDone` follows the scope's
//!   `Disposed`, which comes once every member settled.
//!
//! A parallel made with [`flag::PROGRESS`] reports each member that
//! settles, with the count settled so far (`GroupProgress`, after the
//! member's `Settle`): 2.x's `onProgress(completed, total, result)`.
//!
//! A race takes go-go-scope 2.x's options ([`RaceSpec`], flags):
//! - [`flag::REQUIRE_SUCCESS`]: only a success wins; a failure starts the
//!   next factory due, and when every factory failed the race ends with
//!   [`how::ALL_FAILED`] (JS: `[AggregateError(errors in input order),
//!   undefined]`);
//! - `timeout`: the internal scope's own timeout (scope.rs): it runs out
//!   as a scope's does, cancelling the members with `timeout after <ms>ms`,
//!   and the race learns of it as of an outside abort (invariant #5);
//! - `stagger` (2.x's `staggerDelay`, hedged requests): the first factory
//!   starts at once, each next one only when none settled (or, with
//!   `requireSuccess`, when one failed) within `stagger` ms of the last
//!   start (invariant #6), at most `max` (`staggerMaxConcurrent`) at once.
//!
//! A member settling is reported by `Machine::group_member_settled`,
//! called from `Machine::settle` (task.rs). An abort from outside is
//! noticed then (or when a decided start finds the scope aborted): the group
//! owns no node of its own, as nothing it decides depends on noticing
//! sooner; a race and a parallel both wait for every started member, and
//! every one of them sees its signal aborted at once.
//!
//! # Invariants
//!
//! 1. Factories start in input order: `spawned <= next <= n`, and the
//!    members of a group are exactly the indices `< spawned` whose spawn
//!    succeeded. A parallel has at most `limit` members deciding-or-running
//!    (`running`) at once.
//! 2. `GroupDone` is emitted once, after the internal scope's `Disposed`
//!    (so after every member settled), and the record is removed in the same
//!    step; `members` holds no entry of it by then.
//! 3. A reason the group keeps (`reason`) is held (signal.rs #1) until
//!    `GroupDone` has carried it.
//! 4. The internal scope has no permits and no breaker (the group's limit is
//!    the only one), and nothing but the group's members runs in it: its
//!    members are always `Running`, so cancelling it settles none of them
//!    synchronously and the group is never re-entered from its own
//!    `scope_dispose`.
//! 5. The internal scope is cancelled from inside only by the group's own
//!    disposal (`disposing` set first): a cancellation seen while not
//!    disposing came from outside (or from a race's `timeout`, the scope's
//!    own timer: it decides the race as an outside abort does).
//! 6. A staggered race starts one factory at a time: the first at once,
//!    then one each time a start is `due` (its stagger timer fired, or a
//!    member settled without deciding) and fewer than `limit` run. Its
//!    stagger timer is live only while the race is undecided and factories
//!    remain: set after each start, cleared by the next start and by the
//!    decision (one owner, one release).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::Op;
use super::fail::{Fail, Outcome};
use super::options;
use super::slab::{Key, Slab};
use super::task::{how as task_how, TaskSpec};
use super::timer::TimerOwner;
use super::Machine;
use crate::core::cancel::NodeId;

pub const PARALLEL_CONCURRENCY: &str =
    "parallel: concurrency must be an integer from 1 to 2^32, or Infinity, got \u{1}";
pub const RACE_CONCURRENCY: &str =
    "race: concurrency must be an integer from 1 to 2^32, or Infinity, got \u{1}";
pub const RACE_EMPTY: &str = "Cannot race empty array of factories";
pub const RACE_TIMEOUT: &str = "race: timeout must be a number of milliseconds >= 0, got \u{1}";
pub const RACE_STAGGER: &str = "race: stagger must be a number of milliseconds >= 0, got \u{1}";
pub const RACE_STAGGER_DELAY: &str =
    "race: staggerDelay must be a number of milliseconds >= 0, got \u{1}";
pub const RACE_STAGGER_MAX: &str =
    "race: staggerMaxConcurrent must be an integer from 1 to 2^32, or Infinity, got \u{1}";
const NO_SCOPE: &str = "Cannot spawn task on disposed scope";

/// `race` or `parallel`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Race,
    Parallel,
}

/// What a group call does, decided before any scope exists.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// No factories: a race gives `[Error(RACE_EMPTY), undefined]`, a
    /// parallel `[]`, without making a scope.
    Empty,
    /// Make the internal scope and call [`Machine::group_new`].
    Run,
}

/// How a group ends (`Op::GroupDone`'s `how`; JS builds the value).
pub mod how {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// Race: resolve with member `arg`'s Result.
    pub const WINNER: f64 = 0.0;
    /// Race: resolve with `[reason arg, undefined]`.
    pub const ABORTED: f64 = 1.0;
    /// Parallel: resolve with every factory's Result in input order; one
    /// that never started gets `[reason arg, undefined]` (`arg` -1 when all
    /// started).
    pub const RESULTS: f64 = 2.0;
    /// Parallel `failFast`: reject with member `arg`'s error.
    pub const REJECT: f64 = 3.0;
    /// Race `requireSuccess`: every factory failed: resolve with
    /// `[AggregateError(their errors in input order), undefined]`.
    pub const ALL_FAILED: f64 = 4.0;
}

/// Flags of [`Machine::group_new`].
pub mod flag {
    /// Parallel: stop at the first failure and reject with its error.
    pub const FAIL_FAST: u32 = 1;
    /// Parallel: report each member's settling (`GroupProgress`).
    pub const PROGRESS: u32 = 2;
    /// Race: only a success wins (2.x's `requireSuccess`).
    pub const REQUIRE_SUCCESS: u32 = 4;
    /// The wasm exports' way to say [`RaceSpec::stagger_delay`](super::RaceSpec).
    pub const STAGGER_DELAY: u32 = 8;
}

/// A race's timing options as given (go-go-scope 2.x's), every one `0`
/// when not given. Judged by [`plan`] and [`Machine::group_new`].
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct RaceSpec {
    /// `timeout` (ms): `0` or `Infinity` is none.
    pub timeout: f64,
    /// `stagger` (ms): `0` starts every factory at once; `Infinity` starts
    /// the next only when one failed (with `requireSuccess`).
    pub stagger: f64,
    /// The stagger was given as 2.x's `staggerDelay` (its error names it).
    pub stagger_delay: bool,
    /// `staggerMaxConcurrent`: at most this many at once; `0` or
    /// `Infinity` is no limit.
    pub max: f64,
}

/// A [`RaceSpec`] judged: `(timeout, stagger, max)`.
type Timing = (Option<f64>, Option<f64>, Option<u32>);

fn timing(spec: &RaceSpec) -> Outcome<Timing> {
    let timeout = options::duration(spec.timeout, RACE_TIMEOUT)?;
    let message = if spec.stagger_delay {
        RACE_STAGGER_DELAY
    } else {
        RACE_STAGGER
    };
    let stagger = options::any_duration(spec.stagger, message)?;
    let max = options::limit(spec.max, 0.0, RACE_STAGGER_MAX)?;
    Ok((
        timeout,
        (stagger > 0.0).then_some(stagger),
        options::permits(max).filter(|n| *n > 0),
    ))
}

/// A live member: which group, which factory.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Member {
    task: Key,
    group: Key,
    index: u32,
}

/// A race or parallel that has not ended.
pub struct GroupRec {
    kind: Kind,
    /// The internal scope (invariant #4).
    scope: Key,
    /// Number of factories.
    n: u32,
    /// At most this many members at once (`u32::MAX`: no limit).
    limit: u32,
    fail_fast: bool,
    /// Report each member's settling (`onProgress`).
    progress: bool,
    /// Race: only a success wins.
    require_success: bool,
    /// Race: the stagger (ms) of a hedged race (invariant #6).
    stagger: Option<f64>,
    /// Its timer, while one is set.
    stagger_timer: Option<Key>,
    /// A staggered start is owed (invariant #6).
    due: bool,
    /// Members settled so far.
    settled: u32,
    /// Factories whose start was decided (invariant #1).
    next: u32,
    /// Of those, how many JS asked `group_spawn` for.
    spawned: u32,
    /// Decided to start and not settled yet.
    running: u32,
    /// Race: the member that settled first.
    winner: Option<u32>,
    /// Parallel `failFast`: the lowest index that failed.
    first_error: Option<u32>,
    /// The internal scope was aborted from outside with this reason (held,
    /// invariant #3).
    reason: Option<Key>,
    /// The group disposed its scope (invariant #5).
    disposing: bool,
}

/// The group records of the machine.
#[derive(Default)]
pub struct Groups {
    recs: Slab<GroupRec>,
    /// The group of each live member task, by the task's slot index (O(1)
    /// lookup when it settles; STYLE #7).
    members: Vec<Option<Member>>,
}

impl Groups {
    /// Live groups (for leak checks).
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }
}

/// Validates a `concurrency` (0 or `Infinity`: unlimited): `Some(None)`
/// means given and unlimited.
fn limit_of(kind: Kind, limit: Option<f64>) -> Outcome<Option<Option<u32>>> {
    let message = match kind {
        Kind::Race => RACE_CONCURRENCY,
        Kind::Parallel => PARALLEL_CONCURRENCY,
    };
    match limit {
        Some(v) => {
            let v = options::limit(v, 0.0, message)?;
            Ok(Some(options::permits(v).filter(|n| *n > 0)))
        }
        None => Ok(None),
    }
}

/// What a race/parallel of `n` factories does, decided before it makes its
/// scope (no state is read or changed): refuses a bad `concurrency` or race
/// timing; no factories is [`Plan::Empty`].
pub fn plan(kind: Kind, n: u32, limit: Option<f64>, race: &RaceSpec) -> Outcome<Plan> {
    limit_of(kind, limit)?;
    if kind == Kind::Race {
        timing(race)?;
    }
    Ok(if n == 0 { Plan::Empty } else { Plan::Run })
}

impl Machine {
    /// Command: run `n` factories as members of the fresh internal `scope`.
    /// `limit`: the group's own `concurrency` if given (a race: 2.x's, at
    /// most this many at once; none by default); otherwise a parallel
    /// takes the concurrency the internal scope inherited from its parent
    /// (`s.parallel` uses the scope's). `race`: a race's timing (a
    /// parallel's is ignored). Emits the first `GroupStart`, or, when the
    /// scope is already aborted, starts nothing and ends at once.
    pub fn group_new(
        &mut self,
        scope: Key,
        kind: Kind,
        n: u32,
        limit: Option<f64>,
        flags: u32,
        race: &RaceSpec,
    ) -> Outcome<Key> {
        let own = limit_of(kind, limit)?;
        let (timeout, stagger, max) = match kind {
            Kind::Race => timing(race)?,
            Kind::Parallel => (None, None, None),
        };
        if n == 0 && kind == Kind::Race {
            return Err(Fail::error(RACE_EMPTY));
        }
        let rec = self.scopes.get_mut(scope).ok_or(Fail::error(NO_SCOPE))?;
        let limit = match kind {
            // 2.x's `concurrency` and `staggerMaxConcurrent`: the smaller.
            Kind::Race => match (own.flatten(), max) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            Kind::Parallel => {
                own.unwrap_or_else(|| options::permits(rec.concurrency).filter(|n| *n > 0))
            }
        };
        // Invariant #4: the group's limit is the only one.
        rec.concurrency = 0.0;
        rec.sem = None;
        rec.breaker = None;
        let g = self.groups.recs.insert(GroupRec {
            kind,
            scope,
            n,
            limit: limit.unwrap_or(u32::MAX),
            fail_fast: flags & flag::FAIL_FAST != 0,
            progress: flags & flag::PROGRESS != 0 && kind == Kind::Parallel,
            require_success: flags & flag::REQUIRE_SUCCESS != 0 && kind == Kind::Race,
            stagger,
            stagger_timer: None,
            due: false,
            settled: 0,
            next: 0,
            spawned: 0,
            running: 0,
            winner: None,
            first_error: None,
            reason: None,
            disposing: false,
        });
        if let Some(ms) = timeout {
            self.scope_arm_timeout(scope, ms);
        }
        self.group_notice_abort(g);
        self.group_step(g);
        Ok(g)
    }

    /// Command (from the `GroupStart` handler): starts factory `i` as a
    /// member task and returns the task's key (its `Start` is in the
    /// effects). `None`: not started: `i` is not the next factory due, or
    /// the scope was aborted since the start was decided (user code ran in
    /// between); the group goes on without it.
    pub fn group_spawn(&mut self, g: Key, i: u32, now: f64) -> Option<Key> {
        let rec = self.groups.recs.get_mut(g)?;
        if i != rec.spawned || i >= rec.next {
            return None;
        }
        rec.spawned += 1;
        let scope = rec.scope;
        match self.spawn(scope, TaskSpec::default(), now) {
            Ok(task) => {
                let at = task.index as usize;
                if self.groups.members.len() <= at {
                    self.groups.members.resize(at + 1, None);
                }
                if let Some(slot) = self.groups.members.get_mut(at) {
                    *slot = Some(Member {
                        task,
                        group: g,
                        index: i,
                    });
                }
                Some(task)
            }
            Err(_) => {
                self.group_notice_abort(g);
                if let Some(rec) = self.groups.recs.get_mut(g) {
                    rec.running = rec.running.saturating_sub(1);
                }
                self.group_step(g);
                None
            }
        }
    }

    /// Hook of `Machine::settle`: task `task` settled (`how`: task.rs
    /// `how`). Nothing for a task that is no member.
    pub(crate) fn group_member_settled(&mut self, task: Key, how: f64) {
        let m = match self.groups.members.get_mut(task.index as usize) {
            Some(slot) if slot.is_some_and(|m| m.task == task) => slot.take(),
            _ => None,
        };
        let Some(m) = m else { return };
        // An outside abort that came first decides a race (invariant #5).
        self.group_notice_abort(m.group);
        let Some(rec) = self.groups.recs.get_mut(m.group) else {
            return;
        };
        rec.running = rec.running.saturating_sub(1);
        rec.settled += 1;
        if rec.progress {
            // After the member's `Settle`: JS has its Result.
            self.fx.push(
                Op::GroupProgress,
                m.group.to_f64(),
                f64::from(m.index),
                f64::from(rec.settled),
            );
        }
        match rec.kind {
            Kind::Race => {
                if rec.winner.is_none() && rec.reason.is_none() {
                    if how == task_how::OK || !rec.require_success {
                        rec.winner = Some(m.index);
                    } else {
                        // A failure that does not decide starts the next
                        // factory at once (invariant #6).
                        rec.due = true;
                    }
                }
            }
            Kind::Parallel => {
                if how != task_how::OK && rec.first_error.is_none_or(|f| m.index < f) {
                    rec.first_error = Some(m.index);
                }
            }
        }
        self.group_step(m.group);
    }

    /// Keeps the reason of an outside abort of the group's scope
    /// (invariants #3, #5).
    fn group_notice_abort(&mut self, g: Key) {
        let Some(rec) = self.groups.recs.get(g) else {
            return;
        };
        if rec.disposing || rec.reason.is_some() {
            return;
        }
        let r = self
            .scopes
            .get(rec.scope)
            .and_then(|s| self.tree.reason(s.node))
            .copied();
        if let Some(r) = r {
            self.hold_reason(r);
            if let Some(rec) = self.groups.recs.get_mut(g) {
                rec.reason = Some(r);
            }
        }
    }

    /// Goes on as far as the group can without waiting: start factories,
    /// dispose the scope once decided, end once the scope is gone.
    fn group_step(&mut self, g: Key) {
        let Some(rec) = self.groups.recs.get_mut(g) else {
            return;
        };
        if !rec.disposing {
            let stopped = rec.reason.is_some()
                || match rec.kind {
                    // `requireSuccess` with nothing left to try: all failed.
                    Kind::Race => {
                        rec.winner.is_some()
                            || (rec.require_success && rec.running == 0 && rec.next == rec.n)
                    }
                    Kind::Parallel => rec.fail_fast && rec.first_error.is_some(),
                };
            if !stopped {
                let mut count = rec
                    .limit
                    .saturating_sub(rec.running)
                    .min(rec.n.saturating_sub(rec.next));
                if rec.stagger.is_some() && !(rec.due || rec.next == 0) {
                    count = 0;
                }
                if count > 0 {
                    if let Some(ms) = rec.stagger {
                        // One at a time, and the timer of the next (#6).
                        count = 1;
                        rec.due = false;
                        let old = rec.stagger_timer.take();
                        let more = rec.next + 1 < rec.n;
                        self.clear_timer(old);
                        let t = more
                            .then(|| self.set_timer(TimerOwner::GroupStagger(g), ms))
                            .flatten();
                        let Some(rec) = self.groups.recs.get_mut(g) else {
                            return;
                        };
                        rec.stagger_timer = t;
                    }
                    let Some(rec) = self.groups.recs.get_mut(g) else {
                        return;
                    };
                    self.fx.push(
                        Op::GroupStart,
                        g.to_f64(),
                        f64::from(rec.next),
                        f64::from(count),
                    );
                    rec.next += count;
                    rec.running += count;
                }
            }
            let Some(rec) = self.groups.recs.get_mut(g) else {
                return;
            };
            let over = match rec.kind {
                // The losers need not finish first: disposing aborts them.
                Kind::Race => stopped,
                Kind::Parallel => rec.running == 0 && (stopped || rec.next == rec.n),
            };
            if !over {
                return;
            }
            rec.disposing = true;
            let (scope, timer) = (rec.scope, rec.stagger_timer.take());
            self.clear_timer(timer);
            self.scope_dispose(scope);
        }
        self.group_finish(g);
    }

    /// Timer event: a staggered race's next start is due (invariant #6).
    pub(crate) fn group_stagger_fired(&mut self, g: Key) {
        let Some(rec) = self.groups.recs.get_mut(g) else {
            return;
        };
        rec.stagger_timer = None;
        rec.due = true;
        self.group_notice_abort(g);
        self.group_step(g);
    }

    /// Once the internal scope finished disposing: `GroupDone`, then
    /// release (invariant #2).
    fn group_finish(&mut self, g: Key) {
        match self.groups.recs.get(g) {
            Some(rec) if rec.disposing && !self.scopes.contains(rec.scope) => {}
            _ => return,
        }
        let Some(rec) = self.groups.recs.remove(g) else {
            return;
        };
        let reason = rec.reason.map_or(-1.0, Key::to_f64);
        let (how, arg) = match rec.kind {
            Kind::Race => match (rec.winner, rec.reason) {
                (Some(i), _) => (how::WINNER, f64::from(i)),
                (None, Some(_)) => (how::ABORTED, reason),
                (None, None) => (how::ALL_FAILED, -1.0),
            },
            Kind::Parallel => match rec.first_error {
                Some(i) if rec.fail_fast => (how::REJECT, f64::from(i)),
                _ => (how::RESULTS, reason),
            },
        };
        self.fx.push(Op::GroupDone, g.to_f64(), how, arg);
        if let Some(r) = rec.reason {
            self.release_reason(r);
        }
    }

    /// The node owned by group record `k` was cancelled. Groups own no node:
    /// they learn of an abort of their scope when a member settles
    /// (invariant #5), which is all a decision waits for.
    pub(crate) fn group_cancelled(&mut self, _k: Key) {}

    /// The node of group record `k`: none (see `group_cancelled`).
    pub(crate) fn group_node(&self, _k: Key) -> Option<NodeId> {
        None
    }
}

#[cfg(test)]
#[path = "group_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "race_tests.rs"]
mod race_tests;
