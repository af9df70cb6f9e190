//! Token buckets (go-go-scope 2.x's `TokenBucket`): [`TokenBucket`],
//! `Scope::token_bucket` and the [`TokenAcquire`] future. How many tokens
//! there are, who waits and who is granted when, are the machine's
//! (`machine/token_bucket.rs`); here are the waiters' cells, kept by the
//! waiter's key until its `BucketDone`.
//!
//! # Invariants
//!
//! 1. A waiter's cell is in the driver's table from `tb_acquire` until its
//!    `BucketDone` or the future's drop, whichever comes first; a drop
//!    before the end tells the machine (`tb_drop`), which passes the
//!    waiter's turn on with no `BucketDone`.
//! 2. The bucket ends once: its scope's cancellation, `dispose`, or the
//!    last handle dropped (a waiting future holds one). `BucketEnd` comes
//!    before its waiters' `BucketDone`s, so they find its reason kept.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::error::Error;
use super::once::{settle, Once};
use super::runtime::{Driver, Runtime};
use super::scope::Scope;
use super::signal::Reason;
use super::table::key;
use crate::machine::slab::Key;
use crate::machine::token_bucket::{Acquired, ENDED, GRANTED};

/// Options of a [`TokenBucket`] (go-go-scope 2.x's `{ capacity,
/// refillRate, initialTokens }`).
///
/// ```
/// # use go_go_scope_wasm::TokenBucketOptions;
/// // 10 tokens at most, 5 more per second, starting empty.
/// let o = TokenBucketOptions::new(10.0, 5.0).initial_tokens(0.0);
/// assert_eq!(o.initial_tokens, Some(0.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBucketOptions {
    /// Tokens it holds at most (its burst): a number > 0 (`f64::INFINITY`:
    /// no limit).
    pub capacity: f64,
    /// Tokens added per second: a finite number >= 0.
    pub refill_rate: f64,
    /// Tokens at the start, from 0 to `capacity` (`None`: `capacity`).
    pub initial_tokens: Option<f64>,
}

impl TokenBucketOptions {
    /// `capacity` tokens at most, `refill_rate` more per second, full.
    ///
    /// ```
    /// # use go_go_scope_wasm::TokenBucketOptions;
    /// assert_eq!(TokenBucketOptions::new(3.0, 1.0).initial_tokens, None);
    /// ```
    pub fn new(capacity: f64, refill_rate: f64) -> TokenBucketOptions {
        TokenBucketOptions {
            capacity,
            refill_rate,
            initial_tokens: None,
        }
    }

    /// Starts with `n` tokens instead of a full bucket.
    ///
    /// ```
    /// # use go_go_scope_wasm::TokenBucketOptions;
    /// assert_eq!(TokenBucketOptions::new(3.0, 1.0).initial_tokens(1.0).initial_tokens, Some(1.0));
    /// ```
    pub fn initial_tokens(mut self, n: f64) -> TokenBucketOptions {
        self.initial_tokens = Some(n);
        self
    }
}

/// One bucket's state, shared by its handles and futures.
pub(crate) struct BucketShared {
    drv: Rc<Driver>,
    key: Key,
    /// Why it ended, once it did.
    reason: RefCell<Option<Reason>>,
}

/// The handle users hold: the last one gone ends the bucket.
struct BucketHandle {
    shared: Rc<BucketShared>,
}

impl Drop for BucketHandle {
    fn drop(&mut self) {
        let sh = &self.shared;
        sh.drv.m.borrow_mut().tb_dispose(sh.key);
        sh.drv.run();
    }
}

/// What a waiting acquire and the driver share.
pub(crate) struct WaitCell {
    bucket: Rc<BucketShared>,
    once: RefCell<Once<Result<(), Reason>>>,
}

