//! The merge stage: one profile's records → fragments → merged entity (SPEC 4).
//!
//! Interim: replace/upsert fragments and per-leaf timestampOrdered / dataSetPrecedence; the
//! `merge` module (field strategies, explain) replaces the leaf rule once merged.

use crate::policy::{MergePolicy, MergeType};
use crate::value::{Map, Value};
use std::sync::Arc;

/// The fragment one dataset holds for one primary identity.
#[derive(Debug, Clone)]
pub struct Fragment {
    pub dataset: u32,
    pub time: i64,
    pub seq: u64,
    pub attrs: Map,
}

/// A merged entity.
#[derive(Debug, Default)]
pub struct Merged {
    pub entity: Map,
    /// Datasets whose fragments took part, ascending.
    pub sources: Vec<u32>,
    pub last_modified: Option<i64>,
}

/// Applies a typed record to a fragment: replace, or patch when `upsert`.
pub fn apply_record(
    old: Option<Fragment>,
    dataset: u32,
    record: &Map,
    time: i64,
    seq: u64,
    upsert: bool,
) -> Fragment {
    match old {
        Some(mut f) if upsert => {
            patch(&mut f.attrs, record);
            Fragment { dataset, time: f.time.max(time), seq, attrs: f.attrs }
        }
        _ => {
            let mut attrs = Map::new();
            patch(&mut attrs, record);
            Fragment { dataset, time, seq, attrs }
        }
    }
}

/// Objects merge recursively, other values overwrite, a null removes the field.
fn patch(into: &mut Map, from: &Map) {
    for (k, v) in from {
        match v {
            Value::Null => {
                into.remove(k);
            }
            Value::Object(src) => {
                let mut dst = match into.remove(k) {
                    Some(Value::Object(m)) => Arc::unwrap_or_clone(m),
                    _ => Map::new(),
                };
                patch(&mut dst, src);
                into.insert(k.clone(), Value::object(dst));
            }
            other => {
                into.insert(k.clone(), other.clone());
            }
        }
    }
}

/// Merges the fragments of one profile under `policy`. `rank` gives a dataset's place in the
/// policy's `order` (only used for dataSetPrecedence).
pub fn merge(fragments: &[Fragment], policy: &MergePolicy, rank: &dyn Fn(u32) -> usize) -> Merged {
    let mut order: Vec<&Fragment> = fragments.iter().collect();
    match policy.merge {
        MergeType::TimestampOrdered => order.sort_by_key(|f| std::cmp::Reverse((f.time, f.seq))),
        MergeType::DataSetPrecedence => order.sort_by(|a, b| {
            rank(a.dataset).cmp(&rank(b.dataset)).then((b.time, b.seq).cmp(&(a.time, a.seq)))
        }),
    }
    let mut merged = Merged::default();
    for f in order {
        fill(&mut merged.entity, &f.attrs);
        if !merged.sources.contains(&f.dataset) {
            merged.sources.push(f.dataset);
        }
        merged.last_modified = merged.last_modified.max(Some(f.time));
    }
    merged.sources.sort();
    merged
}

/// Sets every leaf of `from` that `into` does not hold yet.
fn fill(into: &mut Map, from: &Map) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (None, _) => {
                into.insert(k.clone(), v.clone());
            }
            (Some(Value::Object(dst)), Value::Object(src)) => fill(Arc::make_mut(dst), src),
            _ => {}
        }
    }
}
