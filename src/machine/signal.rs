//! Cancellation as the machine sees it: the token tree's nodes, the abort
//! reasons they carry, the AbortControllers JS made for some of them, and
//! user AbortSignals linked in as roots.
//!
//! # Invariants
//!
//! 1. A reason's count is the number of tree nodes cancelled with it plus
//!    its other holders; at zero it is released (`ReasonFree`), once.
//! 2. A node is watched (JS holds an AbortController for it) only between
//!    `watch` and its removal; only watched nodes get `Abort`, and a watched
//!    node's removal emits `ForgetNode`, once.
//! 3. When a subtree is cancelled, descendants' controllers are aborted
//!    before their ancestors' (so a listener on a scope's signal sees its
//!    tasks' signals already aborted), and every owner reacts after the
//!    whole subtree is marked.
//! 4. A link (one user AbortSignal, however many scopes, polls or channels
//!    use it) has one JS listener; `Unlink` is emitted when its last user
//!    lets go.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::{Op, ReasonKind};
use super::slab::Key;
use super::{Machine, Owner};
use crate::core::cancel::NodeId;

/// A linked user AbortSignal: a root node and how many users hold it.
pub struct Link {
    pub node: NodeId,
    pub users: u32,
}

/// What `watch` found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Watch {
    /// The node is live and now watched: make a live AbortController.
    Live,
    /// Already cancelled with this reason: make an aborted signal.
    Cancelled(Key),
    /// No such node (it ended): JS keeps what it had.
    Gone,
}

impl Machine {
    /// A new abort reason with one holder (the caller, who hands it to
    /// [`Machine::cancel`] or releases it).
    pub(crate) fn new_reason(&mut self, kind: ReasonKind, arg: f64) -> Key {
        let r = self.reasons.insert(1);
        self.fx
            .push(Op::Reason, r.to_f64(), f64::from(kind as u8), arg);
        r
    }

    pub(crate) fn hold_reason(&mut self, r: Key) {
        if let Some(n) = self.reasons.get_mut(r) {
            *n += 1;
        }
    }