/// A token bucket rate limiter (go-go-scope 2.x's `TokenBucket`): up to
/// `capacity` tokens, `refill_rate` more per second. Waiting acquires are
/// granted in arrival order; one that stops waiting (its timeout, or its
/// future dropped) passes its turn on. One made by [`Scope::token_bucket`]
/// ends with its scope: its waiters fail with the scope's reason.
///
/// Cheap to clone (clones are the same bucket); the last clone dropped
/// ends it.
///
/// ```
/// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucket, TokenBucketOptions};
/// # use futures::FutureExt;
/// let host = ManualHost::new();
/// let rt = Runtime::new(host.clone());
/// // 2 tokens, 10 more per second.
/// let bucket = rt.token_bucket(TokenBucketOptions::new(2.0, 10.0)).unwrap();
/// assert!(bucket.try_acquire(2.0).unwrap());
/// let mut next = bucket.acquire(1.0).unwrap();
/// host.advance(99);
/// assert!((&mut next).now_or_never().is_none()); // 1 token takes 100 ms
/// host.advance(1);
/// assert_eq!(next.now_or_never(), Some(Ok(())));
/// ```
#[derive(Clone)]
pub struct TokenBucket {
    h: Rc<BucketHandle>,
}

impl Runtime {
    /// A token bucket on this runtime (see [`TokenBucket::new`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let b = rt.token_bucket(TokenBucketOptions::new(5.0, 1.0)).unwrap();
    /// assert_eq!(b.tokens(), 5.0);
    /// assert!(rt.token_bucket(TokenBucketOptions::new(0.0, 1.0)).unwrap_err().is_range());
    /// ```
    pub fn token_bucket(&self, options: TokenBucketOptions) -> Result<TokenBucket, Error> {
        TokenBucket::make(self.driver(), None, &options)
    }
}

impl Scope {
    /// A token bucket that ends with this scope (go-go-scope 2.x's
    /// `s.tokenBucket(options)`): its waiting and later acquires fail with
    /// the scope's abort reason. Fails on a disposed scope.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TokenBucketOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let s = rt.scope(ScopeOptions::default()).unwrap();
    /// let b = s.token_bucket(TokenBucketOptions::new(1.0, 1.0).initial_tokens(0.0)).unwrap();
    /// let waiting = b.acquire(1.0).unwrap();
    /// let _ = s.dispose();
    /// let reason = waiting.now_or_never().unwrap().unwrap_err();
    /// assert!(reason.is_disposed());
    /// ```
    pub fn token_bucket(&self, options: TokenBucketOptions) -> Result<TokenBucket, Error> {
        TokenBucket::make(self.drv(), Some(self.key()), &options)
    }
}

impl TokenBucket {
    /// A token bucket on this thread's runtime.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucket, TokenBucketOptions};
    /// # Runtime::set_current(Runtime::new(ManualHost::new()));
    /// let b = TokenBucket::new(TokenBucketOptions::new(100.0, 10.0)).unwrap();
    /// assert_eq!(b.tokens(), 100.0);
    /// ```
    pub fn new(options: TokenBucketOptions) -> Result<TokenBucket, Error> {
        Runtime::current().token_bucket(options)
    }

    fn make(
        drv: &Rc<Driver>,
        scope: Option<Key>,
        o: &TokenBucketOptions,
    ) -> Result<TokenBucket, Error> {
        let now = drv.now();
        let made =
            drv.m
                .borrow_mut()
                .tb_new(scope, o.capacity, o.refill_rate, o.initial_tokens, now);
        let k = made?;
        let shared = Rc::new(BucketShared {
            drv: drv.clone(),
            key: k,
            reason: RefCell::new(None),
        });
        let old = drv.buckets.borrow_mut().set(k, shared.clone());
        drop(old);
        drv.run(); // a cancelled scope's bucket ends at once
        Ok(TokenBucket {
            h: Rc::new(BucketHandle { shared }),
        })
    }

    fn shared(&self) -> &Rc<BucketShared> {
        &self.h.shared
    }

    /// Takes `tokens` now if they are there and nobody waits; never waits.
    /// `Ok(false)` once the bucket ended. Fails for `tokens` that are not
    /// a finite number from 0 to the capacity.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let b = rt.token_bucket(TokenBucketOptions::new(3.0, 0.0)).unwrap();
    /// assert_eq!(b.try_acquire(2.0), Ok(true));
    /// assert_eq!(b.try_acquire(2.0), Ok(false));
    /// assert!(b.try_acquire(4.0).unwrap_err().is_range());
    /// ```
    pub fn try_acquire(&self, tokens: f64) -> Result<bool, Error> {
        let sh = self.shared();
        let now = sh.drv.now();
        let r = sh.drv.m.borrow_mut().tb_try(sh.key, tokens, now);
        Ok(r?)
    }

