//! Event rows in columns → event objects, the form the interpreter evaluates paths on.

use crate::engine::{tag, Column, EventColumns};
use crate::intern::Interner;
use crate::ir;
use crate::value::{Map, Value};
use std::ops::Range;
use std::sync::Arc;

/// Builds one object per row of `rows`: each event path's cell is placed at its (nested) path,
/// and `timestamp` is always the row's record time. Null cells are left out (a missing field
/// is null anyway). When a path is a prefix of another (`commerce` and
/// `commerce.order.priceTotal`), the shorter one's value wins: it already holds the longer one.
/// Rows outside the columns give no object.
pub fn event_objects(
    paths: &[ir::EventPath],
    events: &EventColumns,
    rows: Range<usize>,
    interner: &Interner,
) -> Vec<Value> {
    event_objects_in(paths, None, events, rows, i64::MIN..=i64::MAX, interner)
}

/// [`event_objects`] of the rows whose record time is within `window` (µs), in row order, with
/// only the paths that `only` marks (`None`: all of them).
pub(super) fn event_objects_in(
    paths: &[ir::EventPath],
    only: Option<&[bool]>,
    events: &EventColumns,
    rows: Range<usize>,
    window: std::ops::RangeInclusive<i64>,
    interner: &Interner,
) -> Vec<Value> {
    let rows = rows.start.min(events.len())..rows.end.min(events.len());
    let rows = rows.filter(|&row| events.timestamp.get(row).is_some_and(|t| window.contains(t)));
    // One read lock for every string of the profile's events, not one per cell.
    interner.with_strings(|strings| {
        let mut out = Vec::new();
        for row in rows {
            let mut map = Map::new();
            for (k, (path, column)) in paths.iter().zip(&events.columns).enumerate() {
                let left_out = only.is_some_and(|only| !only.get(k).copied().unwrap_or(true));
                if left_out || (path.path.len() == 1 && path.path[0] == "timestamp") {
                    continue;
                }
                let value = cell(column, row, strings);
                if !value.is_null() {
                    insert_path(&mut map, &path.path, value);
                }
            }
            map.insert("timestamp".to_string(), Value::Timestamp(events.timestamp[row]));
            out.push(Value::object(map));
        }
        out
    })
}

/// The value of one cell, its string from `strings` (the interner's, by id); a malformed cell
/// (unknown tag, bad index or string id) is null.
fn cell(column: &Column, row: usize, strings: &[Arc<str>]) -> Value {
    let (Some(&t), Some(&bits)) = (column.tags.get(row), column.bits.get(row)) else {
        return Value::Null;
    };
    match t {
        tag::BOOL => Value::Bool(bits != 0),
        tag::INT => Value::Int(bits as i64),
        tag::DOUBLE => Value::Double(f64::from_bits(bits)),
        tag::STRING if (bits as usize) < strings.len() => Value::String(strings[bits as usize].clone()),
        tag::TIMESTAMP => Value::Timestamp(bits as i64),
        tag::DATE => Value::Date(bits as i64 as i32),
        tag::COMPLEX => column.complex.get(bits as usize).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// Sets `path` in `map` unless something is already there; a non-object in the way stops it.
fn insert_path(map: &mut Map, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    // The key is copied only when it is new (paths share their first segments).
    if rest.is_empty() {
        if !map.contains_key(first) {
            map.insert(first.clone(), value);
        }
        return;
    }
    if !map.contains_key(first) {
        map.insert(first.clone(), Value::object(Map::new()));
    }
    if let Some(Value::Object(inner)) = map.get_mut(first) {
        insert_path(Arc::make_mut(inner), rest, value);
    }
}
