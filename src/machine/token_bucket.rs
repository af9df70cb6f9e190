//! Token buckets (go-go-scope 2.x's `TokenBucket`): `new TokenBucket({
//! capacity, refillRate, initialTokens })` and `s.tokenBucket(options)`,
//! with `acquire(tokens, { signal, timeout })` and `tryAcquire(tokens)`.
//!
//! The tokens are a function of the clock JS passes in: `tokens` at
//! `stamp`, plus `refillRate` per second since, up to `capacity`. Waiting
//! acquires queue FIFO (a list through the waiters' records, so one that
//! leaves is removed in O(1); buckets and waiters share one table, which
//! keeps the wasm small); the machine sets a refill timer only while someone
//! waits, for the moment the oldest waiter's tokens will be there, and
//! grants from the front when it fires. Each waiter may have a timeout
//! (its own timer) and a user signal (a node under the signal's link).
//!
//! # Invariants
//!
//! 1. `0 <= tokens <= capacity`; tokens are taken only from the front of
//!    the queue (no barging: an `acquire` or `tryAcquire` that finds
//!    waiters takes nothing), so waiters are granted in arrival order.
//! 2. No waiter waits while the front one could be granted: every change
//!    of the front (a grant, a waiter leaving, `reset`, a new first
//!    waiter) grants what it can and re-arms the refill timer.
//! 3. The refill timer is set only while someone waits and the rate is
//!    above 0; it is cleared when the queue empties or the bucket ends.
//! 4. A waiter ends exactly once, with one `BucketDone` (granted, timed
//!    out, its signal aborted, or the bucket ended), releasing its timer,
//!    node and link in the same step; one whose future was dropped (the
//!    Rust face, `tb_drop`) ends with no effect. A waiter that leaves
//!    passes its turn on: the ones behind it are granted if they can be
//!    (invariant #2; STYLE #6).
//! 5. A bucket ends once (its scope cancelled, disposed, or its JS object
//!    collected): `BucketEnd` first (JS keeps the reason for later
//!    acquires), then every waiter's `BucketDone` with the bucket's
//!    reason, then its timer and node are released. Nothing is granted
//!    after; later calls answer "gone".

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

use super::effect::{Op, ReasonKind};
use super::fail::{Fail, Outcome};
use super::options;
use super::rate::RateRec;
use super::slab::{Key, Slab};
use super::timer::{TimerOwner, MAX_TIMER_MS};
use super::{Machine, Owner};
use crate::core::cancel::NodeId;

pub const CAPACITY: &str = "TokenBucket: capacity must be a number > 0, got \u{1}";
pub const REFILL_RATE: &str =
    "TokenBucket: refillRate must be a finite number of tokens per second >= 0, got \u{1}";
pub const INITIAL_TOKENS: &str =
    "TokenBucket: initialTokens must be a number from 0 to capacity, got \u{1}";
pub const TOKENS: &str = "TokenBucket: tokens must be a number from 0 to capacity, got \u{1}";
pub const TIMEOUT: &str =
    "TokenBucket.acquire: timeout must be a number of milliseconds >= 0, got \u{1}";
pub const ON_DISPOSED: &str = "Cannot create token bucket on disposed scope";

/// `BucketDone`'s reason: the tokens were taken.
pub const GRANTED: f64 = -1.0;
/// `BucketDone`'s reason: the bucket ended; reject with the reason its
/// `BucketEnd` gave.
pub const ENDED: f64 = -2.0;

/// Validated options: `(capacity, refillRate per second, initialTokens)`.
#[cfg_attr(feature = "tiny", inline(never))]
pub fn spec(capacity: f64, rate: f64, initial: Option<f64>) -> Outcome<(f64, f64, f64)> {
    if capacity.is_nan() || capacity <= 0.0 {
        return Err(Fail::range(CAPACITY, capacity));
    }
    if !rate.is_finite() || rate < 0.0 {
        return Err(Fail::range(REFILL_RATE, rate));
    }
    let initial = initial.unwrap_or(capacity);
    if initial.is_nan() || initial < 0.0 || initial > capacity {
        return Err(Fail::range(INITIAL_TOKENS, initial));
    }
    Ok((capacity, rate, initial))
}

