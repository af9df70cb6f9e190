//! Model-based property tests of the token tree: random roots, children,
//! listeners, cancels and removals, compared with a naive model (a map of
//! node → parent, reason, listeners). A cancel reaches exactly the live
//! subtree that was not cancelled yet, nothing outside it; removal re-homes
//! children so the structure stays as modelled; every listener is handed
//! back at most once, and exactly once if its node is cancelled while it
//! still waits; descendants' listeners come before their ancestors'.
use std::collections::{HashMap, HashSet};

use proptest::prelude::*;

use super::*;

type Tree = TokenTree<u32, u32>;

#[derive(Clone, Debug)]
enum Op {
    Root,
    /// A child of the node made at this position (modulo), possibly removed.
    Child(usize),
    Listen(usize),
    Cancel(usize),
    Remove(usize),
    TakeListeners(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Root),
        6 => any::<usize>().prop_map(Op::Child),
        4 => any::<usize>().prop_map(Op::Listen),
        2 => any::<usize>().prop_map(Op::Cancel),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => any::<usize>().prop_map(Op::TakeListeners),
    ]
}

struct MNode {
    parent: Option<NodeId>,
    reason: Option<u32>,
    listeners: Vec<u32>,
}

#[derive(Default)]
struct Model {
    nodes: HashMap<NodeId, MNode>,
}

impl Model {
    /// Live nodes in the subtree of `id` (itself included).
    fn subtree(&self, id: NodeId) -> HashSet<NodeId> {
        let mut out = HashSet::new();
        for &n in self.nodes.keys() {
            let mut cur = Some(n);
            while let Some(c) = cur {
                if c == id {
                    out.insert(n);
                    break;
                }
                cur = self.nodes.get(&c).and_then(|m| m.parent);
            }
        }
        out
    }
}

