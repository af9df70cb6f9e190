//! Token buckets (go-go-scope 2.x's `TokenBucket`): `new TokenBucket({
//! capacity, refillRate, initialTokens })` and `s.tokenBucket(options)`,
//! with `acquire(tokens, { signal, timeout })` and `tryAcquire(tokens)`.
//!
//! The tokens are a function of the clock JS passes in: `tokens` at
//! `stamp`, plus `refillRate` per second since, up to `capacity`. Waiting
//! acquires queue FIFO (a list through the waiters' records, so one that
//! leaves is removed in O(1)); the machine sets a refill timer only while
//! someone waits, for the moment the oldest waiter's tokens will be there,
//! and grants from the front when it fires. Each waiter may have a timeout
//! (its own timer) and a user signal (a node under the signal's link).
//! Buckets and waiters are records of the sleeps' table (`sleep.rs`: a node
//! and a timer each), which keeps the wasm small.
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

use super::effect::Op;
use super::fail::{Fail, Outcome};
use super::options;
use super::slab::Key;
use super::sleep::{Kind, SleepRec, Sleeps};
use super::timer::MAX_TIMER_MS;
use super::Machine;

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

/// One bucket (its refill timer and its scope's node are its record's in
/// the sleeps' table).
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

/// One waiting acquire (its timeout's timer and its node under its
/// signal's link are its record's in the sleeps' table).
pub struct WaiterRec {
    bucket: Key,
    need: f64,
    /// Its `timeout` (for the reason).
    pub(super) ms: f64,
    /// Its neighbours in its bucket's list (O(1) removal, STYLE #7).
    prev: Option<Key>,
    next: Option<Key>,
    /// The signal's link it uses, if it has a signal.
    link: Option<Key>,
}

fn bucket(t: &mut Sleeps, k: Key) -> Option<&mut BucketRec> {
    match t.get_mut(k) {
        Some(SleepRec {
            kind: Kind::Bucket(b),
            ..
        }) => Some(b),
        _ => None,
    }
}

