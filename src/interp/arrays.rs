//! Array operations: filters, maps, quantifiers, aggregates, topN/bottomN and array methods.

use super::eval::{truthy, Env};
use super::ops::{self, eval_compare};
use crate::engine::EvalContext;
use crate::ir::{self, ArrayOp, CmpOp};
use crate::value::Value;
use std::cmp::Ordering;

/// The elements an array operation runs over: `xEvent` without copying, an array value, or
/// nothing (a null or non-array counts as the empty array).
fn elements<'a>(env: &Env<'a>, array: &ir::Expr) -> std::borrow::Cow<'a, [Value]> {
    use std::borrow::Cow;
    if matches!(array.kind, ir::ExprKind::Events) {
        return Cow::Borrowed(env.events);
    }
    match env.eval(array) {
        Value::Array(items) => Cow::Owned(items.to_vec()),
        _ => Cow::Owned(Vec::new()),
    }
}

/// Evaluates an [`ArrayOp`]: `inner` runs once per element, in scope `scope` bound to the element
/// (scopes deeper than `scope` are dropped). Without `inner`, the element itself is used.
pub fn eval_each(env: &Env, op: ArrayOp, array: &ir::Expr, scope: u32, inner: Option<&ir::Expr>) -> Value {
    let items = elements(env, array);
    static NULL: Value = Value::Null;
    let depth = scope as usize;
    let per = |item: &Value| -> Value {
        match inner {
            Some(e) => {
                // The element sits at index `scope`; missing outer scopes (malformed IR) read as null.
                let mut scopes: Vec<&Value> = env.scopes[..depth.min(env.scopes.len())].to_vec();
                scopes.resize(depth, &NULL);
                scopes.push(item);
                Env { scopes: &scopes, ..*env }.eval(e)
            }
            None => item.clone(),
        }
    };
    match op {
        ArrayOp::Filter => Value::array(items.iter().filter(|x| truthy(&per(x))).cloned().collect()),
        ArrayOp::Map => Value::array(items.iter().map(per).collect()),
        ArrayOp::Any => Value::Bool(items.iter().any(|x| truthy(&per(x)))),
        ArrayOp::All => Value::Bool(items.iter().all(|x| truthy(&per(x)))),
        ArrayOp::Sum => sum(items.iter().map(per)),
        ArrayOp::Average => average(items.iter().map(per)),
        ArrayOp::Min => extreme(items.iter().map(per), Ordering::Less),
        ArrayOp::Max => extreme(items.iter().map(per), Ordering::Greater),
        ArrayOp::TopN(n) => ranked(&items, items.iter().map(per).collect(), n, true),
        ArrayOp::BottomN(n) => ranked(&items, items.iter().map(per).collect(), n, false),
    }
}

/// `sum`: the sum of the numbers, nulls and non-numbers skipped. An int while every number is an
/// int (checked: overflow gives null), else a double added in element order. Null when there
/// is no number.
pub fn sum(values: impl Iterator<Item = Value>) -> Value {
    let mut int: Option<i64> = Some(0);
    let mut dbl = 0.0f64;
    let (mut any, mut all_int) = (false, true);
    for v in values {
        match v {
            Value::Int(i) => {
                int = int.and_then(|s| s.checked_add(i));
                dbl += i as f64;
            }
            Value::Double(d) => {
                all_int = false;
                dbl += d;
            }
            _ => continue,
        }
        any = true;
    }
    match (any, all_int) {
        (false, _) => Value::Null,
        (true, true) => int.map_or(Value::Null, Value::Int),
        (true, false) => Value::Double(dbl),
    }
}

/// `average`: the mean of the numbers as a double (summed as doubles in element order, then
/// divided by their count), nulls and non-numbers skipped; null when there is no number.
pub fn average(values: impl Iterator<Item = Value>) -> Value {
    let (mut total, mut n) = (0.0f64, 0u64);
    for v in values {
        if matches!(v, Value::Int(_) | Value::Double(_)) {
            total += ops::as_f64(&v);
            n += 1;
        }
    }
    if n == 0 {
        Value::Null
    } else {
        Value::Double(total / n as f64)
    }
}

/// `min` (`want` = Less) / `max` (Greater) over the non-null values by `Value::total_cmp`
/// (numbers numerically, NaN above every number); the first of equal extremes wins. Null when
/// every value is null.
pub fn extreme(values: impl Iterator<Item = Value>, want: Ordering) -> Value {
    let mut best: Option<Value> = None;
    for v in values.filter(|v| !v.is_null()) {
        match &best {
            Some(b) if v.total_cmp(b) != want => {}
            _ => best = Some(v),
        }
    }
    best.unwrap_or(Value::Null)
}

/// `topN(e, n)` (`top`) / `bottomN(e, n)`: elements ordered by their key `e` with
/// `Value::total_cmp`, largest first for topN (ties: later element first) and smallest first for
/// bottomN (ties: earlier element first); elements whose key is null come after all others (in
/// the same tie order); the first `n` are kept (none when `n` ≤ 0).
fn ranked(items: &[Value], keys: Vec<Value>, n: i64, top: bool) -> Value {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    idx.sort_by(|&a, &b| {
        let (ka, kb) = (&keys[a], &keys[b]);
        let nulls = ka.is_null().cmp(&kb.is_null());
        let by_key = if top { kb.total_cmp(ka) } else { ka.total_cmp(kb) };
        let tie = if top { b.cmp(&a) } else { a.cmp(&b) };
        nulls.then(if ka.is_null() { Ordering::Equal } else { by_key }).then(tie)
    });
    let n = usize::try_from(n.max(0)).unwrap_or(usize::MAX);
    Value::array(idx.into_iter().take(n).map(|i| items[i].clone()).collect())
}

/// `a.count()`: the number of elements (nulls included); 0 for a null or non-array.
pub fn eval_count(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Int(a.len() as i64),
        _ => Value::Int(0),
    }
}

/// `a.head()`: the first element; null for an empty array or a non-array.
pub fn eval_head(v: &Value) -> Value {
    match v {
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// `a.distinct()`: the elements without repeats (by value equality, so `1` and `1.0` are one
/// value), in first-seen order; null stays a value of its own. Null for a non-array.
pub fn eval_distinct(v: &Value) -> Value {
    let Value::Array(a) = v else {
        return Value::Null;
    };
    let mut out: Vec<Value> = Vec::new();
    for x in a.iter() {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    Value::array(out)
}

/// `a.includes(x)`: some element `= x` (comparison rules: never true for a null `x`).
pub fn eval_includes(a: &Value, x: &Value, ctx: &EvalContext) -> Value {
    let Value::Array(items) = a else {
        return Value::Bool(false);
    };
    Value::Bool(items.iter().any(|e| eval_compare(CmpOp::Eq, e, x, ctx)))
}

/// `a.intersects(b)`: some element of `a` `=` some element of `b`; false unless both are arrays.
pub fn eval_intersects(a: &Value, b: &Value, ctx: &EvalContext) -> Value {
    let (Value::Array(xs), Value::Array(ys)) = (a, b) else {
        return Value::Bool(false);
    };
    Value::Bool(xs.iter().any(|x| ys.iter().any(|y| eval_compare(CmpOp::Eq, x, y, ctx))))
}
