//! The cancellation-token tree: scope → child scopes → tasks.
//!
//! Every scope and every task owns one node. Cancelling a node cancels its
//! whole subtree with the same reason, and hands back the listeners that were
//! waiting on those nodes so the caller can fire them *after* releasing
//! whatever borrow it holds on the tree.
//!
//! # Invariants
//!
//! 1. A cancelled node's descendants are all cancelled: `cancel` walks the
//!    whole subtree, and `new_child` of a cancelled parent is born cancelled
//!    with the parent's reason.
//! 2. For every child `c` of `p`, `p.children[c.parent_slot] == c`. Removal
//!    swaps the last child into the hole and fixes that child's
//!    `parent_slot`, so detaching is O(1) (tokio's `tree_node.rs` does the
//!    same).
//! 3. Only live (not cancelled) nodes hold listeners. `cancel` drains them and
//!    `add_listener` on a cancelled node hands the listener straight back, so
//!    every listener is returned to the caller at most once.
//! 4. No user code runs inside the tree. The tree never calls out; it returns
//!    what must be fired. This is why re-entrant callers cannot observe it
//!    half-updated (the binding holds its borrow only across tree calls).
//! 5. A `NodeId` names one node for that node's lifetime only: slots are
//!    reused, but with a new generation, so a stale id is `UnknownNode`,
//!    never another node.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use core::fmt;

use crate::core::chunks::Chunks;

/// A handle to one node of a [`TokenTree`].
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeId {
    index: u32,
    generation: u32,
}

impl NodeId {
    /// `(index, generation)`: what crosses to JS.
    pub fn parts(self) -> (u32, u32) {
        (self.index, self.generation)
    }

    pub fn from_parts(index: u32, generation: u32) -> NodeId {
        NodeId { index, generation }
    }
}

/// The id does not name a live node (removed, or from another tree).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct UnknownNode;

impl fmt::Display for UnknownNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown cancellation node")
    }
}

impl core::error::Error for UnknownNode {}

/// Why a listener could not be added: the node is already cancelled (the
/// listener comes back with the reason, to be fired now), or it is unknown.
#[derive(Debug, PartialEq, Eq)]
pub enum AddListenerError<L, R> {
    Cancelled(L, R),
    Unknown(L),
}

struct Node<R, L> {
    generation: u32,
    parent: Option<NodeId>,
    /// Position of this node in its parent's `children` (invariant #2).
    parent_slot: usize,
    children: Vec<NodeId>,
    /// `Some(reason)` once cancelled; never goes back to `None`.
    reason: Option<R>,
    listeners: Listeners<L>,
}

/// A node's listeners: one is kept inline (the usual case: its owner), so
/// a node costs no allocation of its own.
enum Listeners<L> {
    None,
    One(L),
    Many(Vec<L>),
}

impl<L> Listeners<L> {
    fn push(&mut self, l: L) {
        *self = match core::mem::replace(self, Listeners::None) {
            Listeners::None => Listeners::One(l),
            Listeners::One(first) => Listeners::Many(vec![first, l]),
            Listeners::Many(mut v) => {
                v.push(l);
                Listeners::Many(v)
            }
        };
    }

    fn len(&self) -> usize {
        match self {
            Listeners::None => 0,
            Listeners::One(_) => 1,
            Listeners::Many(v) => v.len(),
        }
    }

    /// Takes them all, in the order they were added.
    fn take(&mut self) -> Vec<L> {
        match core::mem::replace(self, Listeners::None) {
            Listeners::None => Vec::new(),
            Listeners::One(l) => vec![l],
            Listeners::Many(v) => v,
        }
    }
}

enum Slot<R, L> {
    Occupied(Node<R, L>),
    /// Free; the next node placed here gets this generation (invariant #5).
    Vacant {
        next_generation: u32,
    },
}

/// An arena of cancellation nodes. `R` is the opaque abort reason, `L` what a
/// waiter registers to be told of cancellation.
pub struct TokenTree<R, L> {
    slots: Chunks<Slot<R, L>>,
    free: Vec<u32>,
    live: usize,
}

impl<R, L> Default for TokenTree<R, L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R, L> TokenTree<R, L> {
    pub fn new() -> Self {
        TokenTree {
            slots: Chunks::new(),
            free: Vec::new(),
            live: 0,
        }
    }

