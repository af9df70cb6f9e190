//! Channels (SPEC "Channel"): `s.channel(capacity)` and `new Channel(capacity,
//! signal?)`, with *slots* for values and waiters.
//!
//! JS keeps a sent value, and the resolvers of a waiting `send` or
//! `receive`, in arrays indexed by a slot the machine hands out; the machine
//! keeps only slot numbers, in FIFO order: the buffer, the waiting senders
//! (each slot holds its value and its resolvers) and the waiting receivers.
//! A send or a receive answers with its return value alone (no effect), so
//! each is one call and JS settles the promises itself. (This is the queue
//! discipline of `core::channel`, kept here over [`Ring`]s of slots so
//! that room can be checked before anything changes: invariant #5.)
//!
//! Closing and aborting hand their wake-ups to JS through [`Machine::chan_drain`]:
//! JS takes them one at a time, and a slot is freed in the same call that
//! tells JS to clear it, so no slot is reused while JS still holds its
//! entries (whatever user code ran in between).
//!
//! # Invariants
//!
//! 1. A slot is live from the call that hands it out until the call that
//!    tells JS it is done with it (a `receive` taking it, a hand-off, a drain
//!    item); exactly once, so the JS arrays and [`Slots`] empty together.
//! 2. A channel record lives from `chan_new` until its abort is drained (or
//!    its JS object was collected): abort makes it inert (sends reject with
//!    the reason, receives give `undefined`), emits `ChanAborted` once, and
//!    JS drains it; the last drain removes it and releases its key, reason,
//!    node and link.
//! 3. Receivers wait only while the buffer is empty and no sender waits;
//!    senders wait only while the buffer is full and no receiver waits. So a
//!    value never sits in the buffer while a receiver waits, and every value
//!    is in exactly one place (a receiver's hands, the buffer, a waiting
//!    sender's slot): nothing is received twice. FIFO everywhere; a receive
//!    that frees a buffer place moves the oldest waiting sender's value in.
//! 4. A sender still waiting when the channel closes is rejected with
//!    `Error("channel closed")`; a send on a closed channel gives `false`
//!    (issue 12). After an abort, waiting senders reject with the reason and
//!    waiting receivers get `undefined` (iteration: done); buffered values
//!    are dropped. The waiters a close or abort refused stay in their queues
//!    until `chan_drain` hands them to JS, and nothing else takes them.
//! 5. Sends and receives emit no effect, allocate nothing and call nothing:
//!    when a queue or the slot table is full they answer [`ret::GROW`]
//!    having changed nothing, and JS calls [`Machine::chan_reserve`] (behind
//!    its stack guard) and asks again. So a stack overflow can strike such a
//!    call only at its entry, before any change, and the hot path needs no
//!    stack probe.
//! 6. Backpressure (go-go-scope 2.x's strategies, [`Backpressure`]) is
//!    consulted only by a send that finds the buffer full and no receiver
//!    waiting: a waiting receiver always takes the value, whatever the
//!    strategy. Only `Block` queues senders, so under the others the sender
//!    queue stays empty and invariant #3 holds with "senders never wait".
//!    `DropOldest` moves the oldest buffered slot to the back for the new
//!    value ([`ret::EVICTED`]: JS hands the old one to `onDrop`);
//!    `DropLatest` keeps the buffer as it is ([`ret::DROPPED`]); `Error`
//!    refuses ([`ret::FULL`]). At capacity 0 nothing is buffered, so the new
//!    value itself is dropped (`DropOldest`, `DropLatest`) or refused
//!    (`Error`) unless a receiver waits. Close and abort are unchanged.
//! 7. A `select` waiter (`select.rs`) sits in the same queues as any other,
//!    counted in its channel's `sel`. Whatever takes a waiter out of a
//!    queue (a send or receive meeting it, a drain, a give-back) tests that
//!    count, and if it is not 0 tells `select.rs` the slot left
//!    (`Machine::sel_left`): if it was a select's, that select fires and
//!    its other waiters are withdrawn in the same call. Otherwise the paths
//!    above are unchanged.

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::Op;
use super::fail::{Fail, Outcome};
use super::options;
use super::scope::Cleanup;
use super::slab::{Key, Slab};
use super::{Machine, Owner};
use crate::core::cancel::NodeId;
use crate::core::ring::Ring;

