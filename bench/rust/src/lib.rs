//! The Rust face's benchmark workloads, as async wasm-bindgen exports that
//! bench/rust.mjs times under Node (one call = one batch of `reps` programs,
//! timed from JavaScript). Each workload has go-go-scope-wasm ("ours") and
//! hand-written baselines on the same crates; every variant of a workload
//! does the same work and returns the same checksum (the smoke run checks
//! they agree).
//!
//! A counting global allocator (dlmalloc underneath, as every
//! wasm32-unknown-unknown program has) gives live bytes and allocation
//! counts ([`mem_stats`]); it costs every variant the same two additions
//! per allocation.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};

use futures::channel::{mpsc, oneshot};
use futures::future::join_all;
use futures::{SinkExt, StreamExt};
use go_go_scope_wasm::{scope, Channel, Runtime, Scope, ScopeOptions, TaskOptions};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

// ---- the counting allocator ---------------------------------------------

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static BLOCKS: AtomicUsize = AtomicUsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static ALLOC_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Sizes of the allocations made while tracing ([`trace_one`]), at most
/// `TRACE_MAX` (no allocation happens while recording one).
const TRACE_MAX: usize = 64;
static TRACING: AtomicUsize = AtomicUsize::new(0);
static TRACED: AtomicUsize = AtomicUsize::new(0);
static TRACE: [AtomicUsize; TRACE_MAX] = [const { AtomicUsize::new(0) }; TRACE_MAX];

fn trace(size: usize) {
    if TRACING.load(Relaxed) == 1 {
        let i = TRACED.fetch_add(1, Relaxed);
        if let Some(slot) = TRACE.get(i) {
            slot.store(size, Relaxed);
        }
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        trace(l.size());
        if !p.is_null() {
            LIVE.fetch_add(l.size(), Relaxed);
            BLOCKS.fetch_add(1, Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
            ALLOC_BYTES.fetch_add(l.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Relaxed);
        BLOCKS.fetch_sub(1, Relaxed);
    }

    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        trace(new);
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
            LIVE.fetch_add(new, Relaxed);
            ALLOCS.fetch_add(1, Relaxed);
            ALLOC_BYTES.fetch_add(new, Relaxed);
        }
        q
    }
}

#[global_allocator]
static A: Counting = Counting;

/// `[live bytes, live blocks, allocations so far, bytes allocated so far,
/// WebAssembly memory bytes]`. Live bytes are what the program asked for
/// (dlmalloc adds 4-8 bytes of header per block and rounds to 8).
#[wasm_bindgen]
pub fn mem_stats() -> Vec<f64> {
    vec![
        LIVE.load(Relaxed) as f64,
        BLOCKS.load(Relaxed) as f64,
        ALLOCS.load(Relaxed) as f64,
        ALLOC_BYTES.load(Relaxed) as f64,
        (core::arch::wasm32::memory_size(0) * 65536) as f64,
    ]
}

/// Whether the Rust face's runtime holds nothing (every scope ended), and
/// its counts.
#[wasm_bindgen]
pub fn ggs_live() -> String {
    let l = Runtime::current().live();
    if l.is_empty() {
        "all 0".into()
    } else {
        format!("{l:?}")
    }
}

// ---- small futures shared by the variants -------------------------------

/// Pending once (waking itself), then ready: one trip through the executor.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Something many futures await until the end (the memory workload): one
/// waker slot per waiter, updated in place when it is polled again.
#[derive(Clone, Default)]
struct Gate(Rc<GateInner>);

#[derive(Default)]
struct GateInner {
    open: Cell<bool>,
    wakers: RefCell<Vec<Waker>>,
}

struct GateWait {
    gate: Gate,
    slot: Option<usize>,
}

impl Gate {
    fn wait(&self) -> GateWait {
        GateWait {
            gate: self.clone(),
            slot: None,
        }
    }

    fn open(&self) {
        self.0.open.set(true);
        let ws = std::mem::take(&mut *self.0.wakers.borrow_mut());
        for w in ws {
            w.wake();
        }
    }
}

