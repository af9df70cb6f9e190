//! `select` (go-go-scope 2.x's `s.select`, with Go's semantics): wait on
//! several channels' receives and sends at once; exactly one case fires.
//!
//! A select is driven in two passes by its executor. First it *tries* each
//! case in order ([`Machine::chan_try`]): the first that can go now (a
//! value or a sender to take, a receiver or room to give to, a closed or
//! aborted channel) goes as a plain send or receive would, and fires.
//! (Several ready at once: the first in case order fires, not a random one
//! as in Go: deterministic, and as fair as the caller's order.) If none can
//! and there is no default, it *waits*: [`Machine::sel_wait`] queues one
//! waiter per case, a receiver slot or a sender slot holding the value, in
//! the channels' own queues, all of one *group* (the select's record).
//!
//! The first of those waiters a send, receive, close or abort takes fires
//! the select, through the path that took it: the channel's answer names
//! the slot as for any waiter (`channel.rs` invariant #7), and in that same
//! call the group's other waiters leave their queues. A withdrawn send's
//! value is never delivered, a withdrawn receive takes nothing, and the
//! next waiter of each queue has its turn (STYLE #6). The scope's abort and the `timeout` cancel the whole group: every
//! waiter leaves, nothing is taken, and `SelDone` tells the executor the
//! reason.
//!
//! # Invariants
//!
//! 1. A select's record (one of the sleeps' table, `sleep.rs`: a node and
//!    a timer, of kind `Select` with its [`Group`]) lives from `sel_new` until `sel_forget` answers -1;
//!    its timer and node end with it (or at its cancellation). It is
//!    *over* once a case fired, it was cancelled, or its executor gave up
//!    (`sel_forget` on a waiting select): from then on it has no waiter in
//!    any queue, and its timer and its node's cancellation change nothing.
//! 2. A withdrawn waiter's slot stays live (the executor still holds its
//!    entries) until `sel_forget` hands it out, and is freed in that call:
//!    one release per slot (`channel.rs` invariant #1). The slot of the
//!    case that fired is the channel's, as for any waiter.
//! 3. `of[slot].g` names the group exactly while that slot waits in a queue
//!    as a select's waiter; a channel's `sel` counts those in its queues.
//!    A select's slots (waiting, or withdrawn and not yet forgotten) are
//!    linked from its `head` through `of[slot].next`; the one that fired
//!    leaves the list as it fires.
//! 4. A select never meets itself: when it waits, its own waiters do not
//!    make its other cases ready (a send and a receive on one channel wait
//!    side by side, as in Go).
//! 5. `SelDone` is emitted once, only for a cancellation, before the
//!    release of the reason it names.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::channel::{reserve_one, ret, Backpressure, Channels};
use super::effect::{Op, ReasonKind};
use super::fail::Outcome;
use super::options;
use super::slab::Key;
use super::sleep::{Kind, SleepRec, Sleeps};
use super::Machine;

pub const TIMEOUT: &str = "select: timeout must be a number of milliseconds >= 0, got \u{1}";

/// A select's own state, in its record of the sleeps' table (a select is
/// a node and a timer, as a sleep is: `sleep.rs` `SleepRec`).
pub struct Group {
    /// The `timeout` (for its reason), 0 if none.
    ms: f64,
    /// The first of its slots, linked through [`Link::next`] ([`NIL`]:
    /// none). Waiting: the queued cases. Over: the slots the executor has
    /// yet to forget (invariant #2).
    head: u32,
    over: bool,
}

/// No slot.
const NIL: u32 = u32::MAX;

/// A select's slot: its group while it waits in a queue (invariant #3),
/// its channel and side, and the next slot of the same select.
#[derive(Copy, Clone, Default)]
struct Link {
    g: Option<Key>,
    ch: Key,
    next: u32,
    send: bool,
}

/// Which slot waits for which select (invariant #3), and how many selects
/// live (their records are in the sleeps' table).
#[derive(Default)]
pub struct Selects {
    live: usize,
    of: Vec<Link>,
}

impl Selects {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

/// What `sel_new` did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Made {
    /// A select under this key; its `SelDone` may already be among the
    /// effects (a cancelled scope or signal).
    Select(Key),
    /// The scope finished disposing: the select ends with its reason.
    Gone,
}