/// Enough tokens for `need`, allowing for the rounding of the refill sum
/// (a timer set for the exact moment must find them there).
fn enough(tokens: f64, need: f64) -> bool {
    need <= tokens + 1e-9 * need.max(1.0)
}

/// One bucket.
pub struct BucketRec {
    capacity: f64,
    /// Tokens per millisecond.
    rate: f64,
    /// Tokens at `stamp`.
    tokens: f64,
    stamp: f64,
    /// The oldest and newest waiters (a list through the waiters' records).
    head: Option<Key>,
    tail: Option<Key>,
    waiting: usize,
    /// The refill timer (invariant #3).
    refill: Option<Key>,
    /// Under its scope's node, if it has a scope.
    node: Option<NodeId>,
}

impl BucketRec {
    /// Brings `tokens` to the clock `now` (a clock going back adds nothing).
    #[cfg_attr(feature = "tiny", inline(never))]
    fn refill(&mut self, now: f64) {
        if now > self.stamp {
            self.tokens = (self.tokens + (now - self.stamp) * self.rate).min(self.capacity);
            self.stamp = now;
        }
    }

    /// Takes `need` if it is there and nobody waits (invariant #1).
    fn take(&mut self, need: f64, now: f64) -> bool {
        self.refill(now);
        let ok = self.head.is_none() && enough(self.tokens, need);
        if ok {
            self.tokens = (self.tokens - need).max(0.0);
        }
        ok
    }
}

/// One waiting acquire.
pub struct WaiterRec {
    bucket: Key,
    need: f64,
    /// Its neighbours in its bucket's list (O(1) removal, STYLE #7).
    prev: Option<Key>,
    next: Option<Key>,
    timer: Option<Key>,
    /// Under its signal's link, if it has a signal.
    node: Option<NodeId>,
    link: Option<Key>,
}

/// A record: the rate-limiting primitives (buckets, their waiters, and
/// `rate.rs`'s debounced and throttled functions) share one table, which
/// keeps the wasm small.
pub enum Rec {
    Bucket(BucketRec),
    Waiter(WaiterRec),
    Rate(RateRec),
}

/// The rate-limiting records of the machine.
#[derive(Default)]
pub struct Buckets {
    recs: Slab<Rec>,
    buckets: usize,
    limiters: usize,
}

impl Buckets {
    /// Live buckets.
    pub fn len(&self) -> usize {
        self.buckets
    }

    pub fn is_empty(&self) -> bool {
        self.buckets == 0
    }

    /// Live waiting acquires.
    pub fn waiters(&self) -> usize {
        self.recs.len() - self.buckets - self.limiters
    }

    /// Live debounced and throttled functions.
    pub fn limiters(&self) -> usize {
        self.limiters
    }

    pub(crate) fn insert_limiter(&mut self, r: RateRec) -> Key {
        self.limiters += 1;
        self.recs.insert(Rec::Rate(r))
    }