    /// Number of live nodes: what a leak check looks at.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    fn node(&self, id: NodeId) -> Option<&Node<R, L>> {
        // The chunk lookup inlined: one call per lookup, not two.
        match self.slots.get_inline(id.index as usize) {
            Some(Slot::Occupied(n)) if n.generation == id.generation => Some(n),
            _ => None,
        }
    }

    #[cfg_attr(feature = "tiny", inline(never))]
    fn node_mut(&mut self, id: NodeId) -> Option<&mut Node<R, L>> {
        match self.slots.get_mut_inline(id.index as usize) {
            Some(Slot::Occupied(n)) if n.generation == id.generation => Some(n),
            _ => None,
        }
    }

    fn insert(&mut self, parent: Option<NodeId>, parent_slot: usize, reason: Option<R>) -> NodeId {
        self.live += 1;
        if let Some(index) = self.free.pop() {
            if let Some(slot) = self.slots.get_mut(index as usize) {
                let generation = match slot {
                    Slot::Vacant { next_generation } => *next_generation,
                    Slot::Occupied(_) => 0, // not reachable: free holds vacant slots only
                };
                *slot = Slot::Occupied(Node {
                    generation,
                    parent,
                    parent_slot,
                    children: Vec::new(),
                    reason,
                    listeners: Listeners::None,
                });
                return NodeId { index, generation };
            }
        }
        let index = self.slots.len() as u32;
        self.slots.push(Slot::Occupied(Node {
            generation: 0,
            parent,
            parent_slot,
            children: Vec::new(),
            reason,
            listeners: Listeners::None,
        }));
        NodeId {
            index,
            generation: 0,
        }
    }

    /// A new node with no parent.
    pub fn new_root(&mut self) -> NodeId {
        self.insert(None, 0, None)
    }

    /// Whether `id` has been cancelled. Unknown ids count as not cancelled.
    pub fn is_cancelled(&self, id: NodeId) -> bool {
        self.node(id).is_some_and(|n| n.reason.is_some())
    }

    /// The reason `id` was cancelled with, if it was.
    pub fn reason(&self, id: NodeId) -> Option<&R> {
        self.node(id).and_then(|n| n.reason.as_ref())
    }

    pub fn contains(&self, id: NodeId) -> bool {
        self.node(id).is_some()
    }

    /// The parent of `id`, if it has one.
    pub fn parent(&self, id: NodeId) -> Option<NodeId> {
        self.node(id).and_then(|n| n.parent)
    }

    /// Whether `id` has child nodes (false for unknown ids).
    pub fn has_children(&self, id: NodeId) -> bool {
        self.node(id).is_some_and(|n| !n.children.is_empty())
    }

    /// Number of listeners waiting on `id` (0 for unknown ids).
    pub fn listener_count(&self, id: NodeId) -> usize {
        self.node(id).map_or(0, |n| n.listeners.len())
    }

    /// Registers `listener` to be returned when `id` is cancelled.
    pub fn add_listener(&mut self, id: NodeId, listener: L) -> Result<(), AddListenerError<L, R>>
    where
        R: Clone,
    {
        match self.node_mut(id) {
            None => Err(AddListenerError::Unknown(listener)),
            Some(n) => match &n.reason {
                Some(r) => Err(AddListenerError::Cancelled(listener, r.clone())),
                None => {
                    n.listeners.push(listener);
                    Ok(())
                }
            },
        }
    }

    /// Takes back every listener of a live node, e.g. when the node's owner
    /// no longer cares (a settled task that keeps its node).
    pub fn take_listeners(&mut self, id: NodeId) -> Vec<L> {
        self.node_mut(id)
            .map(|n| n.listeners.take())
            .unwrap_or_default()
    }
}

impl<R: Clone, L> TokenTree<R, L> {
    /// A new node under `parent`. A child of a cancelled parent is born
    /// cancelled with the parent's reason (invariant #1).
    pub fn new_child(&mut self, parent: NodeId) -> Result<NodeId, UnknownNode> {
        let (slot, reason) = {
            let p = self.node(parent).ok_or(UnknownNode)?;
            (p.children.len(), p.reason.clone())
        };
        let child = self.insert(Some(parent), slot, reason);
        match self.node_mut(parent) {
            Some(p) => p.children.push(child),
            None => return Err(UnknownNode), // not reachable: checked above
        }
        Ok(child)
    }