    /// Waits (FIFO) until `tokens` are taken: the future gives `Ok(())`,
    /// or `Err(reason)` if the bucket ends first (its scope's reason, or
    /// "token bucket disposed"). Dropping it stops waiting and passes the
    /// turn on. Fails at once for bad `tokens`.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # use futures::FutureExt;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let b = rt.token_bucket(TokenBucketOptions::new(4.0, 1.0).initial_tokens(1.0)).unwrap();
    /// let big = b.acquire(4.0).unwrap();
    /// let mut small = b.acquire(1.0).unwrap(); // behind it: no barging
    /// assert!((&mut small).now_or_never().is_none());
    /// drop(big); // passes its turn on
    /// assert_eq!(small.now_or_never(), Some(Ok(())));
    /// ```
    pub fn acquire(&self, tokens: f64) -> Result<TokenAcquire, Error> {
        self.acquire_inner(tokens, 0.0)
    }

    /// [`TokenBucket::acquire`] with a timeout: after `timeout` the future
    /// gives `Err(reason)` with [`Reason::is_timeout`] ("timeout after
    /// \<N\>ms") and the waiter's turn passes on. `Duration::ZERO` is no
    /// timeout (as a task's `timeout: 0`).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # use futures::FutureExt;
    /// # use std::time::Duration;
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let b = rt.token_bucket(TokenBucketOptions::new(1.0, 0.0).initial_tokens(0.0)).unwrap();
    /// let w = b.acquire_timeout(1.0, Duration::from_millis(20)).unwrap();
    /// host.advance(20);
    /// let reason = w.now_or_never().unwrap().unwrap_err();
    /// assert_eq!(reason.to_string(), "timeout after 20ms");
    /// ```
    pub fn acquire_timeout(&self, tokens: f64, timeout: Duration) -> Result<TokenAcquire, Error> {
        self.acquire_inner(tokens, timeout.as_secs_f64() * 1000.0)
    }

    fn acquire_inner(&self, tokens: f64, timeout: f64) -> Result<TokenAcquire, Error> {
        let sh = self.shared();
        let drv = &sh.drv;
        let now = drv.now();
        let r = drv
            .m
            .borrow_mut()
            .tb_acquire(sh.key, tokens, timeout, None, now);
        let (key, out) = match r? {
            Acquired::Granted => (None, Some(Ok(()))),
            Acquired::Gone => (None, Some(Err(sh.reason()))),
            Acquired::Waiting(w) => (Some(w), None),
        };
        let cell = Rc::new(WaitCell {
            bucket: sh.clone(),
            once: RefCell::new(out.map_or_else(Once::default, Once::ready)),
        });
        if let Some(w) = key {
            let old = drv.bucket_waiters.borrow_mut().set(w, cell.clone());
            drop(old);
        }
        drv.run();
        Ok(TokenAcquire {
            bucket: self.clone(),
            key,
            cell,
        })
    }

    /// Tokens there now (0 once the bucket ended).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # let host = ManualHost::new();
    /// # let rt = Runtime::new(host.clone());
    /// let b = rt.token_bucket(TokenBucketOptions::new(10.0, 2.0).initial_tokens(0.0)).unwrap();
    /// host.advance(1500);
    /// assert_eq!(b.tokens(), 3.0);
    /// ```
    pub fn tokens(&self) -> f64 {
        let sh = self.shared();
        let now = sh.drv.now();
        let t = sh.drv.m.borrow_mut().tb_tokens(sh.key, now);
        t.unwrap_or(0.0)
    }

    /// Acquires waiting.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let b = rt.token_bucket(TokenBucketOptions::new(1.0, 1.0).initial_tokens(0.0)).unwrap();
    /// let _w = b.acquire(1.0).unwrap();
    /// assert_eq!(b.waiting(), 1);
    /// ```
    pub fn waiting(&self) -> usize {
        let sh = self.shared();
        let n = sh.drv.m.borrow().tb_waiting(sh.key);
        n
    }