/// Return values of `chan_send` / `chan_recv`: `slot * KINDS + kind`, or a
/// negative code. (Small answers are what JS engines keep unboxed: any slot
/// below 2^27 gives a small integer.)
pub mod ret {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// Kinds are below it.
    pub const KINDS: f64 = 8.0;
    /// send: aborted or gone (reject with the reason); recv: nothing will
    /// come (resolve `undefined`, or end the iteration).
    pub const NONE: f64 = -1.0;
    /// send: the channel was closed (resolve `false`).
    pub const CLOSED: f64 = -2.0;
    /// Nothing changed: call `chan_reserve`, then ask again (invariant #5).
    pub const GROW: f64 = -3.0;
    /// send: the value is buffered in the slot. recv: take the buffered value
    /// of the slot.
    pub const SLOT: f64 = 0.0;
    /// send: hand the value to the waiting receiver of the slot. recv: take
    /// the buffered value of the slot; a waiting sender moved into the buffer
    /// (its slot is [`Machine::chan_woken`](crate::machine::Machine::chan_woken)): resolve it `true`.
    pub const HANDED: f64 = 1.0;
    /// send: wait in the slot (it holds the value). recv: take the value of
    /// the waiting sender of the slot and resolve that sender `true`.
    pub const WAIT: f64 = 2.0;
    /// recv: wait in the slot.
    pub const RECV_WAIT: f64 = 3.0;
    /// send (`DropOldest`, buffer full): the slot's buffered value is
    /// evicted (JS hands it to `onDrop`) and the new value takes the slot,
    /// now the newest (invariant #6).
    pub const EVICTED: f64 = 4.0;
    /// send (`DropOldest` at capacity 0, `DropLatest`): the new value is
    /// dropped (`onDrop`), the send gives `true` (invariant #6).
    pub const DROPPED: f64 = -4.0;
    /// send (`Error`): the buffer is full, the send rejects with
    /// `ChannelFullError` (invariant #6).
    pub const FULL: f64 = -5.0;
    /// `chan_try`: the operation would wait (nothing changed);
    /// `sel_wait`: the case is ready now (nothing changed: try again).
    pub const BUSY: f64 = -6.0;
    /// recv: `HANDED` with both slots in the answer, when both are below
    /// [`PACK`]: the answer is `-(PACKED + value_slot + sender_slot * PACK)`
    /// (a small integer too).
    pub const PACKED: f64 = 8.0;
    pub const PACK: f64 = 8192.0;
}

/// What JS does with a drained slot (`chan_drain`: `slot * KINDS + kind`).
pub mod drained {
    #[cfg(all(target_arch = "wasm32", feature = "tiny"))]
    #[allow(unused_imports)]
    use crate::prelude::*;
    /// Forget the slot (a buffered value dropped, a waiter of a collected
    /// channel).
    pub const FREE: f64 = 0.0;
    /// Reject the waiting sender with `Error("channel closed")`.
    pub const CLOSED: f64 = 1.0;
    /// Reject the waiting sender with the channel's abort reason.
    pub const REASON: f64 = 2.0;
    /// Resolve the waiting receiver with `undefined`.
    pub const UNDEFINED: f64 = 3.0;
    /// Resolve the waiting iteration receiver with "done".
    pub const DONE: f64 = 4.0;
    /// Resolve the waiting sender with `false`: a `select`'s send case on a
    /// channel that closed (as a send on a closed channel gives `false`).
    pub const FALSE: f64 = 5.0;
    /// `chan_drain`: nothing left now.
    pub const EMPTY: f64 = -1.0;
    /// `chan_drain`: nothing left, and the channel ended (its key is stale).
    pub const ENDED: f64 = -2.0;
}

