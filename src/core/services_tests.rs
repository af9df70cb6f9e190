use super::*;

#[test]
fn insert_get_and_replace_keep_order() {
    let mut s = Services::new();
    s.insert("db".into(), 1);
    s.insert("cache".into(), 2);
    s.insert("db".into(), 3);
    assert_eq!(s.get("db"), Some(&3));
    assert_eq!(s.get("nope"), None);
    let keys: Vec<_> = s.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, vec!["db", "cache"]);
}

#[test]
fn child_copy_is_independent() {
    let mut parent = Services::new();
    parent.insert("db".into(), 1);
    let mut child = parent.clone();
    child.insert("cache".into(), 2);
    assert_eq!(child.get("db"), Some(&1));
    assert_eq!(parent.get("cache"), None);
    assert_eq!(parent.len(), 1);
}
