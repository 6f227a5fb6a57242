//! Operators: comparison, arithmetic, negation and `in`.

use super::time;
use crate::engine::EvalContext;
use crate::ir::{ArithOp, CmpOp};
use crate::value::Value;
use std::cmp::Ordering;

/// How two values compare, or `None` when they cannot be compared: a null operand, different
/// kinds (a string and a number …), a NaN. Numbers compare numerically (an int and a double
/// exactly, without rounding the int), strings by bytes, timestamps and dates in time order (a
/// date against a timestamp is its midnight in the project's time zone). Bools, arrays and
/// objects are only equal or not: for them `Some(Less)` is never returned and `<`-style
/// operators are false.
pub fn compare(a: &Value, b: &Value, ctx: &EvalContext) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Int(_) | Double(_), Int(_) | Double(_)) => {
            if matches!(a, Double(d) if d.is_nan()) || matches!(b, Double(d) if d.is_nan()) {
                None
            } else if let (Double(x), Double(y)) = (a, b) {
                // IEEE order, so that -0.0 = 0.0 (total order would put -0.0 first).
                x.partial_cmp(y)
            } else {
                Some(a.total_cmp(b))
            }
        }
        (String(x), String(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Timestamp(x), Timestamp(y)) => Some(x.cmp(y)),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (Timestamp(x), Date(d)) => Some(x.cmp(&time::date_midnight(*d, &ctx.tz)?)),
        (Date(d), Timestamp(y)) => Some(time::date_midnight(*d, &ctx.tz)?.cmp(y)),
        (Bool(_), Bool(_)) | (Array(_), Array(_)) | (Object(_), Object(_)) => Some(a.total_cmp(b)),
        _ => None,
    }
}

/// `a op b`: false when the values cannot be compared (see [`compare`]), `!=` included; bools,
/// arrays and objects support only `=` and `!=`.
pub fn eval_compare(op: CmpOp, a: &Value, b: &Value, ctx: &EvalContext) -> bool {
    let Some(ord) = compare(a, b, ctx) else {
        return false;
    };
    let ordered = !matches!(a, Value::Bool(_) | Value::Array(_) | Value::Object(_));
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ordered && ord == Ordering::Less,
        CmpOp::Le => ordered && ord != Ordering::Greater,
        CmpOp::Gt => ordered && ord == Ordering::Greater,
        CmpOp::Ge => ordered && ord != Ordering::Less,
    }
}

/// `a op b` on numbers. Null (or a non-number) on either side gives null. `/` is real division:
/// always a double (`7 / 2` is 3.5, as `check` types it). Otherwise int with int stays an int,
/// checked (overflow gives null; `%` takes the dividend's sign; `%` by zero gives null). Int
/// with double: the int becomes a double. Doubles: IEEE, except that `/` and `%` by zero give
/// null; `%` is the truncated remainder (C's fmod, Rust's `%`).
pub fn eval_arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) if op != ArithOp::Div => {
            int_arith(op, *x, *y).map_or(Value::Null, Value::Int)
        }
        (Value::Int(_) | Value::Double(_), Value::Int(_) | Value::Double(_)) => {
            double_arith(op, as_f64(a), as_f64(b)).map_or(Value::Null, Value::Double)
        }
        _ => Value::Null,
    }
}

fn int_arith(op: ArithOp, x: i64, y: i64) -> Option<i64> {
    match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => x.checked_mul(y),
        // Unreached: `/` is real division (see `eval_arith`).
        ArithOp::Div => None,
        ArithOp::Rem => x.checked_rem(y),
    }
}

fn double_arith(op: ArithOp, x: f64, y: f64) -> Option<f64> {
    match op {
        ArithOp::Add => Some(x + y),
        ArithOp::Sub => Some(x - y),
        ArithOp::Mul => Some(x * y),
        ArithOp::Div if y == 0.0 => None,
        ArithOp::Div => Some(x / y),
        ArithOp::Rem if y == 0.0 => None,
        ArithOp::Rem => Some(x % y),
    }
}

/// A number as a double (other values: NaN, never reached by callers).
pub fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Double(d) => *d,
        _ => f64::NAN,
    }
}

/// `-e`: checked for ints (`-i64::MIN` gives null), null for non-numbers.
pub fn eval_neg(v: &Value) -> Value {
    match v {
        Value::Int(i) => i.checked_neg().map_or(Value::Null, Value::Int),
        Value::Double(d) => Value::Double(-d),
        _ => Value::Null,
    }
}

/// `e in list`: true when `e = x` (see [`eval_compare`]) for some element `x`; false for a null
/// `e` or a list that is not an array. `e notIn list`: false for a null `e` or a non-array list,
/// otherwise the negation of `in`.
pub fn eval_in(negated: bool, v: &Value, list: &Value, ctx: &EvalContext) -> bool {
    let Value::Array(items) = list else {
        return false;
    };
    if v.is_null() {
        return false;
    }
    let found = items.iter().any(|x| eval_compare(CmpOp::Eq, v, x, ctx));
    found != negated
}
