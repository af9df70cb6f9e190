//! `s.debugTree()` (go-go-scope 2.x): the live tree under a scope, its
//! child scopes and the tasks of each, with their states, as rows both
//! drivers render (ASCII or Mermaid) with the names they keep.
//!
//! The machine decides what the tree is: which scopes are children of
//! which (the token tree's parent links), which tasks are live in which
//! scope, the order (a scope's tasks, then its child scopes, each in slot
//! order: stable for a given tree, not always creation order, as slots are
//! reused), and each one's state. Nothing is kept: the rows are made at
//! the call, three words each (see [`Row::decode`]), into a buffer the
//! caller owns.
//!
//! # Invariants
//!
//! 1. Rows come depth first: a row's parent is an earlier row, and `last`
//!    is set on the last child of each parent, so a renderer needs no
//!    lookahead.
//! 2. Only live records appear (a settled task or a disposed scope is gone
//!    from its slab); the call changes nothing.
//! 3. No recursion (mod.rs #4): the walk keeps its own stack, so a chain of
//!    any depth cannot overflow the wasm stack.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::slab::Key;
use super::task::Phase;
use super::Machine;

/// What a row shows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum State {
    /// A scope that is open and not aborted.
    Open = 0,
    /// A scope whose signal aborted (timeout, parent, signal) but whose
    /// disposal has not begun.
    Aborted = 1,
    /// A scope being disposed (cleanups running, tasks draining).
    Disposing = 2,
    /// A task whose function runs (or whose retry hooks are being asked).
    Running = 3,
    /// A task queued for its scope's concurrency permit.
    Queued = 4,
    /// A task waiting out a retry delay.
    Retrying = 5,
}

/// One row of the tree, as the drivers read it.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Row {
    /// A task (else a scope).
    pub task: bool,
    /// The scope's or task's key.
    pub key: Key,
    /// 0 for the root.
    pub depth: u32,
    /// The last child of its parent (invariant #1).
    pub last: bool,
    pub state: State,
    /// The parent's row (the root: none).
    pub parent: Option<u32>,
}

/// Words per row: `task | last << 1 | state << 2 | depth << 5`, the key,
/// the parent row (-1: none).
pub const WORDS: usize = 3;

impl Row {
    /// Row `i` of the words [`Machine::debug_tree`] wrote.
    pub fn decode(words: &[f64], i: usize) -> Option<Row> {
        let w = words.get(i * WORDS..i * WORDS + WORDS)?;
        let (flags, key, parent) = (*w.first()? as u32, *w.get(1)?, *w.get(2)?);
        let state = match (flags >> 2) & 7 {
            0 => State::Open,
            1 => State::Aborted,
            2 => State::Disposing,
            3 => State::Running,
            4 => State::Queued,
            _ => State::Retrying,
        };
        Some(Row {
            task: flags & 1 != 0,
            key: Key::from_f64(key)?,
            depth: flags >> 5,
            last: flags & 2 != 0,
            state,
            parent: (parent >= 0.0).then_some(parent as u32),
        })
    }
}

fn push(
    out: &mut Vec<f64>,
    task: bool,
    last: bool,
    state: State,
    depth: f64,
    key: f64,
    parent: f64,
) {
    let flags = u32::from(task) | u32::from(last) << 1 | (state as u32) << 2;
    out.extend_from_slice(&[f64::from(flags) + depth * 32.0, key, parent]);
}

impl Machine {
    /// Getter: writes the rows of the tree under `scope` into `out`
    /// (none if it ended); their number.
    pub fn debug_tree(&self, scope: Key, out: &mut Vec<f64>) -> usize {
        out.clear();
        // The walk's stack: scope key, depth, last, parent row.
        let mut stack: Vec<f64> = Vec::new();
        stack.extend_from_slice(&[scope.to_f64(), 0.0, 1.0, -1.0]);
        while let [.., s, depth, last, parent] = stack[..] {
            stack.truncate(stack.len() - 4);
            let Some((s, rec)) = Key::from_f64(s).and_then(|k| Some((k, self.scopes.get(k)?)))
            else {
                continue;
            };
            let state = if rec.core.is_disposed() {
                State::Disposing
            } else if self.tree.is_cancelled(rec.node) {
                State::Aborted
            } else {
                State::Open
            };
            let me = (out.len() / WORDS) as f64;
            push(out, false, last != 0.0, state, depth, s.to_f64(), parent);
            // The last task row, marked `last` below if no child follows.
            let mut last_task = None;
            for i in 0..self.tasks.capacity() {
                let Some((k, t)) = self.tasks.at(i) else {
                    continue;
                };
                if t.scope != s {
                    continue;
                }
                let st = match t.phase {
                    Phase::WaitingPermit(_) => State::Queued,
                    Phase::Delaying | Phase::Idle => State::Retrying,
                    _ => State::Running,
                };
                last_task = Some(out.len());
                push(out, true, false, st, depth + 1.0, k.to_f64(), me);
            }
            // Children pushed last slot first, so they come out in slot
            // order; the first pushed is the last child.
            let mut none = true;
            for i in (0..self.scopes.capacity()).rev() {
                if let Some((k, c)) = self.scopes.at(i) {
                    if self.tree.parent(c.node) == Some(rec.node) {
                        let l = if none { 1.0 } else { 0.0 };
                        stack.extend_from_slice(&[k.to_f64(), depth + 1.0, l, me]);
                        none = false;
                    }
                }
            }
            if let (true, Some(w)) = (none, last_task.and_then(|at| out.get_mut(at))) {
                *w += 2.0; // the `last` bit
            }
        }
        out.len() / WORDS
    }

    /// The rows of the tree under `scope`, decoded (the Rust face's form).
    pub fn debug_rows(&self, scope: Key) -> Vec<Row> {
        let mut words = Vec::new();
        let n = self.debug_tree(scope, &mut words);
        (0..n).filter_map(|i| Row::decode(&words, i)).collect()
    }
}

#[cfg(test)]
#[path = "debug_tests.rs"]
mod tests;