    /// Drops one holder; frees the reason at zero (invariant #1).
    pub(crate) fn release_reason(&mut self, r: Key) {
        let free = match self.reasons.get_mut(r) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            None => false,
        };
        if free {
            self.reasons.remove(r);
            self.fx.push(Op::ReasonFree, r.to_f64(), 0.0, 0.0);
        }
    }

    /// A new node under `parent` (or a root), owned by `owner`. A child of a
    /// cancelled parent is born cancelled and holds the parent's reason.
    pub(crate) fn new_node(&mut self, parent: Option<NodeId>, owner: Owner) -> NodeId {
        let node = match parent.map(|p| self.tree.new_child(p)) {
            Some(Ok(n)) => n,
            _ => self.tree.new_root(),
        };
        match self.tree.reason(node).copied() {
            Some(r) => self.hold_reason(r),
            None => {
                let _ = self.tree.add_listener(node, owner);
            }
        }
        node
    }

    /// Removes a node: releases its reason and its AbortController
    /// (invariants #1, #2). Its children move up to its parent.
    pub(crate) fn remove_node(&mut self, node: NodeId) {
        if !self.tree.contains(node) {
            return;
        }
        let (index, _) = node.parts();
        if let Some(w) = self.watched.get_mut(index as usize) {
            if *w {
                *w = false;
                self.fx
                    .push(Op::ForgetNode, Machine::node_f64(node), 0.0, 0.0);
            }
        }
        let reason = self.tree.reason(node).copied();
        let _ = self.tree.discard(node);
        if let Some(r) = reason {
            self.release_reason(r);
        }
    }

    /// Cancels `node`'s subtree with the new reason `r` (which the caller
    /// made with one holder; that hold is dropped here once every node
    /// holds it). Emits `Abort` deepest first, then lets every owner react
    /// (invariant #3).
    pub(crate) fn cancel(&mut self, node: NodeId, r: Key) {
        let fired = self.tree.cancel(node, r).unwrap_or_default();
        for _ in &fired {
            self.hold_reason(r);
        }
        // `fired` lists parents before children: walk it backwards.
        for (owner, _) in fired.iter().rev() {
            let n = self.node_of(*owner);
            if let Some(n) = n {
                let (index, _) = n.parts();
                if self.watched.get(index as usize).copied().unwrap_or(false) {
                    self.fx
                        .push(Op::Abort, Machine::node_f64(n), r.to_f64(), 0.0);
                }
            }
        }
        for (owner, _) in fired {
            match owner {
                Owner::Scope(k) => self.scope_cancelled(k),
                Owner::Task(k) => self.task_cancelled(k),
                Owner::Attempt(_) | Owner::Link(_) => {}
                Owner::Channel(k) => self.channel_cancelled(k),
                Owner::Semaphore(k) => self.semaphore_cancelled(k),
                Owner::Poll(k) => self.poll_cancelled(k),
                Owner::Stream(k) => self.stream_cancelled(k),
                Owner::Group(k) => self.group_cancelled(k),
                Owner::Sleep(k) => self.sleep_cancelled(k),
            }
        }
        self.release_reason(r);
    }

    /// The node `owner` owns, if it is still there. Each primitive keeps its
    /// node in its record; a primitive that has none answers `None`.
    pub(crate) fn node_of(&self, owner: Owner) -> Option<NodeId> {
        match owner {
            Owner::Scope(k) => self.scopes.get(k).map(|s| s.node),
            Owner::Task(k) => self.tasks.get(k).map(|t| t.node),
            Owner::Attempt(k) => self.tasks.get(k).map(|t| t.attempt_node()),
            Owner::Link(k) => self.links.get(k).map(|l| l.node),
            Owner::Channel(k) => self.channel_node(k),
            Owner::Semaphore(k) => self.semaphore_node(k),
            Owner::Poll(k) => self.poll_node(k),
            Owner::Stream(k) => self.stream_node(k),
            Owner::Group(k) => self.group_node(k),
            Owner::Sleep(k) => self.sleep_node(k),
        }
    }

    /// A primitive that aborted lets go of its place in the tree: it keeps
    /// its abort `reason` (one more holder), and its node and its use of a
    /// user-signal link end.
    pub(crate) fn let_go(&mut self, reason: Option<Key>, node: Option<NodeId>, link: Option<Key>) {
        if let Some(r) = reason {
            self.hold_reason(r);
        }
        if let Some(n) = node {
            self.remove_node(n);
        }
        if let Some(l) = link {
            self.unlink(l);
        }
    }

    /// Whether JS made an AbortController for `node`.
    pub(crate) fn is_watched(&self, node: NodeId) -> bool {
        let (index, _) = node.parts();
        self.watched.get(index as usize).copied().unwrap_or(false)
    }

    /// JS reads a `signal`: watch the node (invariant #2).
    pub fn watch(&mut self, node: f64) -> Watch {
        let Some(k) = Key::from_f64(node) else {
            return Watch::Gone;
        };
        let node = NodeId::from_parts(k.index, k.generation);
        if !self.tree.contains(node) {
            return Watch::Gone;
        }
        if let Some(r) = self.tree.reason(node) {
            return Watch::Cancelled(*r);
        }
        let i = k.index as usize;
        if self.watched.len() <= i {
            self.watched.resize(i + 1, false);
        }
        if let Some(w) = self.watched.get_mut(i) {
            *w = true;
        }
        Watch::Live
    }

    /// Links a user AbortSignal (invariant #4). `existing` is the link JS
    /// already has for that signal, if any; `aborted` whether it is aborted
    /// now. The command that uses the link then calls `Machine::use_link`;
    /// one that fails calls [`Machine::drop_unused_link`].
    pub fn link(&mut self, existing: Option<Key>, aborted: bool) -> Key {
        if let Some(k) = existing {
            if self.links.contains(k) {
                return k;
            }
        }
        let k = self.links.insert(Link {
            node: NodeId::from_parts(0, 0),
            users: 0,
        });
        let node = self.new_node(None, Owner::Link(k));
        if let Some(l) = self.links.get_mut(k) {
            l.node = node;
        }
        self.fx.push(Op::Link, k.to_f64(), 0.0, 0.0);
        if aborted {
            self.link_aborted(k.to_f64());
        }
        k
    }

    /// The node a link hangs its users under.
    pub(crate) fn link_node(&self, k: Key) -> Option<NodeId> {
        self.links.get(k).map(|l| l.node)
    }

    /// One more user of a link.
    pub(crate) fn use_link(&mut self, k: Key) {
        if let Some(l) = self.links.get_mut(k) {
            l.users += 1;
        }
    }

    /// A link nobody came to use (the command that asked for it failed).
    pub fn drop_unused_link(&mut self, k: Key) {
        if self.links.get(k).is_some_and(|l| l.users == 0) {
            if let Some(l) = self.links.remove(k) {
                self.remove_node(l.node);
                self.fx.push(Op::Unlink, k.to_f64(), 0.0, 0.0);
            }
        }
    }

    /// One user lets go of a link; the last one unlinks it.
    pub(crate) fn unlink(&mut self, k: Key) {
        let last = match self.links.get_mut(k) {
            Some(l) => {
                l.users = l.users.saturating_sub(1);
                l.users == 0
            }
            None => false,
        };
        if last {
            if let Some(l) = self.links.remove(k) {
                self.remove_node(l.node);
                self.fx.push(Op::Unlink, k.to_f64(), 0.0, 0.0);
            }
        }
    }

    /// Event: the linked user AbortSignal aborted.
    pub fn link_aborted(&mut self, link: f64) {
        let Some(k) = Key::from_f64(link) else { return };
        let Some(node) = self.link_node(k) else {
            return;
        };
        if self.tree.is_cancelled(node) {
            return;
        }
        let r = self.new_reason(ReasonKind::Link, k.to_f64());
        self.cancel(node, r);
    }
}
