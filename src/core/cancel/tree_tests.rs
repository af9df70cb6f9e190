//! White-box tests of the token tree (invariants #1-#5 of tree.rs).
use super::*;

type Tree = TokenTree<&'static str, u32>;

#[test]
fn cancel_reaches_the_whole_subtree_and_nothing_else() {
    let mut t = Tree::new();
    let root = t.new_root();
    let a = t.new_child(root).unwrap();
    let a1 = t.new_child(a).unwrap();
    let b = t.new_child(root).unwrap();
    t.add_listener(a, 1).unwrap();
    t.add_listener(a1, 2).unwrap();
    t.add_listener(b, 3).unwrap();
    let fired = t.cancel(a, "why").unwrap();
    assert_eq!(fired, vec![(2, "why"), (1, "why")]);
    assert!(t.is_cancelled(a) && t.is_cancelled(a1));
    assert!(!t.is_cancelled(root) && !t.is_cancelled(b));
    assert_eq!(t.reason(a1), Some(&"why"));
}

#[test]
fn descendants_fire_before_ancestors_siblings_in_creation_order() {
    let mut t = Tree::new();
    let root = t.new_root();
    let c1 = t.new_child(root).unwrap();
    let c2 = t.new_child(root).unwrap();
    let g = t.new_child(c1).unwrap();
    t.add_listener(root, 0).unwrap();
    t.add_listener(c1, 1).unwrap();
    t.add_listener(c2, 2).unwrap();
    t.add_listener(g, 11).unwrap();
    let order: Vec<u32> = t
        .cancel(root, "r")
        .unwrap()
        .into_iter()
        .map(|x| x.0)
        .collect();
    assert_eq!(order, vec![11, 1, 2, 0]);
}

#[test]
fn second_cancel_keeps_first_reason_and_fires_nothing() {
    let mut t = Tree::new();
    let root = t.new_root();
    t.add_listener(root, 7).unwrap();
    assert_eq!(t.cancel(root, "first").unwrap().len(), 1);
    assert!(t.cancel(root, "second").unwrap().is_empty());
    assert_eq!(t.reason(root), Some(&"first"));
}

#[test]
fn child_of_cancelled_parent_is_born_cancelled() {
    let mut t = Tree::new();
    let root = t.new_root();
    t.cancel(root, "gone").unwrap();
    let c = t.new_child(root).unwrap();
    assert_eq!(t.reason(c), Some(&"gone"));
    assert_eq!(
        t.add_listener(c, 5),
        Err(AddListenerError::Cancelled(5, "gone"))
    );
}

#[test]
fn removal_is_swap_remove_and_keeps_slots_consistent() {
    let mut t = Tree::new();
    let root = t.new_root();
    let kids: Vec<_> = (0..5).map(|_| t.new_child(root).unwrap()).collect();
    t.remove(kids[1]).unwrap();
    t.remove(kids[0]).unwrap();
    // The survivors are still children and can still be removed.
    let mut left = t.children(root);
    left.sort_by_key(|k| k.index);
    assert_eq!(left, vec![kids[2], kids[3], kids[4]]);
    for k in &kids[2..] {
        t.remove(*k).unwrap();
    }
    assert!(t.children(root).is_empty());
    assert_eq!(t.len(), 1);
}

#[test]
fn removed_node_children_move_to_grandparent() {
    let mut t = Tree::new();
    let root = t.new_root();
    let mid = t.new_child(root).unwrap();
    let leaf = t.new_child(mid).unwrap();
    t.add_listener(leaf, 9).unwrap();
    t.remove(mid).unwrap();
    assert_eq!(t.parent(leaf), Some(root));
    assert_eq!(t.cancel(root, "x").unwrap(), vec![(9, "x")]);
}

#[test]
fn stale_ids_are_unknown_after_slot_reuse() {
    let mut t = Tree::new();
    let a = t.new_root();
    t.remove(a).unwrap();
    let b = t.new_root();
    assert_eq!(a.index, b.index);
    assert!(!t.contains(a));
    assert_eq!(t.cancel(a, "x"), Err(UnknownNode));
    assert_eq!(t.remove(a), Err(UnknownNode));
    assert!(t.contains(b));
}

#[test]
fn slots_are_reused_so_memory_stays_flat() {
    let mut t = Tree::new();
    let root = t.new_root();
    for _ in 0..10_000 {
        let c = t.new_child(root).unwrap();
        t.add_listener(c, 1).unwrap();
        t.remove(c).unwrap();
    }
    assert_eq!(t.slots.len(), 2);
    assert_eq!(t.len(), 1);
}

#[test]
fn take_listeners_empties_a_node() {
    let mut t = Tree::new();
    let root = t.new_root();
    t.add_listener(root, 1).unwrap();
    assert_eq!(t.listener_count(root), 1);
    assert_eq!(t.take_listeners(root), vec![1]);
    assert!(t.cancel(root, "r").unwrap().is_empty());
}