    /// Fills the bucket; waiters are granted what they can be.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let b = rt.token_bucket(TokenBucketOptions::new(2.0, 0.0).initial_tokens(0.0)).unwrap();
    /// let w = b.acquire(2.0).unwrap();
    /// b.reset();
    /// assert_eq!(w.now_or_never(), Some(Ok(())));
    /// ```
    pub fn reset(&self) {
        let sh = self.shared();
        let now = sh.drv.now();
        sh.drv.m.borrow_mut().tb_reset(sh.key, now);
        sh.drv.run();
    }

    /// Ends the bucket: waiting and later acquires fail with "token bucket
    /// disposed" ([`Reason::is_disposed`]).
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, TokenBucketOptions};
    /// # use futures::FutureExt;
    /// # let rt = Runtime::new(ManualHost::new());
    /// let b = rt.token_bucket(TokenBucketOptions::new(1.0, 1.0).initial_tokens(0.0)).unwrap();
    /// let w = b.acquire(1.0).unwrap();
    /// b.dispose();
    /// assert_eq!(w.now_or_never().unwrap().unwrap_err().to_string(), "token bucket disposed");
    /// ```
    pub fn dispose(&self) {
        let sh = self.shared();
        sh.drv.m.borrow_mut().tb_dispose(sh.key);
        sh.drv.run();
    }
}

impl BucketShared {
    /// Why the bucket ended ("token bucket disposed" if it did not say).
    fn reason(&self) -> Reason {
        self.reason
            .borrow()
            .clone()
            .unwrap_or_else(Reason::bucket_disposed)
    }
}

impl fmt::Debug for TokenBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenBucket")
            .field("tokens", &self.tokens())
            .field("waiting", &self.waiting())
            .finish()
    }
}

/// The future of [`TokenBucket::acquire`]: `Ok(())` once the tokens are
/// taken, `Err(reason)` if the bucket ended or the timeout ran out first.
/// Dropping it while it waits leaves the queue and passes the turn on.
#[must_use = "an acquire does nothing unless awaited"]
pub struct TokenAcquire {
    /// Keeps the bucket alive while it waits.
    bucket: TokenBucket,
    /// The machine's waiter, while it waits (invariant #1).
    key: Option<Key>,
    cell: Rc<WaitCell>,
}

impl Future for TokenAcquire {
    type Output = Result<(), Reason>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let out = self.cell.once.borrow_mut().poll(cx);
        if out.is_ready() {
            self.key = None;
        }
        out
    }
}

impl Drop for TokenAcquire {
    fn drop(&mut self) {
        if let Some(w) = self.key.take() {
            let drv = self.bucket.shared().drv.clone();
            let cell = drv.bucket_waiters.borrow_mut().take(w);
            if cell.is_some() {
                drv.m.borrow_mut().tb_drop(w);
                drv.run();
            }
            drop(cell);
        }
    }
}

impl fmt::Debug for TokenAcquire {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenAcquire")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

impl Driver {
    /// `BucketDone(waiter, reason, timedOut)`.
    pub(crate) fn on_bucket_done(&self, w: f64, r: f64) {
        let Some(cell) = key(w).and_then(|k| self.bucket_waiters.borrow_mut().take(k)) else {
            return;
        };
        let out = if r == GRANTED {
            Ok(())
        } else if r == ENDED {
            Err(cell.bucket.reason())
        } else {
            Err(self.reason_of(r).unwrap_or_else(Reason::bucket_disposed))
        };
        settle(&cell.once, out);
    }

    /// `BucketEnd(bucket, reason)`: keep the reason.
    pub(crate) fn on_bucket_end(&self, b: f64, r: f64) {
        let Some(sh) = key(b).and_then(|k| self.buckets.borrow_mut().take(k)) else {
            return;
        };
        let reason = if r < 0.0 {
            Reason::bucket_disposed()
        } else {
            self.reason_of(r).unwrap_or_else(Reason::bucket_disposed)
        };
        *sh.reason.borrow_mut() = Some(reason);
    }
}