/// What a send does when the channel's buffer is full and no receiver
/// waits (go-go-scope 2.x's `backpressure`): a waiting receiver always
/// takes the value directly, whatever the strategy. At capacity 0 nothing
/// is buffered, so `DropOldest` and `DropLatest` drop the new value and
/// `Error` refuses it unless a receiver waits. Close and abort behave as
/// with `Block`. (The machine's rule, invariant #6 of its channel module;
/// numbered as it crosses to JavaScript.)
///
/// ```
/// # use go_go_scope_wasm::{Backpressure, ChannelOptions, ManualHost, Runtime, ScopeOptions};
/// # use futures::FutureExt;
/// # let rt = Runtime::new(ManualHost::new());
/// # let s = rt.scope(ScopeOptions::default()).unwrap();
/// let ch = s
///     .channel_with::<u32>(ChannelOptions::new(2).backpressure(Backpressure::DropOldest))
///     .unwrap();
/// for i in 1..=5 {
///     assert!(ch.send(i).now_or_never().unwrap().is_ok()); // never waits
/// }
/// assert_eq!(ch.recv().now_or_never(), Some(Some(4))); // the newest two are kept
/// assert_eq!(ch.recv().now_or_never(), Some(Some(5)));
/// assert_eq!(Backpressure::default(), Backpressure::Block); // 1.0's
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum Backpressure {
    /// Wait for room (1.0's channel).
    #[default]
    Block = 0,
    /// Evict the oldest buffered value for the new one.
    DropOldest = 1,
    /// Drop the new value.
    DropLatest = 2,
    /// Refuse the send.
    Error = 3,
}

impl Backpressure {
    /// From its number (JS checked the name): anything else is `Block`.
    #[doc(hidden)]
    pub fn from_f64(n: f64) -> Backpressure {
        if n == 1.0 {
            Backpressure::DropOldest
        } else if n == 2.0 {
            Backpressure::DropLatest
        } else if n == 3.0 {
            Backpressure::Error
        } else {
            Backpressure::Block
        }
    }
}

pub const CAPACITY: &str =
    "channel: capacity must be an integer from 0 to 2^32, or Infinity, got \u{1}";
pub const ON_DISPOSED: &str = "Cannot create channel on disposed scope";

/// Validates `capacity`: an integer from 0 to 2^32, or `Infinity` (no
/// limit, as `u64::MAX`): the range of `concurrency` and `permits`.
pub fn capacity(value: f64) -> Outcome<u64> {
    let cap = options::limit(value, 0.0, CAPACITY)?;
    Ok(if cap == f64::INFINITY {
        u64::MAX
    } else {
        cap as u64
    })
}

const NIL: u32 = u32::MAX;

/// Slot numbers with an intrusive free list (invariant #1): freeing never
/// allocates, and allocating does only when [`Slots::has_room`] is false.
/// Not generational: JS never names a slot back, the machine only tells it
/// which one.
pub struct Slots {
    /// For a free slot, the next free one.
    next: Vec<u32>,
    head: u32,
    live: usize,
}

impl Default for Slots {
    fn default() -> Self {
        Slots {
            next: Vec::new(),
            head: NIL,
            live: 0,
        }
    }
}

impl Slots {
    /// Can `alloc` go without allocating?
    pub fn has_room(&self) -> bool {
        self.head != NIL || self.next.len() < self.next.capacity()
    }

    pub fn alloc(&mut self) -> u32 {
        self.live += 1;
        if let Some(n) = self.next.get(self.head as usize) {
            let s = self.head;
            self.head = *n;
            return s;
        }
        let s = self.next.len() as u32;
        self.next.push(NIL);
        s
    }

    pub fn free(&mut self, s: u32) {
        if let Some(n) = self.next.get_mut(s as usize) {
            *n = self.head;
            self.head = s;
            self.live = self.live.saturating_sub(1);
        }
    }

    /// Makes room for more slots (doubling).
    pub fn reserve(&mut self) {
        if !self.has_room() {
            self.next.reserve(self.next.len().max(16));
        }
    }

