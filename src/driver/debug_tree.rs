//! `scope.debug_tree(format)` (go-go-scope 2.x's `s.debugTree()`): the
//! live tree of a scope, its tasks and child scopes, as text. Which rows,
//! in which order, with which states, is the machine's
//! (`machine/debug.rs`); here are the names and the text, as the
//! TypeScript executor's `debug-tree.ts` writes them.

use std::fmt::Write;

use super::scope::Scope;
use crate::machine::debug::{Row, State};

/// The text form of [`Scope::debug_tree`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum TreeFormat {
    /// Indented lines with `├─` / `└─` connectors.
    #[default]
    Ascii,
    /// A Mermaid `graph TD`.
    Mermaid,
}

fn state_word(s: State) -> &'static str {
    match s {
        State::Open => "",
        State::Aborted => "aborted",
        State::Disposing => "disposing",
        State::Running => "running",
        State::Queued => "queued",
        State::Retrying => "retrying",
    }
}

impl Scope {
    /// The live tree of this scope: its tasks (ids and states: running,
    /// queued, retrying) and child scopes (names; aborted or disposing),
    /// recursively. Empty once the scope finished disposing.
    ///
    /// ```
    /// # use go_go_scope_wasm::{ManualHost, Runtime, ScopeOptions, TaskOptions, TreeFormat};
    /// # let rt = Runtime::new(ManualHost::new());
    /// let root = rt.scope(ScopeOptions::default().name("request")).unwrap();
    /// let _t = root.task(|_| futures::future::pending::<Result<(), ()>>(), TaskOptions::default());
    /// let _db = root.child(ScopeOptions::default().name("db")).unwrap();
    /// assert_eq!(
    ///     root.debug_tree(TreeFormat::Ascii),
    ///     "📦 request\n├─ task #1 running\n└─ 📦 db"
    /// );
    /// assert_eq!(
    ///     root.debug_tree(TreeFormat::Mermaid),
    ///     "graph TD\n    n0[\"📦 request\"]\n    n0 --> n1[\"task #1 running\"]\n    n0 --> n2[\"📦 db\"]"
    /// );
    /// ```
    pub fn debug_tree(&self, format: TreeFormat) -> String {
        let drv = self.drv();
        let rows = drv.m.borrow().debug_rows(self.key());
        let label = |r: &Row| -> String {
            let state = state_word(r.state);
            if r.task {
                let id = drv.tasks.borrow().get(r.key).map_or(0, |t| t.task_id());
                let who = if id == 0 {
                    "task".to_string()
                } else {
                    format!("task #{id}")
                };
                return format!("{who} {state}");
            }
            let name = drv.scopes.borrow().get(r.key).and_then(|s| s.name.clone());
            let icon = match r.state {
                State::Aborted => "⚠️",
                State::Disposing => "💀",
                _ => "📦",
            };
            let name = name.as_deref().unwrap_or("scope");
            if state.is_empty() {
                format!("{icon} {name}")
            } else {
                format!("{icon} {name} ({state})")
            }
        };
        let mut out = String::new();
        if format == TreeFormat::Mermaid {
            out.push_str("graph TD");
        }
        // ASCII: the prefix of the rows under each depth's latest row.
        let mut pre: Vec<String> = vec![String::new()];
        for (i, r) in rows.iter().enumerate() {
            let text = label(r);
            if format == TreeFormat::Mermaid {
                let node = format!("n{i}[\"{}\"]", text.replace('"', "#quot;"));
                let _ = match r.parent {
                    None => write!(out, "\n    {node}"),
                    Some(p) => write!(out, "\n    n{p} --> {node}"),
                };
                continue;
            }
            let depth = r.depth as usize;
            if i > 0 {
                out.push('\n');
            }
            if depth > 0 {
                let up = pre.get(depth - 1).cloned().unwrap_or_default();
                out.push_str(&up);
                out.push_str(if r.last { "└─ " } else { "├─ " });
                pre.truncate(depth);
                pre.push(up + if r.last { "   " } else { "│  " });
            }
            out.push_str(&text);
        }
        out
    }
}