/// The state of select `g` (`None`: no such select).
fn group(t: &mut Sleeps, g: Key) -> Option<&mut Group> {
    match t.get_mut(g) {
        Some(SleepRec {
            kind: Kind::Select(x),
            ..
        }) => Some(x),
        _ => None,
    }
}

impl Channels {
    /// Could a send (`send`) or receive on channel `k` go now? `queues`:
    /// counting the waiters on the other side (`chan_try`); `sel_wait`
    /// leaves them out, as they are the select's own (invariant #4) or
    /// were there when its try pass found nothing ready. A channel that
    /// ended is ready: its answer is "aborted".
    pub(crate) fn ready(&self, k: Key, send: bool, queues: bool) -> bool {
        let Some(rec) = self.table.get(k) else {
            return true;
        };
        rec.closed
            || if send {
                !rec.buffer_full()
                    || rec.backpressure != Backpressure::Block
                    || queues && !rec.receivers.is_empty()
            } else {
                !rec.buffer.is_empty() || queues && !rec.senders.is_empty()
            }
    }

    /// A select's waiter leaves its queue (a scan: selects are rare, and
    /// the send and receive paths stay untouched).
    fn withdraw(&mut self, k: Key, slot: u32, send: bool) {
        if let Some(o) = self.sel.of.get_mut(slot as usize) {
            o.g = None;
        }
        let Some(rec) = self.table.get_mut(k) else {
            return;
        };
        let (q, e) = if send {
            (&mut rec.senders, slot)
        } else {
            (&mut rec.receivers, slot << 1)
        };
        // One turn of the queue, leaving it out: the others keep their
        // order (smaller than a search and a shift).
        let n = q.len();
        for _ in 0..n {
            if let Some(x) = q.pop_front() {
                if x != e {
                    q.push_back(x);
                }
            }
        }
        if q.len() < n {
            rec.sel = rec.sel.saturating_sub(1);
        }
    }
}

impl Machine {
    /// A waiter's `slot` left a queue of channel `k` (taken by a send or a
    /// receive, drained, given a value back): if it was a select's, the
    /// select fires and its other waiters are withdrawn (`channel.rs`
    /// invariant #7). Out of line: plain waiters never come here.
    #[cold]
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(crate) fn sel_left(&mut self, k: Key, slot: u32) -> bool {
        let ch = &mut self.channels;
        let Some(g) = ch.sel.of.get_mut(slot as usize).and_then(|l| l.g.take()) else {
            return false;
        };
        if let Some(rec) = ch.table.get_mut(k) {
            rec.sel = rec.sel.saturating_sub(1);
        }
        self.sel_over(g, Some(slot));
        true
    }

    /// The select is over: its waiting cases but `won` leave their queues
    /// and become the slots to forget. `false` if it was over already.
    fn sel_over(&mut self, g: Key, won: Option<u32>) -> bool {
        let Some(grp) = group(&mut self.sleeps, g) else {
            return false;
        };
        if grp.over {
            return false;
        }
        grp.over = true;
        let ch = &mut self.channels;
        let (mut prev, mut s) = (NIL, grp.head);
        while let Some(l) = ch.sel.of.get(s as usize).copied() {
            if Some(s) == won {
                // The channel's now: it leaves the list.
                match ch.sel.of.get_mut(prev as usize) {
                    Some(p) => p.next = l.next,
                    None => grp.head = l.next,
                }
            } else {
                ch.withdraw(l.ch, s, l.send);
                prev = s;
            }
            s = l.next;
        }
        true
    }

    /// Command: a `select` with `timeout` ms (0 or `Infinity`: none) on
    /// `scope`, or standalone. The executor then tries its cases
    /// (`chan_try`), and makes it wait (`sel_wait`) or ends it
    /// (`sel_forget`).
    pub fn sel_new(&mut self, scope: Option<Key>, ms: f64) -> Outcome<Made> {
        let ms = options::duration(ms, TIMEOUT)?;
        let parent = match scope {
            Some(s) => match self.scopes.get(s) {
                Some(r) => Some(r.node),
                None => return Ok(Made::Gone),
            },
            None => None,
        };
        let grp = Group {
            ms: ms.unwrap_or(0.0),
            head: NIL,
            over: false,
        };
        let (k, cancelled) = self.timed(parent, ms, Kind::Select(grp));
        self.channels.sel.live += 1;
        if let Some(r) = cancelled {
            self.sel_cancel(k, r);
        }
        Ok(Made::Select(k))
    }