    /// Slots handed out and not yet freed.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

/// Grows a full queue (doubling), for the next push. (Every queue of the
/// channels and semaphores is a `Ring`: one copy of its code.)
#[cfg_attr(feature = "tiny", inline(never))]
pub(crate) fn reserve_one(q: &mut Ring) {
    if q.len() == q.capacity() {
        q.reserve(q.len().max(4));
    }
}

/// One channel.
pub struct ChanRec {
    /// `u64::MAX`: no limit.
    cap: u64,
    /// Slots of buffered values, oldest first.
    pub(super) buffer: Ring,
    /// Slots of waiting senders (each holds its value), oldest first.
    pub(super) senders: Ring,
    /// Waiting receivers, oldest first: `slot << 1 | 1` for an iteration
    /// step (which ends with "done" rather than `undefined`). Slots stay
    /// below 2^30: wasm32 memory cannot hold a larger slot table.
    pub(super) receivers: Ring,
    /// Closed (by `close` or an abort). The waiters still queued then are
    /// JS's to drain: `chan_drain` takes them (invariant #4).
    pub(super) closed: bool,
    /// Closed by `close` before any abort: the senders it refused keep
    /// "channel closed" when an abort follows before JS drained them.
    closed_first: bool,
    /// What a send into a full buffer does (invariant #6).
    pub(super) backpressure: Backpressure,
    /// Aborted (invariant #2); `reason` is `None` when disposed.
    pub(super) aborted: bool,
    /// `select` waiters among `senders` and `receivers` (invariant #7): the
    /// one test the send and receive paths make for them.
    pub(super) sel: u32,
    /// Collected: drain items only free their slots.
    forget: bool,
    reason: Option<Key>,
    /// Under the scope's node, or the linked signal's; none for a plain
    /// `new Channel(capacity)`.
    node: Option<NodeId>,
    link: Option<Key>,
}

impl ChanRec {
    pub(super) fn buffer_full(&self) -> bool {
        self.buffer.len() as u64 >= self.cap
    }
}

/// The channel records of the machine.
#[derive(Default)]
pub struct Channels {
    pub(super) table: Slab<ChanRec>,
    pub(super) slots: Slots,
    /// The sender slot the last `chan_recv` answering `HANDED` unblocked.
    woken: u32,
    /// The `select`s and which slot waits for which.
    pub(super) sel: super::select::Selects,
}

impl Channels {
    /// Live channels.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Live slots (values and waiters).
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Live `select`s.
    pub fn selects(&self) -> usize {
        self.sel.len()
    }
}

fn slot_ret(kind: f64, slot: u32) -> f64 {
    f64::from(slot) * ret::KINDS + kind
}

/// A send into a full buffer, no receiver waiting, under a strategy other
/// than `Block` (invariant #6). Allocates nothing: an eviction pops before
/// it pushes. (Out of line: the hot send never comes here.)
#[cold]
#[cfg_attr(feature = "tiny", inline(never))]
fn full_send(rec: &mut ChanRec) -> f64 {
    match rec.backpressure {
        Backpressure::DropOldest => match rec.buffer.pop_front() {
            Some(s) => {
                rec.buffer.push_back(s);
                slot_ret(ret::EVICTED, s)
            }
            // Capacity 0: the new value is the oldest.
            None => ret::DROPPED,
        },
        Backpressure::Error => ret::FULL,
        _ => ret::DROPPED,
    }
}

impl Machine {
    /// Command: `s.channel(capacity)` (`scope`) or `new Channel(capacity,
    /// signal?)` (`link`, the signal's link, if any): a `Block` channel.
    pub fn chan_new(&mut self, scope: Option<Key>, link: Option<Key>, cap: f64) -> Outcome<Key> {
        self.chan_new_with(scope, link, cap, Backpressure::Block)
    }

