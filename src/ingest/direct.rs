//! Reading an event line straight into the values ingest keeps: the fast path of sparse ingest.
//!
//! The sparse parse (`ingest::sparse`, `ingest::scan`) builds a slim JSON tree of the wanted
//! paths, from which ingest then takes the time, the `_id`, the identity fields and the rules'
//! fields, and drops the tree: a handful of allocations per line only to be freed. When every
//! wanted path ends at a leaf of the plan's trie (no path is a prefix of another), each leaf is
//! a *slot* and the scanner puts its value there instead ([`Slots`]). Lines the
//! scanner leaves (anything unusual: an array on a wanted path, a repeated wanted key, escapes
//! in keys, syntax errors) go the slim way, which gives the same event or serde's rejection.

use super::sparse::Trie;
use serde_json::Value;

/// The slot tree of a plan: a node's slot when a wanted path ends there, else its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub slot: Option<usize>,
    pub children: Vec<(String, Node)>,
}

/// Where each value ingest reads is among the slots of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slots {
    pub root: Node,
    pub count: usize,
    /// The slots of `_id` and of the dataset's time path.
    pub id: usize,
    pub time: usize,
    /// The slot of each identity field of the dataset, in its order.
    pub identity_fields: Vec<usize>,
    /// The slot of each kept event path, in the order of the batch's paths; no two alike.
    pub fields: Vec<usize>,
}

/// Most keys one object may want: repeats are found with a bit per wanted key.
const MAX_CHILDREN: usize = 64;

impl Slots {
    /// The slots of `trie` for `paths` (the kept event paths) and the dataset's own paths
    /// (`_id`, `time`, `identity_fields`, dotted); `None` when a path does not end at a leaf
    /// or `paths` repeats one.
    pub fn new(trie: &Trie, paths: &[Vec<String>], time: &str, identity_fields: &[&str]) -> Option<Slots> {
        if trie.is_whole() {
            return None;
        }
        let mut count = 0;
        let root = node(trie, &mut count)?;
        let dotted = |p: &str| -> Vec<String> { p.split('.').map(str::to_string).collect() };
        let slot = |path: &[String]| slot_of(&root, path);
        let fields: Vec<usize> = paths.iter().map(|p| slot(p)).collect::<Option<_>>()?;
        if (1..fields.len()).any(|i| fields[..i].contains(&fields[i])) {
            return None;
        }
        Some(Slots {
            id: slot(&dotted("_id"))?,
            time: slot(&dotted(time))?,
            identity_fields: identity_fields.iter().map(|p| slot(&dotted(p))).collect::<Option<_>>()?,
            fields,
            root,
            count,
        })
    }
}

/// The slot tree of `trie`, numbering its leaves from `count`.
fn node(trie: &Trie, count: &mut usize) -> Option<Node> {
    if trie.is_whole() {
        *count += 1;
        return Some(Node { slot: Some(*count - 1), children: Vec::new() });
    }
    let children: Vec<(String, Node)> =
        trie.children().map(|(k, t)| Some((k.clone(), node(t, count)?))).collect::<Option<_>>()?;
    (children.len() <= MAX_CHILDREN).then_some(Node { slot: None, children })
}

/// The slot at the end of `path`, when the path ends exactly at a leaf.
fn slot_of(root: &Node, path: &[String]) -> Option<usize> {
    let mut at = root;
    for key in path {
        if at.slot.is_some() {
            return None;
        }
        at = &at.children.iter().find(|(k, _)| k == key)?.1;
    }
    at.slot
}

/// A scanned value's text as serde_json would build it: plain strings and small non-negative
/// integers directly, anything else by serde_json from its text (`None`: not valid JSON, which
/// a scanned value always is).
pub fn value_of(raw: &str) -> Option<Value> {
    match raw.as_bytes().first()? {
        b'"' if !raw.contains('\\') => Some(Value::String(raw.get(1..raw.len() - 1)?.to_string())),
        b'1'..=b'9' if raw.len() < 19 && raw.bytes().all(|b| b.is_ascii_digit()) => {
            raw.parse::<u64>().ok().map(Value::from)
        }
        b't' => Some(Value::Bool(true)),
        b'f' => Some(Value::Bool(false)),
        b'n' => Some(Value::Null),
        _ => serde_json::from_str(raw).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(list: &[&str]) -> Vec<Vec<String>> {
        list.iter().map(|p| p.split('.').map(str::to_string).collect()).collect()
    }

    fn trie(list: &[&str]) -> Trie {
        let p = paths(list);
        Trie::new(p.iter().map(Vec::as_slice))
    }

    #[test]
    fn every_path_gets_the_slot_of_its_leaf() {
        let t = trie(&["eventType", "commerce.order.priceTotal", "_id", "timestamp", "crm.id"]);
        let slots =
            Slots::new(&t, &paths(&["commerce.order.priceTotal", "eventType"]), "timestamp", &["crm.id"])
                .expect("every path ends at a leaf");
        assert_eq!(slots.count, 5);
        let mut all = vec![slots.id, slots.time];
        all.extend(&slots.identity_fields);
        all.extend(&slots.fields);
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2, 3, 4], "one slot per distinct path");
    }

    #[test]
    fn a_path_through_or_short_of_a_leaf_has_no_slots() {
        // `web` is kept whole, so `web.name` would be read from inside its value.
        let t = trie(&["web", "web.name", "_id", "timestamp"]);
        assert_eq!(Slots::new(&t, &paths(&["web.name"]), "timestamp", &[]), None);
        // `a` is not a leaf: its value would be the slim object of `a.b`.
        let t = trie(&["a.b", "_id", "timestamp"]);
        assert_eq!(Slots::new(&t, &paths(&["a"]), "timestamp", &[]), None);
        assert_eq!(Slots::new(&Trie::new([[].as_slice()]), &[], "timestamp", &[]), None);
    }

    #[test]
    fn raw_values_read_as_serde_reads_them() {
        for raw in
            [r#""a""#, r#""a\"b""#, "12", "-1.5e3", "18446744073709551616", "true", "null", r#"{"a":[1]}"#]
        {
            assert_eq!(value_of(raw), serde_json::from_str::<Value>(raw).ok(), "{raw}");
        }
    }
}