impl Future for GateWait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let g = self.gate.0.clone();
        if g.open.get() {
            return Poll::Ready(());
        }
        let mut ws = g.wakers.borrow_mut();
        match self.slot {
            Some(i) => {
                if !ws[i].will_wake(cx.waker()) {
                    ws[i] = cx.waker().clone();
                }
            }
            None => {
                ws.push(cx.waker().clone());
                self.slot = Some(ws.len() - 1);
            }
        }
        Poll::Pending
    }
}

fn new_scope() -> Scope {
    scope(ScopeOptions::default()).expect("scope")
}

async fn end(s: Scope) {
    s.dispose().await.expect("dispose");
}

/// Spawns `f` on wasm-bindgen-futures' executor; its output comes back
/// through a oneshot (the baselines' "task").
fn spawn_with<T: 'static>(f: impl Future<Output = T> + 'static) -> oneshot::Receiver<T> {
    let (tx, rx) = oneshot::channel();
    spawn_local(async move {
        let _ = tx.send(f.await);
    });
    rx
}

// ---- tasks ----------------------------------------------------------------

/// Fan-out, ours: a scope, `n` tasks each giving its index (`yields`: after
/// one trip through the executor), every handle awaited, the scope
/// disposed. Returns the sum over `reps` programs.
#[wasm_bindgen]
pub async fn fan_ours(n: u32, reps: u32, yields: bool) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let s = new_scope();
        let mut ts = Vec::with_capacity(n as usize);
        for i in 0..n {
            let t = s
                .task(
                    move |_ctx| async move {
                        if yields {
                            YieldOnce(false).await;
                        }
                        Ok::<u32, ()>(i)
                    },
                    TaskOptions::default(),
                )
                .expect("task");
            ts.push(t);
        }
        for t in ts {
            sum += u64::from(t.await.expect("task result"));
        }
        end(s).await;
    }
    sum as f64
}

/// Fan-out, the baseline: `spawn_local` + a oneshot per task,
/// `join_all` of the receivers (nothing to cancel, nothing to dispose).
#[wasm_bindgen]
pub async fn fan_base(n: u32, reps: u32, yields: bool) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let mut rxs = Vec::with_capacity(n as usize);
        for i in 0..n {
            rxs.push(spawn_with(async move {
                if yields {
                    YieldOnce(false).await;
                }
                i
            }));
        }
        for v in join_all(rxs).await {
            sum += u64::from(v.expect("oneshot"));
        }
    }
    sum as f64
}

/// Fan-out, the baseline with its receivers awaited one by one (no
/// `join_all`, whose `FuturesOrdered` allocates a node per future past 30).
#[wasm_bindgen]
pub async fn fan_base_seq(n: u32, reps: u32, yields: bool) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let mut rxs = Vec::with_capacity(n as usize);
        for i in 0..n {
            rxs.push(spawn_with(async move {
                if yields {
                    YieldOnce(false).await;
                }
                i
            }));
        }
        for rx in rxs {
            sum += u64::from(rx.await.expect("oneshot"));
        }
    }
    sum as f64
}

/// Scope cycle, ours: `scope`, one task, its result, `dispose().await`.
#[wasm_bindgen]
pub async fn cycle_ours(reps: u32) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let s = new_scope();
        let t = s
            .task(|_ctx| async { Ok::<u32, ()>(42) }, TaskOptions::default())
            .expect("task");
        sum += u64::from(t.await.expect("task result"));
        end(s).await;
    }
    sum as f64
}

/// Scope cycle, the baseline: one `spawn_local` + oneshot, awaited.
#[wasm_bindgen]
pub async fn cycle_base(reps: u32) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let rx = spawn_with(async { 42u32 });
        sum += u64::from(rx.await.expect("oneshot"));
    }
    sum as f64
}

// ---- channels -------------------------------------------------------------

/// The values producer `p` of `producers` sends, out of `n`.
fn share(n: u32, producers: u32, p: u32) -> std::ops::Range<u32> {
    let per = n / producers;
    let from = p * per;
    let to = if p + 1 == producers { n } else { from + per };
    from..to
}