    pub(crate) fn limiter(&mut self, k: Key) -> Option<&mut RateRec> {
        match self.recs.get_mut(k) {
            Some(Rec::Rate(r)) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn limiter_ref(&self, k: Key) -> Option<&RateRec> {
        match self.recs.get(k) {
            Some(Rec::Rate(r)) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn remove_limiter(&mut self, k: Key) -> Option<RateRec> {
        self.limiter(k)?;
        self.limiters -= 1;
        match self.recs.remove(k) {
            Some(Rec::Rate(r)) => Some(r),
            _ => None,
        }
    }

    fn bucket(&mut self, k: Key) -> Option<&mut BucketRec> {
        match self.recs.get_mut(k) {
            Some(Rec::Bucket(b)) => Some(b),
            _ => None,
        }
    }

    fn waiter(&mut self, w: Key) -> Option<&mut WaiterRec> {
        match self.recs.get_mut(w) {
            Some(Rec::Waiter(x)) => Some(x),
            _ => None,
        }
    }
}

/// What `tb_acquire` did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Acquired {
    /// The tokens are taken.
    Granted,
    /// Waiting under this key; its `BucketDone` may already be among the
    /// effects (an aborted signal).
    Waiting(Key),
    /// The bucket ended: reject with its reason.
    Gone,
}

impl Machine {
    /// Command: `new TokenBucket(options)` (no scope) or
    /// `s.tokenBucket(options)`, at clock `now`.
    pub fn tb_new(
        &mut self,
        scope: Option<Key>,
        capacity: f64,
        rate: f64,
        initial: Option<f64>,
        now: f64,
    ) -> Outcome<Key> {
        let (capacity, rate, tokens) = spec(capacity, rate, initial)?;
        let parent = match scope {
            Some(s) => match self.scopes.get(s) {
                Some(r) if !r.core.is_disposed() => Some(r.node),
                _ => return Err(Fail::error(ON_DISPOSED)),
            },
            None => None,
        };
        let k = self.buckets.recs.insert(Rec::Bucket(BucketRec {
            capacity,
            rate: rate / 1000.0,
            tokens,
            stamp: now,
            head: None,
            tail: None,
            waiting: 0,
            refill: None,
            node: None,
        }));
        self.buckets.buckets += 1;
        if let Some(p) = parent {
            let node = self.new_node(Some(p), Owner::Bucket(k));
            if let Some(rec) = self.buckets.bucket(k) {
                rec.node = Some(node);
            }
            // Born under a cancelled scope: it ends at once (invariant #5).
            self.bucket_cancelled(k);
        }
        Ok(k)
    }

    /// Checks `tokens` against bucket `k` (a failure changes nothing);
    /// `None`: the bucket ended.
    fn tb_need(&mut self, k: Key, need: f64) -> Outcome<Option<&mut BucketRec>> {
        let rec = self.buckets.bucket(k);
        if let Some(r) = &rec {
            if !need.is_finite() || need < 0.0 || need > r.capacity {
                return Err(Fail::range(TOKENS, need));
            }
        }
        Ok(rec)
    }

    /// Command: `tryAcquire(tokens)`: takes them now if they are there and
    /// nobody waits (invariant #1). `Ok(false)` too once the bucket ended.
    pub fn tb_try(&mut self, k: Key, need: f64, now: f64) -> Outcome<bool> {
        Ok(self.tb_need(k, need)?.is_some_and(|r| r.take(need, now)))
    }

    /// Command: `acquire(tokens, { signal, timeout })` (`link`: the
    /// signal's, which this call uses or lets go of). Granted at once if
    /// the tokens are there and nobody waits; else a waiter, ended by its
    /// `BucketDone`. A signal already aborted refuses it even if the tokens
    /// are there.
    pub fn tb_acquire(
        &mut self,
        k: Key,
        need: f64,
        timeout: f64,
        link: Option<Key>,
        now: f64,
    ) -> Outcome<Acquired> {
        let out = self.tb_enqueue(k, need, timeout, link, now);
        if !matches!(out, Ok(Acquired::Waiting(_))) {
            if let Some(l) = link {
                self.drop_unused_link(l);
            }
        }
        out
    }

    fn tb_enqueue(
        &mut self,
        k: Key,
        need: f64,
        timeout: f64,
        link: Option<Key>,
        now: f64,
    ) -> Outcome<Acquired> {
        let under = link.and_then(|l| self.link_node(l));
        let aborted = under.is_some_and(|n| self.tree.is_cancelled(n));
        self.now = now;
        self.tb_need(k, need)?;
        let timeout = options::duration(timeout, TIMEOUT)?;
        let Some(rec) = self.buckets.bucket(k) else {
            return Ok(Acquired::Gone);
        };
        if !aborted && rec.take(need, now) {
            return Ok(Acquired::Granted);
        }
        let tail = rec.tail;
        let w = self.buckets.recs.insert(Rec::Waiter(WaiterRec {
            bucket: k,
            need,
            prev: tail,
            next: None,
            timer: None,
            node: None,
            link: None,
        }));
        match tail.and_then(|t| self.buckets.waiter(t)) {
            Some(t) => t.next = Some(w),
            None => {
                if let Some(rec) = self.buckets.bucket(k) {
                    rec.head = Some(w);
                }
            }
        }
        if let Some(rec) = self.buckets.bucket(k) {
            rec.tail = Some(w);
            rec.waiting += 1;
        }
        let node = under.map(|n| self.new_node(Some(n), Owner::BucketWaiter(w)));
        if let Some(l) = link.filter(|_| node.is_some()) {
            self.use_link(l);
        }
        let timer = timeout.and_then(|ms| self.set_timer(TimerOwner::BucketTimeout(w, ms), ms));
        if let Some(x) = self.buckets.waiter(w) {
            x.node = node;
            x.link = link.filter(|_| node.is_some());
            x.timer = timer;
        }
        if aborted {
            // Refused at once, with the signal's reason.
            self.bucket_waiter_cancelled(w);
        } else if tail.is_none() {
            self.bucket_pump(k);
        }
        Ok(Acquired::Waiting(w))
    }

    /// Command: `reset()`: full again at `now`; waiters are granted what
    /// they can be.
    pub fn tb_reset(&mut self, k: Key, now: f64) {
        self.now = now;
        if let Some(rec) = self.buckets.bucket(k) {
            rec.tokens = rec.capacity;
            rec.stamp = now;
            self.bucket_pump(k);
        }
    }

    /// Tokens available at `now` (a getter: the count moves with the
    /// clock, nothing else changes). `None` once the bucket ended.
    pub fn tb_tokens(&mut self, k: Key, now: f64) -> Option<f64> {
        let rec = self.buckets.bucket(k)?;
        rec.refill(now);
        Some(rec.tokens)
    }

    /// Waiting acquires (0 once ended).
    pub fn tb_waiting(&self, k: Key) -> usize {
        match self.buckets.recs.get(k) {
            Some(Rec::Bucket(b)) => b.waiting,
            _ => 0,
        }
    }

    /// Command: dispose (or its JS object was collected): ends the bucket
    /// with "token bucket disposed" (invariant #5).
    pub fn tb_dispose(&mut self, k: Key) {
        self.bucket_end(k, None);
    }

    /// Command (Rust face): a waiting acquire's future was dropped: it
    /// leaves with no effect, passing its turn on (invariant #4).
    pub fn tb_drop(&mut self, w: Key) {
        self.waiter_release(w, None);
    }

    /// Timer event: the refill timer fired (the clock is `self.now`).
    pub(crate) fn bucket_refill_timer(&mut self, k: Key) {
        if let Some(rec) = self.buckets.bucket(k) {
            rec.refill = None;
            self.bucket_pump(k);
        }
    }

    /// Timer event: waiter `w` timed out after `ms`.
    pub(crate) fn bucket_timeout_timer(&mut self, w: Key, ms: f64) {
        let Some(rec) = self.buckets.waiter(w) else {
            return;
        };
        rec.timer = None;
        let r = self.new_reason(ReasonKind::Timeout, ms);
        self.waiter_release(w, Some(r.to_f64()));
        self.release_reason(r);
    }

    /// The bucket's scope was cancelled: the bucket ends with its reason.
    pub(crate) fn bucket_cancelled(&mut self, k: Key) {
        let reason = self
            .bucket_node(k)
            .and_then(|n| self.tree.reason(n).copied());
        if reason.is_some() {
            self.bucket_end(k, reason);
        }
    }

    /// A waiter's signal aborted: it ends with the signal's reason.
    pub(crate) fn bucket_waiter_cancelled(&mut self, w: Key) {
        let reason = self
            .bucket_waiter_node(w)
            .and_then(|n| self.tree.reason(n).copied());
        if let Some(r) = reason {
            self.waiter_release(w, Some(r.to_f64()));
        }
    }

    pub(crate) fn bucket_node(&self, k: Key) -> Option<NodeId> {
        match self.buckets.recs.get(k) {
            Some(Rec::Bucket(b)) => b.node,
            _ => None,
        }
    }

    pub(crate) fn bucket_waiter_node(&self, w: Key) -> Option<NodeId> {
        match self.buckets.recs.get(w) {
            Some(Rec::Waiter(x)) => x.node,
            _ => None,
        }
    }

    /// Ends waiter `w` (invariant #4): out of its list, `BucketDone` with
    /// `reason` (none if `None`), its timer, node and link released; its
    /// bucket is pumped if `w` was at the front and `pump`. The one path
    /// every waiter ends by.
    #[cfg_attr(feature = "tiny", inline(never))]
    fn waiter_end(&mut self, w: Key, reason: Option<f64>, pump: bool) {
        let bs = &mut self.buckets;
        let Some(x) = bs.waiter(w) else {
            return;
        };
        let (b, prev, next, timer, node, link) =
            (x.bucket, x.prev, x.next, x.timer, x.node, x.link);
        if let Some(p) = prev.and_then(|p| bs.waiter(p)) {
            p.next = next;
        }
        if let Some(n) = next.and_then(|n| bs.waiter(n)) {
            n.prev = prev;
        }
        if let Some(rec) = bs.bucket(b) {
            if prev.is_none() {
                rec.head = next;
            }
            if next.is_none() {
                rec.tail = prev;
            }
            rec.waiting -= 1;
        }
        bs.recs.remove(w);
        if let Some(r) = reason {
            self.fx.push(Op::BucketDone, w.to_f64(), r, 0.0);
        }
        self.clear_timer(timer);
        self.let_go(None, node, link);
        if prev.is_none() && pump {
            self.bucket_pump(b);
        }
    }

    /// Ends waiter `w` and passes its turn on (invariant #4).
    fn waiter_release(&mut self, w: Key, reason: Option<f64>) {
        self.waiter_end(w, reason, true);
    }

    /// The front waiter of bucket `k` and what it needs.
    #[cfg_attr(feature = "tiny", inline(never))]
    fn bucket_front(&mut self, k: Key) -> Option<(Key, f64)> {
        let w = self.buckets.bucket(k)?.head?;
        Some((w, self.buckets.waiter(w)?.need))
    }

    /// Grants from the front while the tokens last, then re-arms the refill
    /// timer (invariant #2).
    #[cfg_attr(feature = "tiny", inline(never))]
    fn bucket_pump(&mut self, k: Key) {
        let now = self.now;
        while let Some((w, need)) = self.bucket_front(k) {
            let Some(rec) = self.buckets.bucket(k) else {
                return;
            };
            rec.refill(now);
            if !enough(rec.tokens, need) {
                break;
            }
            rec.tokens = (rec.tokens - need).max(0.0);
            self.waiter_end(w, Some(GRANTED), false);
        }
        self.bucket_arm(k);
    }

    /// Sets the refill timer for the moment the front waiter's tokens are
    /// there (cleared if nobody waits; invariant #3).
    fn bucket_arm(&mut self, k: Key) {
        let front = self.bucket_front(k);
        let Some(rec) = self.buckets.bucket(k) else {
            return;
        };
        let old = rec.refill.take();
        let (tokens, rate) = (rec.tokens, rec.rate);
        self.clear_timer(old);
        // With no refill, waiters wait for a reset or their end.
        let Some((_, need)) = front.filter(|_| rate > 0.0) else {
            return;
        };
        let ms = ((need - tokens) / rate).min(MAX_TIMER_MS);
        let t = self.set_timer(TimerOwner::BucketRefill(k), ms);
        if let Some(rec) = self.buckets.bucket(k) {
            rec.refill = t;
        }
    }

    /// Ends bucket `k` (invariant #5); `reason` `None`: disposed.
    #[cfg_attr(feature = "tiny", inline(never))]
    fn bucket_end(&mut self, k: Key, reason: Option<Key>) {
        let Some(rec) = self.buckets.bucket(k) else {
            return;
        };
        let (refill, node) = (rec.refill.take(), rec.node.take());
        self.fx.push(
            Op::BucketEnd,
            k.to_f64(),
            reason.map_or(-1.0, Key::to_f64),
            0.0,
        );
        while let Some((w, _)) = self.bucket_front(k) {
            self.waiter_end(w, Some(ENDED), false);
        }
        self.buckets.buckets -= 1;
        self.buckets.recs.remove(k);
        self.clear_timer(refill);
        if let Some(n) = node {
            self.remove_node(n);
        }
    }
}

#[cfg(test)]
#[path = "token_bucket_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "token_bucket_props.rs"]
mod props;
