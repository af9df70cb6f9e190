//! Cancellation: a tree of tokens (scope → child scopes → tasks).
//!
//! The tree algorithm lives in [`tree`]; the binding owns one tree per wasm
//! instance and keeps a [`NodeId`] in every scope and task. AbortSignals are
//! views of nodes, made lazily and registered as listeners (see
//! `bindings/signal.rs`).

#[cfg(all(target_arch = "wasm32", feature = "tiny"))]
#[allow(unused_imports)]
use crate::prelude::*;

pub mod tree;

pub use tree::{AddListenerError, NodeId, TokenTree, UnknownNode};