/// Channel, ours: `producers` scope tasks send `n` values in all into
/// `s.channel::<u32>(cap)`, one scope task receives all `n`; the scope is
/// disposed after. Returns the sum over `reps` programs.
#[wasm_bindgen]
pub async fn chan_ours(producers: u32, n: u32, cap: u32, reps: u32) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let s = new_scope();
        let ch: Channel<u32> = s.channel(cap as usize).expect("channel");
        let mut ps = Vec::with_capacity(producers as usize);
        for p in 0..producers {
            let ch = ch.clone();
            let t = s.spawn(async move {
                for i in share(n, producers, p) {
                    ch.send(i).await.map_err(|_| ())?;
                }
                Ok::<(), ()>(())
            });
            ps.push(t.expect("producer"));
        }
        let rx = ch.clone();
        let consumer = s
            .spawn(async move {
                let mut got = 0u64;
                for _ in 0..n {
                    got += u64::from(rx.recv().await.ok_or(())?);
                }
                Ok::<u64, ()>(got)
            })
            .expect("consumer");
        for t in ps {
            t.await.expect("producer result");
        }
        sum += consumer.await.expect("consumer result");
        end(s).await;
    }
    sum as f64
}

/// Channel, ours through plain futures: the same scope channel, its
/// producers and consumer spawned with `spawn_local` (not scope tasks):
/// separates the channel's cost from the task wrapper's.
#[wasm_bindgen]
pub async fn chan_ours_local(producers: u32, n: u32, cap: u32, reps: u32) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let s = new_scope();
        let ch: Channel<u32> = s.channel(cap as usize).expect("channel");
        let mut ps = Vec::with_capacity(producers as usize);
        for p in 0..producers {
            let ch = ch.clone();
            ps.push(spawn_with(async move {
                for i in share(n, producers, p) {
                    ch.send(i).await.expect("send");
                }
            }));
        }
        let rx = ch.clone();
        let consumer = spawn_with(async move {
            let mut got = 0u64;
            for _ in 0..n {
                got += u64::from(rx.recv().await.expect("recv"));
            }
            got
        });
        for p in ps {
            p.await.expect("producer");
        }
        sum += consumer.await.expect("consumer");
        drop(ch);
        end(s).await;
    }
    sum as f64
}

/// Channel, async-channel: `bounded(cap)`, futures spawned with
/// `spawn_local`.
#[wasm_bindgen]
pub async fn chan_async_channel(producers: u32, n: u32, cap: u32, reps: u32) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let (tx, rx) = async_channel::bounded::<u32>(cap.max(1) as usize);
        let mut ps = Vec::with_capacity(producers as usize);
        for p in 0..producers {
            let tx = tx.clone();
            ps.push(spawn_with(async move {
                for i in share(n, producers, p) {
                    tx.send(i).await.expect("send");
                }
            }));
        }
        drop(tx);
        let consumer = spawn_with(async move {
            let mut got = 0u64;
            for _ in 0..n {
                got += u64::from(rx.recv().await.expect("recv"));
            }
            got
        });
        for p in ps {
            p.await.expect("producer");
        }
        sum += consumer.await.expect("consumer");
    }
    sum as f64
}

/// Channel, futures' mpsc: `channel(cap)` (each sender also has one
/// guaranteed slot of its own), futures spawned with `spawn_local`.
#[wasm_bindgen]
pub async fn chan_mpsc(producers: u32, n: u32, cap: u32, reps: u32) -> f64 {
    let mut sum = 0u64;
    for _ in 0..reps {
        let (tx, mut rx) = mpsc::channel::<u32>(cap as usize);
        let mut ps = Vec::with_capacity(producers as usize);
        for p in 0..producers {
            let mut tx = tx.clone();
            ps.push(spawn_with(async move {
                for i in share(n, producers, p) {
                    tx.send(i).await.expect("send");
                }
            }));
        }
        drop(tx);
        let consumer = spawn_with(async move {
            let mut got = 0u64;
            for _ in 0..n {
                got += u64::from(rx.next().await.expect("recv"));
            }
            got
        });
        for p in ps {
            p.await.expect("producer");
        }
        sum += consumer.await.expect("consumer");
    }
    sum as f64
}

// ---- memory ---------------------------------------------------------------

/// What `pending_start` left waiting for `pending_finish`.
enum Held {
    Ours(Scope, Vec<go_go_scope_wasm::Task<u32, ()>>),
    Base(Vec<oneshot::Receiver<u32>>),
}

thread_local! {
    static HELD: RefCell<Option<(Gate, Held)>> = const { RefCell::new(None) };
}