    /// Command: try a case of a select, in its order: a send (`send`) or a
    /// receive on channel `k` that goes now answers as `chan_send` /
    /// `chan_recv` would (the case fires); one that would wait answers
    /// [`ret::BUSY`] having changed nothing.
    pub fn chan_try(&mut self, k: Key, send: bool) -> f64 {
        if !self.channels.ready(k, send, true) {
            return ret::BUSY;
        }
        if send {
            self.chan_send(k)
        } else {
            self.chan_recv(k, false)
        }
    }

    /// Command: select `g` waits on channel `k` (`send`: with a value):
    /// `slot * 8 + WAIT` (send: the executor keeps the value there) or
    /// `+ RECV_WAIT`; [`ret::BUSY`] if the case is ready now (nothing
    /// changed: try the cases again); [`ret::NONE`] if the select is over
    /// (cancelled: its `SelDone` is among the effects).
    pub fn sel_wait(&mut self, g: Key, k: Key, send: bool) -> f64 {
        if group(&mut self.sleeps, g).is_none_or(|r| r.over) {
            return ret::NONE;
        }
        let ch = &mut self.channels;
        if ch.ready(k, send, false) {
            return ret::BUSY;
        }
        ch.slots.reserve();
        let slot = ch.slots.alloc();
        if let Some(rec) = ch.table.get_mut(k) {
            let (q, e) = if send {
                (&mut rec.senders, slot)
            } else {
                (&mut rec.receivers, slot << 1)
            };
            reserve_one(q);
            q.push_back(e);
            rec.sel += 1;
        }
        let i = slot as usize;
        if ch.sel.of.len() <= i {
            ch.sel.of.resize(i + 1, Link::default());
        }
        let grp = group(&mut self.sleeps, g);
        if let (Some(o), Some(rec)) = (ch.sel.of.get_mut(i), grp) {
            *o = Link {
                g: Some(g),
                ch: k,
                next: rec.head,
                send,
            };
            rec.head = slot;
        }
        let kind = if send { ret::WAIT } else { ret::RECV_WAIT };
        f64::from(slot) * ret::KINDS + kind
    }

    /// Command: the next slot select `g` leaves behind, freed now (the
    /// executor forgets its value and resolvers), or -1 once there is none:
    /// the select ended, its timer and node released. A select still
    /// waiting gives up first (its waiters leave their queues): the
    /// executor's way to end one whose case fired in the try pass, whose
    /// default was taken, or (the Rust face) whose future was dropped.
    pub fn sel_forget(&mut self, g: Key) -> f64 {
        self.sel_over(g, None);
        let Some(rec) = group(&mut self.sleeps, g) else {
            return -1.0;
        };
        let slot = rec.head;
        if let Some(l) = self.channels.sel.of.get(slot as usize) {
            rec.head = l.next;
            self.channels.slots.free(slot);
            return f64::from(slot);
        }
        self.sleep_drop(g);
        self.channels.sel.live -= 1;
        -1.0
    }

    /// Timer event (`sleep_timer`): the select's `timeout`.
    pub(crate) fn sel_timer(&mut self, g: Key) {
        let Some(rec) = group(&mut self.sleeps, g) else {
            return;
        };
        if rec.over {
            return;
        }
        let ms = rec.ms;
        let r = self.new_reason(ReasonKind::Timeout, ms);
        self.sel_cancel(g, r);
        self.release_reason(r);
    }

    /// Cancels a waiting select with reason `r` (invariant #5): its
    /// timeout, or its scope's abort (`sleep_cancelled`).
    pub(crate) fn sel_cancel(&mut self, g: Key, r: Key) {
        if self.sel_over(g, None) {
            self.fx.push(Op::SelDone, g.to_f64(), r.to_f64(), 0.0);
            self.sel_release(g);
        }
    }

    /// Releases the select's timer and node (invariant #1).
    fn sel_release(&mut self, g: Key) {
        let Some(rec) = self.sleeps.get_mut(g) else {
            return;
        };
        let (timer, node) = (rec.timer.take(), rec.node.take());
        self.clear_timer(timer);
        if let Some(n) = node {
            self.remove_node(n);
        }
    }
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