    /// Command: [`Machine::chan_new`] with a backpressure strategy
    /// (`s.channel(capacity, { backpressure })`, invariant #6).
    pub fn chan_new_with(
        &mut self,
        scope: Option<Key>,
        link: Option<Key>,
        cap: f64,
        backpressure: Backpressure,
    ) -> Outcome<Key> {
        let cap = capacity(cap)?;
        let parent = match scope {
            Some(s) => match self.scopes.get(s) {
                Some(r) if !r.core.is_disposed() => Some(r.node),
                _ => return Err(Fail::error(ON_DISPOSED)),
            },
            None => None,
        };
        let link = match (scope, link) {
            (None, Some(l)) => self.link_node(l).map(|n| (l, n)),
            _ => None,
        };
        let k = self.channels.table.insert(ChanRec {
            cap,
            buffer: Ring::new(),
            senders: Ring::new(),
            receivers: Ring::new(),
            closed: false,
            closed_first: false,
            backpressure,
            aborted: false,
            sel: 0,
            forget: false,
            reason: None,
            node: None,
            link: link.map(|(l, _)| l),
        });
        let under = parent.or(link.map(|(_, n)| n));
        if let Some((l, _)) = link {
            self.use_link(l);
        }
        let node = under.map(|p| self.new_node(Some(p), Owner::Channel(k)));
        if let Some(rec) = self.channels.table.get_mut(k) {
            rec.node = node;
        }
        if let Some(s) = scope {
            if let Some(r) = self.scopes.get_mut(s) {
                let _ = r.core.push_cleanup(Cleanup::Channel(k));
            }
        }
        if let Some(n) = node {
            if let Some(r) = self.tree.reason(n).copied() {
                // Born under an aborted scope or signal.
                self.channel_abort(k, Some(r));
            }
        }
        Ok(k)
    }

    /// Command: `send(value)`; see [`ret`]. JS stores the value in the slot
    /// it is told (or hands it to the receiver it is told). Allocates
    /// nothing (invariant #5).
    pub fn chan_send(&mut self, k: Key) -> f64 {
        let Some(rec) = self.channels.table.get_mut_inline(k) else {
            return ret::NONE;
        };
        let slots = &mut self.channels.slots;
        if rec.aborted {
            return ret::NONE;
        }
        if rec.closed {
            return ret::CLOSED;
        }
        if let Some(r) = rec.receivers.pop_front_inline() {
            let sel = rec.sel != 0;
            slots.free(r >> 1);
            if sel {
                self.sel_left(k, r >> 1);
            }
            return slot_ret(ret::HANDED, r >> 1);
        }
        let full = rec.buffer_full();
        if full && rec.backpressure != Backpressure::Block {
            return full_send(rec);
        }
        let queue = if full {
            &mut rec.senders
        } else {
            &mut rec.buffer
        };
        if queue.len() == queue.capacity() || !slots.has_room() {
            return ret::GROW;
        }
        let s = slots.alloc();
        queue.push_back_inline(s);
        slot_ret(if full { ret::WAIT } else { ret::SLOT }, s)
    }

    /// Command: `receive()` (`iter`: a `for await` step); see [`ret`].
    /// Allocates nothing (invariant #5).
    pub fn chan_recv(&mut self, k: Key, iter: bool) -> f64 {
        let Some(rec) = self.channels.table.get_mut_inline(k) else {
            return ret::NONE;
        };
        let slots = &mut self.channels.slots;
        let sel = rec.sel != 0;
        // After a close, the senders still queued were refused (invariant #4).
        let senders = if rec.closed {
            None
        } else {
            Some(&mut rec.senders)
        };
        if let Some(v) = rec.buffer.pop_front_inline() {
            slots.free(v);
            return match senders.and_then(|q| q.pop_front_inline()) {
                Some(s) => {
                    // Room: a place was just taken (invariant #3).
                    rec.buffer.push_back_inline(s);
                    if sel {
                        self.sel_left(k, s);
                    }
                    if f64::from(v) < ret::PACK && f64::from(s) < ret::PACK {
                        // Both slots in one answer: no `chan_woken` call.
                        return -(ret::PACKED + f64::from(v) + f64::from(s) * ret::PACK);
                    }
                    self.channels.woken = s;
                    slot_ret(ret::HANDED, v)
                }
                None => slot_ret(ret::SLOT, v),
            };
        }
        if let Some(s) = senders.and_then(|q| q.pop_front_inline()) {
            // Capacity 0: straight from the waiting sender.
            slots.free(s);
            if sel {
                self.sel_left(k, s);
            }
            return slot_ret(ret::WAIT, s);
        }
        if rec.closed {
            return ret::NONE;
        }
        if rec.receivers.len() == rec.receivers.capacity() || !slots.has_room() {
            return ret::GROW;
        }
        let slot = slots.alloc();
        rec.receivers.push_back_inline(slot << 1 | u32::from(iter));
        slot_ret(ret::RECV_WAIT, slot)
    }

