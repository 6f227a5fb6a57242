//! Building a fragment from its records: replace, or upsert patch (SPEC 4).

use super::{Fragment, LeafSource};
use crate::identity::{Identity, Origin};
use crate::value::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Applies one profile record to the fragment of (`origin.dataset`, `primary`).
///
/// Records must be applied in ingestion order (`seq` ascending). Without `upsert` the record
/// replaces the fragment; with it the record patches it: objects merge recursively, scalars
/// and arrays present overwrite, an explicit `null` removes the field. Nulls never stay in a
/// fragment.
pub fn apply_record(
    fragment: Option<Fragment>,
    primary: &Identity,
    record: &Map,
    time: i64,
    seq: u64,
    origin: Origin,
    upsert: bool,
) -> Fragment {
    apply(fragment, primary, record, LeafSource { origin, time, seq }, upsert, true)
}

/// [`apply_record`] of a record from `source`, without the source of each leaf:
/// [`Fragment::origins`] stays empty. Merging needs no origins; only explaining a merge reads
/// them (`merge(.., explain: true)`), and keeping them costs a string per leaf of every record.
pub fn apply_record_untraced(
    fragment: Option<Fragment>,
    primary: &Identity,
    record: &Map,
    source: LeafSource,
    upsert: bool,
) -> Fragment {
    apply(fragment, primary, record, source, upsert, false)
}

fn apply(
    fragment: Option<Fragment>,
    primary: &Identity,
    record: &Map,
    source: LeafSource,
    upsert: bool,
    traced: bool,
) -> Fragment {
    let (time, seq) = (source.time, source.seq);
    match fragment {
        Some(old) if upsert && !traced => Fragment {
            attrs: patch(&old.attrs, record),
            time: old.time.max(time),
            seq: old.seq.max(seq),
            origins: BTreeMap::new(),
            ..old
        },
        Some(old) if upsert => {
            let attrs = patch(&old.attrs, record);
            let mut set = BTreeSet::new();
            leaves(record, "", &mut |path, v| {
                if !v.is_null() {
                    set.insert(path);
                }
            });
            let mut origins = BTreeMap::new();
            leaves(&attrs, "", &mut |path, _| {
                let s = if set.contains(&path) {
                    source
                } else {
                    old.origins.get(&path).copied().unwrap_or(source)
                };
                origins.insert(path, s);
            });
            Fragment {
                dataset: old.dataset,
                primary: old.primary,
                time: old.time.max(time),
                seq: old.seq.max(seq),
                attrs,
                origins,
            }
        }
        _ => {
            let attrs = strip_nulls(record);
            let mut origins = BTreeMap::new();
            if traced {
                leaves(&attrs, "", &mut |path, _| {
                    origins.insert(path, source);
                });
            }
            let dataset = source.origin.dataset;
            Fragment { dataset, primary: primary.clone(), time, seq, attrs, origins }
        }
    }
}

/// `old` patched by `rec` (upsert semantics).
fn patch(old: &Map, rec: &Map) -> Map {
    let mut out = old.clone();
    for (k, v) in rec {
        match v {
            Value::Null => {
                out.remove(k);
            }
            Value::Object(o) => {
                let merged = match out.get(k) {
                    Some(Value::Object(prev)) => patch(prev, o),
                    _ => strip_nulls(o),
                };
                out.insert(k.clone(), Value::Object(Arc::new(merged)));
            }
            other => {
                out.insert(k.clone(), other.clone());
            }
        }
    }
    out
}

/// The object without null fields, recursively through objects (arrays are leaves, kept whole).
fn strip_nulls(map: &Map) -> Map {
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::Object(o) => (k.clone(), Value::Object(Arc::new(strip_nulls(o)))),
            other => (k.clone(), other.clone()),
        })
        .collect()
}

/// Calls `f` with the dotted path of every leaf: non-objects and empty objects.
pub(crate) fn leaves(map: &Map, prefix: &str, f: &mut dyn FnMut(String, &Value)) {
    for (k, v) in map {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            Value::Object(o) if !o.is_empty() => leaves(o, &path, f),
            other => f(path, other),
        }
    }
}
