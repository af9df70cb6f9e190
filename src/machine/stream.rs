//! Streams (SPEC "stream"): `stream(source, signal?)` and `s.stream(source)`,
//! iteration over an AsyncIterable (or a `ReadableStream`'s reader) that
//! ends at once when the signal aborts.
//!
//! JS's async generator opens a stream at its first `next()`
//! ([`Machine::stream_open`]), asks before each step
//! ([`Machine::stream_next`]: go, done, or the abort reason), calls the
//! source's `next()`/`read()` and reports its answer
//! ([`Machine::stream_item`]), and closes in its `finally`
//! ([`Machine::stream_close`]). The source's JS objects stay in JS; the
//! machine decides the race between the abort and the item, and who cleans
//! the source up.
//!
//! # Invariants
//!
//! 1. Abort wins at once: when the node is cancelled, a pending `next()` is
//!    abandoned (`StreamAbandon` rejects it with the reason), and every
//!    later `stream_next` answers with that reason.
//! 2. The source is cleaned up exactly once (`cleaned`): by the abort
//!    (`StreamCleanup` with the reason: `return()`, or the reader's
//!    `cancel(reason)` + `releaseLock()`, not awaited) or else by the close
//!    (`StreamCleanup` with -1: awaited by the generator, as in 1.0).
//! 3. At most one `next()` is pending, named by `serial`; an item reported
//!    with another serial, or after the pending one was abandoned, is
//!    dropped.
//! 4. A record lives from the first `next()` to the close, which removes
//!    it with its node and its link use and emits `StreamEnd` (one release
//!    per id); an un-iterated stream holds nothing.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::Op;
use super::slab::{Key, Slab};
use super::{Machine, Owner};
use crate::core::cancel::NodeId;

/// A stream being iterated.
pub struct StreamRec {
    /// Cancelled when the stream's signal (or its scope) aborts; its reason
    /// is the stream's abort reason.
    pub node: NodeId,
    /// The user-signal link this stream holds one use of.
    pub link: Option<Key>,
    /// Serial of the last `next()` registered (invariant #3).
    pub serial: u32,
    /// A `next()` waits for the item of `serial`.
    pub pending: bool,
    /// The source was cleaned up, or its cleanup is claimed (invariant #2).
    pub cleaned: bool,
}

/// The stream records of the machine.
#[derive(Default)]
pub struct Streams {
    pub(crate) recs: Slab<StreamRec>,
}

/// What `stream_next` answers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Call the source; report its answer with this serial.
    Go(u32),
    /// The stream is over: `{ done: true }`.
    Done,
    /// Aborted: throw this reason.
    Aborted(Key),
}

impl Machine {
    /// Command: the generator's first `next()`. `scope`: `s.stream`'s scope
    /// (`None` if that scope finished disposing: JS then links its aborted
    /// signal instead); `link`: the linked `signal` of `stream(source,
    /// signal)`. A stream born aborted cleans its source up now.
    pub fn stream_open(&mut self, scope: Option<Key>, link: Option<Key>) -> Option<Key> {
        let (parent, link) = match scope {
            Some(s) => (Some(self.scopes.get(s)?.node), None),
            None => match link.and_then(|l| self.link_node(l)) {
                Some(n) => (Some(n), link),
                None => (None, None),
            },
        };
        let k = self.streams.recs.insert(StreamRec {
            node: NodeId::from_parts(0, 0),
            link,
            serial: 0,
            pending: false,
            cleaned: false,
        });
        if let Some(l) = link {
            self.use_link(l);
        }
        let node = self.new_node(parent, Owner::Stream(k));
        if let Some(s) = self.streams.recs.get_mut(k) {
            s.node = node;
        }
        if self.tree.is_cancelled(node) {
            self.stream_cancelled(k);
        }
        Some(k)
    }

    /// Command: the generator wants the next item (invariants #1, #3).
    pub fn stream_next(&mut self, k: Key) -> Next {
        let Some(s) = self.streams.recs.get_mut(k) else {
            return Next::Done;
        };
        if let Some(r) = self.tree.reason(s.node) {
            return Next::Aborted(*r);
        }
        s.serial = s.serial.wrapping_add(1);
        s.pending = true;
        Next::Go(s.serial)
    }

    /// The abort reason of stream `k`, if it was aborted.
    pub fn stream_reason(&self, k: Key) -> Option<Key> {
        let s = self.streams.recs.get(k)?;
        self.tree.reason(s.node).copied()
    }

    /// Event: the source answered `next()` number `serial` (an item, the
    /// end, or an error). `true`: JS settles the pending `next()` with it;
    /// `false`: it was abandoned, drop it (invariant #3).
    pub fn stream_item(&mut self, k: Key, serial: u32) -> bool {
        match self.streams.recs.get_mut(k) {
            Some(s) if s.pending && s.serial == serial => {
                s.pending = false;
                true
            }
            _ => false,
        }
    }

    /// The stream's node was cancelled: clean the source up and abandon the
    /// pending `next()` (invariants #1, #2).
    #[cfg_attr(feature = "tiny", inline(never))] // one copy for its several callers (wasm size)
    pub(crate) fn stream_cancelled(&mut self, k: Key) {
        let Some(s) = self.streams.recs.get_mut(k) else {
            return;
        };
        let Some(r) = self.tree.reason(s.node).copied() else {
            return;
        };
        let cleanup = !s.cleaned;
        let abandon = s.pending;
        s.cleaned = true;
        s.pending = false;
        if cleanup {
            self.fx.push(Op::StreamCleanup, k.to_f64(), r.to_f64(), 0.0);
        }
        if abandon {
            self.fx.push(Op::StreamAbandon, k.to_f64(), r.to_f64(), 0.0);
        }
    }

    /// Command: the generator's `finally` (a break, return or throw in the
    /// loop, the source's end, or the abort). Cleans the source up unless
    /// that was done (invariant #2), then releases everything (invariant #4).
    pub fn stream_close(&mut self, k: Key) {
        let Some(s) = self.streams.recs.remove(k) else {
            return;
        };
        if !s.cleaned {
            self.fx.push(Op::StreamCleanup, k.to_f64(), -1.0, 0.0);
        }
        if s.pending {
            self.fx.push(Op::StreamAbandon, k.to_f64(), -1.0, 0.0);
        }
        self.fx.push(Op::StreamEnd, k.to_f64(), 0.0, 0.0);
        self.remove_node(s.node);
        if let Some(l) = s.link {
            self.unlink(l);
        }
    }

    /// The node of stream record `k`, if it has one.
    pub(crate) fn stream_node(&self, k: Key) -> Option<NodeId> {
        self.streams.recs.get(k).map(|s| s.node)
    }
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