/// Starts `n` tasks that each await one gate (nothing else), and keeps
/// them: `ours` as tasks of one scope, else as `spawn_local` + oneshot.
/// JavaScript then lets the executor poll them and reads the memory;
/// `pending_finish` opens the gate and awaits them all.
#[wasm_bindgen]
pub fn pending_start(ours: bool, n: u32) {
    let gate = Gate::default();
    let held = if ours {
        let s = new_scope();
        let mut ts = Vec::with_capacity(n as usize);
        for i in 0..n {
            let g = gate.clone();
            let t = s
                .task(
                    move |_ctx| {
                        let w = g.wait();
                        async move {
                            w.await;
                            Ok::<u32, ()>(i)
                        }
                    },
                    TaskOptions::default(),
                )
                .expect("task");
            ts.push(t);
        }
        Held::Ours(s, ts)
    } else {
        let mut rxs = Vec::with_capacity(n as usize);
        for i in 0..n {
            let w = gate.wait();
            rxs.push(spawn_with(async move {
                w.await;
                i
            }));
        }
        Held::Base(rxs)
    };
    HELD.with(|h| *h.borrow_mut() = Some((gate, held)));
}

/// Opens the gate of `pending_start` and awaits every task; the sum.
#[wasm_bindgen]
pub async fn pending_finish() -> f64 {
    let Some((gate, held)) = HELD.with(|h| h.borrow_mut().take()) else {
        return -1.0;
    };
    gate.open();
    let mut sum = 0u64;
    match held {
        Held::Ours(s, ts) => {
            for t in ts {
                sum += u64::from(t.await.expect("task result"));
            }
            end(s).await;
        }
        Held::Base(rxs) => {
            for v in join_all(rxs).await {
                sum += u64::from(v.expect("oneshot"));
            }
        }
    }
    sum as f64
}

/// The sizes of the allocations one more pending task makes (`ours`: a
/// scope task, else `spawn_local` + oneshot) while `pending_start` holds
/// others: from its creation until the executor polled it (JavaScript
/// calls `trace_begin`, lets the executor run, then `trace_end`).
#[wasm_bindgen]
pub fn trace_begin(ours: bool) {
    let held = HELD.with(|h| {
        h.borrow()
            .as_ref()
            .map(|(g, held)| (g.clone(), matches!(held, Held::Ours(..))))
    });
    let Some((gate, is_ours)) = held else { return };
    if is_ours != ours {
        return;
    }
    // The handles' Vec grows before the trace, not in it.
    HELD.with(|h| match h.borrow_mut().as_mut() {
        Some((_, Held::Ours(_, ts))) => ts.reserve(1),
        Some((_, Held::Base(rxs))) => rxs.reserve(1),
        None => {}
    });
    TRACED.store(0, Relaxed);
    TRACING.store(1, Relaxed);
    HELD.with(|h| {
        if let Some((_, held)) = h.borrow_mut().as_mut() {
            let i = 0u32;
            match held {
                Held::Ours(s, ts) => {
                    let g = gate.clone();
                    let t = s
                        .task(
                            move |_ctx| {
                                let w = g.wait();
                                async move {
                                    w.await;
                                    Ok::<u32, ()>(i)
                                }
                            },
                            TaskOptions::default(),
                        )
                        .expect("task");
                    ts.push(t);
                }
                Held::Base(rxs) => {
                    let w = gate.wait();
                    rxs.push(spawn_with(async move {
                        w.await;
                        i
                    }));
                }
            }
        }
    });
}

/// Ends the trace of `trace_begin`: the allocation sizes, in order.
#[wasm_bindgen]
pub fn trace_end() -> Vec<f64> {
    TRACING.store(0, Relaxed);
    let n = TRACED.load(Relaxed).min(TRACE_MAX);
    TRACE
        .iter()
        .take(n)
        .map(|a| a.load(Relaxed) as f64)
        .collect()
}

/// The sizes of the allocations of one scope cycle (scope, one task, its
/// result, `dispose().await`), after one untraced cycle.
#[wasm_bindgen]
pub async fn trace_cycle() -> Vec<f64> {
    cycle_ours(1).await;
    TRACED.store(0, Relaxed);
    TRACING.store(1, Relaxed);
    cycle_ours(1).await;
    trace_end()
}
