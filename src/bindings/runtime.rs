//! The one mutable state of a wasm instance: the token tree and the tables of
//! live scopes, tasks and signal links, behind a single `RefCell`.
//!
//! # The borrow rule
//!
//! [`with`] lends the runtime to a closure that must not call user JS: no
//! user function, no getter on a user object, no `abort()` (its listeners are
//! user code). Callers take what they need out of the closure, let the borrow
//! end, and only then call out (STYLE #4). A violation shows up as an
//! "internal error" exception, never as a panic.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use wasm_bindgen::JsValue;

use super::js;
use super::poll::PollEntry;
use super::scope::ScopeEntry;
use super::signal::{Link, Listener, Reason};
use super::stream::StreamEntry;
use super::task::TaskEntry;
use crate::core::cancel::TokenTree;
use crate::core::task::TaskIds;

/// Hashes sequential ids by one multiplication (Fibonacci hashing): the ids
/// are trusted, so no DoS-resistant hasher is needed.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(crate) type IdMap<T> = HashMap<u64, T, BuildHasherDefault<IdHasher>>;

pub(crate) struct Runtime {
    pub tree: TokenTree<Reason, Listener>,
    pub scopes: IdMap<ScopeEntry>,
    pub tasks: IdMap<TaskEntry>,
    pub links: IdMap<Link>,
    pub task_ids: TaskIds,
    pub last_scope_id: u64,
    pub last_link_id: u64,
    pub polls: IdMap<PollEntry>,
    pub streams: IdMap<StreamEntry>,
    /// Last poll or stream id (they share one counter).
    pub last_poll_id: u64,
}

thread_local! {
    static RUNTIME: RefCell<Runtime> = RefCell::new(Runtime {
        tree: TokenTree::new(),
        scopes: IdMap::default(),
        tasks: IdMap::default(),
        links: IdMap::default(),
        task_ids: TaskIds::default(),
        last_scope_id: 0,
        last_link_id: 0,
        polls: IdMap::default(),
        streams: IdMap::default(),
        last_poll_id: 0,
    });
}

/// Lends the runtime to `f` (see the borrow rule above).
pub(crate) fn with<R>(f: impl FnOnce(&mut Runtime) -> R) -> Result<R, JsValue> {
    RUNTIME.with(|rt| match rt.try_borrow_mut() {
        Ok(mut rt) => Ok(f(&mut rt)),
        Err(_) => Err(js::internal("runtime borrowed re-entrantly")),
    })
}

/// Sizes of the live tables: what the leak tests read.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = __liveCounts)]
pub fn live_counts() -> Result<Vec<f64>, JsValue> {
    with(|rt| {
        vec![
            rt.scopes.len() as f64,
            rt.tasks.len() as f64,
            rt.tree.len() as f64,
            rt.links.len() as f64,
        ]
    })
}

/// Live polls and streams (`[polls, streams]`): what their leak tests read.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = __livePollStreamCounts)]
pub fn live_poll_stream_counts() -> Result<Vec<f64>, JsValue> {
    with(|rt| vec![rt.polls.len() as f64, rt.streams.len() as f64])
}

/// Bytes of WebAssembly linear memory (it only grows): what the memory
/// checks read.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = __wasmMemoryBytes)]
pub fn wasm_memory_bytes() -> f64 {
    (std::arch::wasm32::memory_size::<0>() * 65536) as f64
}

/// JS values the wasm side holds right now (wasm-bindgen's externref
/// table): what the leak checks read next to [`live_counts`].
#[wasm_bindgen::prelude::wasm_bindgen(js_name = __externrefLive)]
pub fn externref_live() -> f64 {
    wasm_bindgen::externref_heap_live_count() as f64
}
