//! Leaf strategies: how one leaf's value is picked or aggregated from its ranked candidates.

use crate::policy::Strategy;
use crate::value::Value;
use std::cmp::Ordering;
use std::sync::Arc;

/// Resolves a leaf from its candidates, best-ranked first (recency order for every strategy
/// but `oldest` and `dataSetPrecedence`, which rank by their own rule). Returns the value and
/// the index of the candidate credited with it. `values` must not be empty.
///
/// `sum`, `min` and `max` consider numeric candidates only and fall back to the first
/// candidate when there is none; `union` treats a non-array value as a one-element array and
/// skips null elements.
pub(super) fn resolve(strategy: Strategy, values: &[&Value]) -> Option<(Value, usize)> {
    let first = || values.first().map(|v| ((*v).clone(), 0));
    match strategy {
        Strategy::MostRecent | Strategy::Oldest | Strategy::DataSetPrecedence | Strategy::NonEmpty => first(),
        Strategy::MostFrequent => most_frequent(values),
        Strategy::Sum => sum(values).or_else(first),
        Strategy::Min => extreme(values, Ordering::Less).or_else(first),
        Strategy::Max => extreme(values, Ordering::Greater).or_else(first),
        Strategy::Union => union(values),
    }
}

/// The value held by most candidates; ties go to the value seen first (the most recent).
fn most_frequent(values: &[&Value]) -> Option<(Value, usize)> {
    let mut best: Option<(usize, usize)> = None; // (count, first index)
    for (i, v) in values.iter().enumerate() {
        if values[..i].iter().any(|p| p == v) {
            continue;
        }
        let count = values[i..].iter().filter(|w| *w == v).count();
        if best.is_none_or(|(c, _)| count > c) {
            best = Some((count, i));
        }
    }
    best.map(|(_, i)| (values[i].clone(), i))
}

fn is_number(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Double(_))
}

/// Sum of the numeric candidates: ints stay ints unless a double takes part or the sum overflows.
fn sum(values: &[&Value]) -> Option<(Value, usize)> {
    let winner = values.iter().position(|v| is_number(v))?;
    let mut int: Option<i64> = Some(0);
    let mut float = 0.0f64;
    for v in values {
        match v {
            Value::Int(i) => {
                int = int.and_then(|s| s.checked_add(*i));
                float += *i as f64;
            }
            Value::Double(d) => {
                int = None;
                float += d;
            }
            _ => {}
        }
    }
    let total = int.map_or(Value::Double(float), Value::Int);
    Some((total, winner))
}

/// The smallest (`Less`) or greatest (`Greater`) numeric candidate; ties go to the earlier one.
fn extreme(values: &[&Value], want: Ordering) -> Option<(Value, usize)> {
    let mut best: Option<usize> = None;
    for (i, v) in values.iter().enumerate().filter(|(_, v)| is_number(v)) {
        if best.is_none_or(|b| v.total_cmp(values[b]) == want) {
            best = Some(i);
        }
    }
    best.map(|i| (values[i].clone(), i))
}

/// Distinct elements in first-seen order, candidates taken best-ranked (newest) first.
fn union(values: &[&Value]) -> Option<(Value, usize)> {
    let mut out: Vec<Value> = Vec::new();
    for v in values {
        let items: &[Value] = match v {
            Value::Array(a) => a,
            other => std::slice::from_ref(*other),
        };
        for item in items.iter().filter(|x| !x.is_null()) {
            if !out.contains(item) {
                out.push(item.clone());
            }
        }
    }
    (!values.is_empty()).then(|| (Value::Array(Arc::new(out)), 0))
}