    /// Cancels `id` and its whole subtree with `reason`. Returns the
    /// listeners of every node that became cancelled now, parents before
    /// children, each with the reason. Already-cancelled nodes (and their
    /// subtrees, by invariant #1) are left as they are.
    pub fn cancel(&mut self, id: NodeId, reason: R) -> Result<Vec<(L, R)>, UnknownNode> {
        if self.node(id).is_none() {
            return Err(UnknownNode);
        }
        let mut fired = Vec::new();
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            let Some(n) = self.node_mut(next) else {
                continue;
            };
            if n.reason.is_some() {
                continue; // its subtree is cancelled already (invariant #1)
            }
            n.reason = Some(reason.clone());
            match core::mem::replace(&mut n.listeners, Listeners::None) {
                Listeners::None => {}
                Listeners::One(l) => fired.push((l, reason.clone())),
                Listeners::Many(v) => fired.extend(v.into_iter().map(|l| (l, reason.clone()))),
            }
            // Reverse so that children are visited in creation order.
            stack.extend(n.children.iter().rev().copied());
        }
        Ok(fired)
    }

    /// Removes `id` from the tree. Its children move to its parent (or become
    /// roots), so a later cancel of an ancestor still reaches them. Returns
    /// the listeners it still held, for the caller to drop.
    pub fn remove(&mut self, id: NodeId) -> Result<Vec<L>, UnknownNode> {
        self.unlink(id).map(|mut l| l.take())
    }

    /// Removes `id` like [`TokenTree::remove`], dropping its listeners
    /// (no allocation: what the machine calls for every task).
    pub fn discard(&mut self, id: NodeId) -> Result<(), UnknownNode> {
        self.unlink(id).map(drop)
    }

    fn unlink(&mut self, id: NodeId) -> Result<Listeners<L>, UnknownNode> {
        let node = match self.slots.get_mut(id.index as usize) {
            Some(slot @ Slot::Occupied(_)) => {
                if let Slot::Occupied(n) = slot {
                    if n.generation != id.generation {
                        return Err(UnknownNode);
                    }
                }
                let next_generation = (id.generation + 1) & 0xF_FFFF; // fits a JS key (slab.rs #3)
                match core::mem::replace(slot, Slot::Vacant { next_generation }) {
                    Slot::Occupied(n) => n,
                    Slot::Vacant { .. } => return Err(UnknownNode),
                }
            }
            _ => return Err(UnknownNode),
        };
        self.free.push(id.index);
        self.live -= 1;

        // Detach from the parent in O(1) (invariant #2).
        if let Some(parent) = node.parent {
            self.detach_child(parent, node.parent_slot);
        }
        let listeners = node.listeners;
        // Re-home the children.
        for child in node.children {
            let slot = match node.parent.and_then(|p| self.node_mut(p)) {
                Some(p) => {
                    p.children.push(child);
                    Some(p.children.len() - 1)
                }
                None => None,
            };
            if let Some(c) = self.node_mut(child) {
                c.parent = slot.and(node.parent);
                c.parent_slot = slot.unwrap_or(0);
            }
        }
        Ok(listeners)
    }

    /// Takes `id` out of its parent's subtree (it becomes a root), so a
    /// later cancel of an ancestor no longer reaches it. O(1).
    pub fn detach(&mut self, id: NodeId) -> Result<(), UnknownNode> {
        let (parent, slot) = {
            let n = self.node(id).ok_or(UnknownNode)?;
            (n.parent, n.parent_slot)
        };
        if let Some(p) = parent {
            self.detach_child(p, slot);
        }
        if let Some(n) = self.node_mut(id) {
            n.parent = None;
            n.parent_slot = 0;
        }
        Ok(())
    }

    fn detach_child(&mut self, parent: NodeId, slot: usize) {
        let moved = match self.node_mut(parent) {
            Some(p) if slot < p.children.len() => {
                p.children.swap_remove(slot);
                p.children.get(slot).copied()
            }
            _ => None,
        };
        if let Some(m) = moved {
            if let Some(c) = self.node_mut(m) {
                c.parent_slot = slot;
            }
        }
    }

    #[cfg(test)]
    fn children(&self, id: NodeId) -> Vec<NodeId> {
        self.node(id)
            .map(|n| n.children.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "tree_props.rs"]
mod props;