proptest! {
    #![proptest_config(crate::core::prop_config())]

    #[test]
    fn matches_the_model(ops in prop::collection::vec(op(), 1..150)) {
        let mut t = Tree::new();
        let mut m = Model::default();
        let mut made: Vec<NodeId> = Vec::new();
        let mut next = 0u32;
        // Listener → times handed back (by cancel, add_listener, remove,
        // take_listeners).
        let mut handed: HashMap<u32, u32> = HashMap::new();

        let root = t.new_root();
        m.nodes.insert(root, MNode { parent: None, reason: None, listeners: Vec::new() });
        made.push(root);

        for op in ops {
            let pick = |i: usize| made[i % made.len()];
            match op {
                Op::Root => {
                    let id = t.new_root();
                    prop_assert!(!m.nodes.contains_key(&id), "a new id names a live node");
                    m.nodes.insert(id, MNode { parent: None, reason: None, listeners: Vec::new() });
                    made.push(id);
                }
                Op::Child(i) => {
                    let p = pick(i);
                    match t.new_child(p) {
                        Ok(id) => {
                            let reason = m.nodes.get(&p).map(|n| n.reason);
                            prop_assert!(reason.is_some(), "child of an unknown node");
                            prop_assert!(!m.nodes.contains_key(&id));
                            m.nodes.insert(id, MNode { parent: Some(p), reason: reason.flatten(), listeners: Vec::new() });
                            made.push(id);
                        }
                        Err(UnknownNode) => prop_assert!(!m.nodes.contains_key(&p)),
                    }
                }
                Op::Listen(i) => {
                    let id = pick(i);
                    let l = next;
                    next += 1;
                    match t.add_listener(id, l) {
                        Ok(()) => {
                            let n = m.nodes.get_mut(&id);
                            prop_assert!(n.as_ref().is_some_and(|n| n.reason.is_none()));
                            if let Some(n) = n { n.listeners.push(l); }
                        }
                        Err(AddListenerError::Cancelled(back, r)) => {
                            prop_assert_eq!(back, l);
                            prop_assert_eq!(Some(r), m.nodes.get(&id).and_then(|n| n.reason));
                            *handed.entry(l).or_default() += 1;
                        }
                        Err(AddListenerError::Unknown(back)) => {
                            prop_assert_eq!(back, l);
                            prop_assert!(!m.nodes.contains_key(&id));
                            *handed.entry(l).or_default() += 1;
                        }
                    }
                }
                Op::Cancel(i) => {
                    let id = pick(i);
                    let reason = next;
                    next += 1;
                    match t.cancel(id, reason) {
                        Ok(fired) => {
                            // Newly cancelled: the live subtree minus what was
                            // cancelled already (whose subtrees are too).
                            let newly: HashSet<NodeId> = m.subtree(id).into_iter()
                                .filter(|n| m.nodes[n].reason.is_none()).collect();
                            let mut want: Vec<u32> = Vec::new();
                            let mut owner: HashMap<u32, NodeId> = HashMap::new();
                            for n in &newly {
                                let mn = m.nodes.get_mut(n).ok_or_else(|| TestCaseError::fail("model"))?;
                                mn.reason = Some(reason);
                                owner.extend(mn.listeners.iter().map(|l| (*l, *n)));
                                want.append(&mut mn.listeners);
                            }
                            let mut got: Vec<u32> = Vec::new();
                            for (l, r) in fired {
                                prop_assert_eq!(r, reason);
                                got.push(l);
                                *handed.entry(l).or_default() += 1;
                            }
                            // Invariant #6: no listener of a node comes after
                            // one of its ancestors'.
                            for (i, a) in got.iter().enumerate() {
                                let sub = m.subtree(owner[a]);
                                for b in &got[i + 1..] {
                                    prop_assert!(
                                        owner[b] == owner[a] || !sub.contains(&owner[b]),
                                        "a descendant's listener fired after its ancestor's"
                                    );
                                }
                            }
                            got.sort_unstable();
                            want.sort_unstable();
                            prop_assert_eq!(got, want);
                        }
                        Err(UnknownNode) => prop_assert!(!m.nodes.contains_key(&id)),
                    }
                }
                Op::Remove(i) => {
                    let id = pick(i);
                    match t.remove(id) {
                        Ok(mut left) => {
                            let gone = m.nodes.remove(&id).ok_or_else(|| TestCaseError::fail("removed an unknown node"))?;
                            for n in m.nodes.values_mut() {
                                if n.parent == Some(id) {
                                    n.parent = gone.parent;
                                }
                            }
                            let mut want = gone.listeners;
                            left.sort_unstable();
                            want.sort_unstable();
                            for l in &left {
                                *handed.entry(*l).or_default() += 1;
                            }
                            prop_assert_eq!(left, want);
                        }
                        Err(UnknownNode) => prop_assert!(!m.nodes.contains_key(&id)),
                    }
                }
                Op::TakeListeners(i) => {
                    let id = pick(i);
                    let mut got = t.take_listeners(id);
                    let mut want = m.nodes.get_mut(&id).map(|n| std::mem::take(&mut n.listeners)).unwrap_or_default();
                    got.sort_unstable();
                    want.sort_unstable();
                    for l in &got {
                        *handed.entry(*l).or_default() += 1;
                    }
                    prop_assert_eq!(got, want);
                }
            }

            // Structure, cancellation and listeners agree with the model.
            prop_assert_eq!(t.len(), m.nodes.len());
            for &id in &made {
                match m.nodes.get(&id) {
                    Some(n) => {
                        prop_assert!(t.contains(id));
                        prop_assert_eq!(t.parent(id), n.parent);
                        prop_assert_eq!(t.reason(id).copied(), n.reason);
                        prop_assert_eq!(t.listener_count(id), n.listeners.len());
                        // Invariant #1: a cancelled node's children are cancelled.
                        if let Some(p) = n.parent {
                            if t.is_cancelled(p) {
                                prop_assert!(t.is_cancelled(id));
                            }
                        }
                        // Invariant #2: each child's slot points back at it.
                        for (slot, c) in t.children(id).iter().enumerate() {
                            prop_assert_eq!(t.node(*c).map(|cn| cn.parent_slot), Some(slot));
                            prop_assert_eq!(t.parent(*c), Some(id));
                        }
                    }
                    None => {
                        prop_assert!(!t.contains(id));
                        prop_assert!(!t.is_cancelled(id));
                    }
                }
            }
            // Every listener is handed back at most once.
            prop_assert!(handed.values().all(|&n| n == 1), "a listener was handed back twice");
        }
        // Cancelling every root fires every listener still waiting, once.
        let waiting: usize = m.nodes.values().map(|n| n.listeners.len()).sum();
        let roots: Vec<NodeId> = m.nodes.iter().filter(|(_, n)| n.parent.is_none()).map(|(id, _)| *id).collect();
        let mut fired = 0;
        for r in roots {
            fired += t.cancel(r, u32::MAX).map(|f| f.len()).unwrap_or(0);
        }
        prop_assert_eq!(fired, waiting);
        prop_assert!(m.nodes.keys().all(|id| t.is_cancelled(*id)));
    }
}