    /// Command: a send or receive answered [`ret::GROW`]: make room in the
    /// channel's queues and the slot table.
    pub fn chan_reserve(&mut self, k: Key) {
        self.channels.slots.reserve();
        if let Some(rec) = self.channels.table.get_mut(k) {
            if !rec.buffer_full() {
                reserve_one(&mut rec.buffer);
            }
            reserve_one(&mut rec.senders);
            reserve_one(&mut rec.receivers);
        }
    }

    /// The sender slot the last `chan_recv` answering `HANDED` unblocked
    /// (answers with a slot of 2^26 or more; smaller ones are `PACKED`).
    pub fn chan_woken(&self) -> f64 {
        f64::from(self.channels.woken)
    }

    /// Command: `close()`. Idempotent; buffered values stay receivable; the
    /// waiters' wake-ups are left for [`Machine::chan_drain`] (invariant #4).
    pub fn chan_close(&mut self, k: Key) {
        let Some(rec) = self.channels.table.get_mut(k) else {
            return;
        };
        if rec.aborted || rec.closed {
            return;
        }
        rec.closed = true;
        rec.closed_first = true;
    }

    /// Command: `[Symbol.asyncDispose]()`: abort with "channel disposed".
    pub fn chan_dispose(&mut self, k: Key) {
        self.channel_abort(k, None);
    }

    /// Event: the channel's JS object was garbage-collected: forget every
    /// waiter and value; JS drains, and the record ends.
    pub fn chan_collected(&mut self, k: Key) {
        self.channel_abort(k, None);
        if let Some(rec) = self.channels.table.get_mut(k) {
            rec.forget = true;
        }
    }

    /// Command: the next wake-up of a close or abort, as `slot * 8 + kind`
    /// (see [`drained`]): the refused senders, then the receivers, then
    /// (aborted) the dropped values, oldest first. The slot is freed now
    /// (invariant #1). `ENDED` once an aborted channel has nothing left: its
    /// record is gone.
    pub fn chan_drain(&mut self, k: Key) -> f64 {
        let Some(rec) = self.channels.table.get_mut(k) else {
            return drained::ENDED;
        };
        if !rec.closed {
            return drained::EMPTY;
        }
        let item = if let Some(s) = rec.senders.pop_front() {
            Some((
                s,
                if rec.closed_first {
                    drained::CLOSED
                } else {
                    drained::REASON
                },
            ))
        } else if let Some(r) = rec.receivers.pop_front() {
            Some((
                r >> 1,
                if r & 1 == 1 {
                    drained::DONE
                } else {
                    drained::UNDEFINED
                },
            ))
        } else if rec.aborted {
            rec.buffer.pop_front().map(|v| (v, drained::FREE))
        } else {
            None
        };
        if let Some((slot, kind)) = item {
            let mut kind = if rec.forget { drained::FREE } else { kind };
            let sel = rec.sel != 0;
            self.channels.slots.free(slot);
            if sel && self.sel_left(k, slot) && kind == drained::CLOSED {
                kind = drained::FALSE;
            }
            return slot_ret(kind, slot);
        }
        if !rec.aborted {
            return drained::EMPTY;
        }
        if let Some(rec) = self.channels.table.remove(k) {
            if let Some(r) = rec.reason {
                self.release_reason(r);
            }
        }
        drained::ENDED
    }