fn waiter(t: &mut Sleeps, w: Key) -> Option<&mut WaiterRec> {
    match t.get_mut(w) {
        Some(SleepRec {
            kind: Kind::Waiter(x),
            ..
        }) => Some(x),
        _ => None,
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
        let rec = BucketRec {
            capacity,
            rate: rate / 1000.0,
            tokens,
            stamp: now,
            head: None,
            tail: None,
            waiting: 0,
        };
        let (k, cancelled) = self.timed(parent, None, Kind::Bucket(rec));
        // Born under a cancelled scope: it ends at once (invariant #5).
        if cancelled.is_some() {
            self.bucket_end(k, cancelled);
        }
        Ok(k)
    }

    /// Checks `tokens` against bucket `k` (a failure changes nothing);
    /// `None`: the bucket ended.
    fn tb_need(&mut self, k: Key, need: f64) -> Outcome<Option<&mut BucketRec>> {
        let rec = bucket(&mut self.sleeps, k);
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
        let Some(rec) = bucket(&mut self.sleeps, k) else {
            return Ok(Acquired::Gone);
        };
        if !aborted && rec.take(need, now) {
            return Ok(Acquired::Granted);
        }
        let tail = rec.tail;
        let x = WaiterRec {
            bucket: k,
            need,
            ms: timeout.unwrap_or(0.0),
            prev: tail,
            next: None,
            link: under.and(link),
        };
        let (w, cancelled) = self.timed(under, timeout, Kind::Waiter(x));
        if let Some(l) = under.and(link) {
            self.use_link(l);
        }
        match tail.and_then(|t| waiter(&mut self.sleeps, t)) {
            Some(t) => t.next = Some(w),
            None => {
                if let Some(rec) = bucket(&mut self.sleeps, k) {
                    rec.head = Some(w);
                }
            }
        }
        if let Some(rec) = bucket(&mut self.sleeps, k) {
            rec.tail = Some(w);
            rec.waiting += 1;
        }
        if let Some(r) = cancelled {
            // Refused at once, with the signal's reason.
            self.waiter_end(w, Some(r.to_f64()), true);
        } else if tail.is_none() {
            self.bucket_pump(k);
        }
        Ok(Acquired::Waiting(w))
    }

    /// Command: `reset()`: full again at `now`; waiters are granted what
    /// they can be.
    pub fn tb_reset(&mut self, k: Key, now: f64) {
        self.now = now;
        if let Some(rec) = bucket(&mut self.sleeps, k) {
            rec.tokens = rec.capacity;
            rec.stamp = now;
            self.bucket_pump(k);
        }
    }

    /// Tokens available at `now` (a getter: the count moves with the
    /// clock, nothing else changes). `None` once the bucket ended.
    pub fn tb_tokens(&mut self, k: Key, now: f64) -> Option<f64> {
        let rec = bucket(&mut self.sleeps, k)?;
        rec.refill(now);
        Some(rec.tokens)
    }

    /// Waiting acquires (0 once ended).
    pub fn tb_waiting(&self, k: Key) -> usize {
        match self.sleeps.get(k) {
            Some(SleepRec {
                kind: Kind::Bucket(b),
                ..
            }) => b.waiting,
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
        self.waiter_end(w, None, true);
    }

    /// Ends waiter `w` (invariant #4): out of its list, `BucketDone` with
    /// `reason` (none if `None`), its timer, node and link released; its
    /// bucket is pumped if `w` was at the front and `pump` (it passes its
    /// turn on). The one path every waiter ends by.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn waiter_end(&mut self, w: Key, reason: Option<f64>, pump: bool) {
        let t = &mut self.sleeps;
        let Some(x) = waiter(t, w) else {
            return;
        };
        let (b, prev, next, link) = (x.bucket, x.prev, x.next, x.link);
        if let Some(p) = prev.and_then(|p| waiter(t, p)) {
            p.next = next;
        }
        if let Some(n) = next.and_then(|n| waiter(t, n)) {
            n.prev = prev;
        }
        if let Some(rec) = bucket(t, b) {
            if prev.is_none() {
                rec.head = next;
            }
            if next.is_none() {
                rec.tail = prev;
            }
            rec.waiting -= 1;
        }
        self.untime(w, reason.map(|_| Op::BucketDone), reason.unwrap_or(0.0));
        if let Some(l) = link {
            self.unlink(l);
        }
        if prev.is_none() && pump {
            self.bucket_pump(b);
        }
    }

    /// The front waiter of bucket `k` and what it needs.
    #[cfg_attr(feature = "tiny", inline(never))]
    fn bucket_front(&mut self, k: Key) -> Option<(Key, f64)> {
        let w = bucket(&mut self.sleeps, k)?.head?;
        Some((w, waiter(&mut self.sleeps, w)?.need))
    }

    /// Grants from the front while the tokens last, then re-arms the refill
    /// timer (invariant #2); also the refill timer's event.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn bucket_pump(&mut self, k: Key) {
        let now = self.now;
        while let Some((w, need)) = self.bucket_front(k) {
            let Some(rec) = bucket(&mut self.sleeps, k) else {
                return;
            };
            rec.refill(now);
            if !enough(rec.tokens, need) {
                break;
            }
            rec.tokens = (rec.tokens - need).max(0.0);
            self.waiter_end(w, Some(GRANTED), false);
        }
        // The refill timer, for the moment the front waiter's tokens are
        // there; none if nobody waits or nothing refills (invariant #3:
        // waiters wait for a reset or their end).
        let front = self.bucket_front(k);
        let Some(rec) = bucket(&mut self.sleeps, k) else {
            return;
        };
        let (tokens, rate) = (rec.tokens, rec.rate);
        match front.filter(|_| rate > 0.0) {
            Some((_, need)) => self.retime(k, ((need - tokens) / rate).min(MAX_TIMER_MS)),
            None => {
                let old = self.sleeps.get_mut(k).and_then(|r| r.timer.take());
                self.clear_timer(old);
            }
        }
    }

    /// Ends bucket `k` (invariant #5); `reason` `None`: disposed.
    #[cfg_attr(feature = "tiny", inline(never))]
    pub(super) fn bucket_end(&mut self, k: Key, reason: Option<Key>) {
        if bucket(&mut self.sleeps, k).is_none() {
            return;
        }
        self.fx.push(
            Op::BucketEnd,
            k.to_f64(),
            reason.map_or(-1.0, Key::to_f64),
            0.0,
        );
        while let Some((w, _)) = self.bucket_front(k) {
            self.waiter_end(w, Some(ENDED), false);
        }
        self.untime(k, None, 0.0);
    }
}

#[cfg(test)]
#[path = "token_bucket_tests.rs"]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
#[path = "token_bucket_props.rs"]
mod props;