    /// Command (Rust face): a waiting `send` (`sender`) or `receive` whose
    /// future was dropped leaves its queue, and its slot is freed (STYLE #6:
    /// it takes nothing with it). `false`: it was not waiting there any
    /// more (woken or drained already). This scans the queue: only the Rust
    /// face cancels (a JavaScript promise cannot be dropped), and the hot
    /// paths above stay untouched (invariant #5).
    pub fn chan_cancel(&mut self, k: Key, slot: u32, sender: bool) -> bool {
        let Some(rec) = self.channels.table.get_mut(k) else {
            return false;
        };
        let (q, shift) = if sender {
            (&mut rec.senders, 0)
        } else {
            (&mut rec.receivers, 1)
        };
        match q.position(|s| s >> shift == slot) {
            Some(i) => {
                q.remove(i);
                self.channels.slots.free(slot);
                true
            }
            None => false,
        }
    }

    /// Command (Rust face): a receiver was handed a value and its future
    /// was dropped before it took it: the value is not lost (STYLE #6). It
    /// goes to the oldest waiting receiver ([`ret::HANDED`] with its slot),
    /// else back to the front of the buffer ([`ret::SLOT`] with a new slot,
    /// even past the capacity: it was delivered already); [`ret::NONE`]
    /// once the channel aborted (the value is dropped, as buffered ones
    /// are).
    pub fn chan_give_back(&mut self, k: Key) -> f64 {
        let Some(rec) = self.channels.table.get_mut(k) else {
            return ret::NONE;
        };
        if rec.aborted {
            return ret::NONE;
        }
        // After a close, the receivers still queued were refused (#4).
        if !rec.closed {
            if let Some(r) = rec.receivers.pop_front() {
                let sel = rec.sel != 0;
                self.channels.slots.free(r >> 1);
                if sel {
                    self.sel_left(k, r >> 1);
                }
                return slot_ret(ret::HANDED, r >> 1);
            }
        }
        let s = self.channels.slots.alloc();
        rec.buffer.push_front(s);
        slot_ret(ret::SLOT, s)
    }

    /// `isClosed` (an ended channel is closed).
    pub fn chan_is_closed(&self, k: Key) -> bool {
        self.channels.table.get(k).is_none_or(|r| r.closed)
    }

    /// `size`: buffered values.
    pub fn chan_size(&self, k: Key) -> usize {
        self.channels.table.get(k).map_or(0, |r| r.buffer.len())
    }

    /// Why the channel aborted: `Some(Some(reason))`, `Some(None)` when it
    /// was disposed, `None` if it did not abort (or ended).
    pub fn chan_reason(&self, k: Key) -> Option<Option<Key>> {
        self.channels
            .table
            .get(k)
            .filter(|r| r.aborted)
            .map(|r| r.reason)
    }

    /// Aborts (invariants #2, #4): reason `None` is "channel disposed".
    /// Idempotent. (Out of line: five callers.)
    #[cfg_attr(feature = "tiny", inline(never))]
    fn channel_abort(&mut self, k: Key, reason: Option<Key>) {
        let Some(rec) = self.channels.table.get_mut(k) else {
            return;
        };
        if rec.aborted {
            return;
        }
        // The waiters and values stay queued for `chan_drain`.
        rec.aborted = true;
        rec.closed = true;
        rec.reason = reason;
        let (node, link) = (rec.node.take(), rec.link.take());
        self.let_go(reason, node, link);
        self.fx.push(Op::ChanAborted, k.to_f64(), 0.0, 0.0);
    }

    /// The node owned by channel record `k` was cancelled (its scope or its
    /// signal aborted).
    pub(crate) fn channel_cancelled(&mut self, k: Key) {
        let reason = self
            .channel_node(k)
            .and_then(|n| self.tree.reason(n).copied());
        if reason.is_some() {
            self.channel_abort(k, reason);
        }
    }

    /// The channel's scope is disposing: close it and reject what waits.
    pub(crate) fn channel_dispose(&mut self, k: Key) {
        self.channel_abort(k, None);
    }

    /// The node of channel record `k`, if it has one.
    pub(crate) fn channel_node(&self, k: Key) -> Option<NodeId> {
        self.channels.table.get(k).and_then(|r| r.node)
    }
}

#[cfg(test)]
#[path = "channel_tests.rs"]
mod tests;
