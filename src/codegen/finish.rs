//! Rust-side ends of a native call: profile leaves in, accumulators out as interpreter `Value`s.

use super::helpers::Runtime;
use super::layout::{total_key, Acc, Kind};
use crate::engine::tag;
use crate::intern::Interner;
use crate::ir::Function;
use crate::value::Value;

/// A payload of a kind as a `Value`.
pub fn value(kind: Kind, bits: i64, interner: &Interner) -> Value {
    match kind {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(bits != 0),
        Kind::Int => Value::Int(bits),
        Kind::Double => Value::Double(f64::from_bits(bits as u64)),
        Kind::Str => {
            if (bits as u64) < interner.len() as u64 {
                Value::String(interner.resolve(bits as u32))
            } else {
                Value::Null
            }
        }
        Kind::Timestamp => Value::Timestamp(bits),
        Kind::Date => Value::Date(bits as i32),
    }
}

/// The attribute's value from its accumulator (and pushed values), as the interpreter gives it.
pub fn finish(f: Function, kind: Option<Kind>, a: &Acc, pushed: &[(i64, i64)], interner: &Interner) -> Value {
    let kind = kind.unwrap_or(Kind::Null);
    if f == Function::Count {
        return Value::Int(a.n);
    }
    let none = match f {
        Function::List(_) | Function::CountDistinct => pushed.is_empty(),
        _ => a.n == 0,
    };
    if none {
        return Value::Null;
    }
    match f {
        Function::Count => Value::Int(a.n),
        Function::Sum if kind == Kind::Int => {
            if a.overflow != 0 {
                Value::Null
            } else {
                Value::Int(a.i)
            }
        }
        Function::Sum => Value::Double(a.f),
        Function::Avg => Value::Double(a.f / a.n as f64),
        Function::Min | Function::Max if kind == Kind::Double => value(kind, total_key(a.bits), interner),
        Function::Min | Function::Max | Function::MostRecent | Function::First => {
            value(kind, a.bits, interner)
        }
        Function::List(n) => {
            let items =
                pushed.iter().rev().take(n as usize).map(|(_, b)| value(kind, *b, interner)).collect();
            Value::array(items)
        }
        Function::CountDistinct => {
            let mut vals: Vec<Value> = pushed.iter().map(|(_, b)| value(kind, *b, interner)).collect();
            vals.sort_by(|x, y| x.total_cmp(y));
            vals.dedup();
            Value::Int(vals.len() as i64)
        }
    }
}

/// The cell (tag, bits) of a scalar profile leaf; anything else is null.
pub fn leaf(profile: &Value, path: &[String], rt: &Runtime) -> (u8, u64) {
    let mut v = profile;
    for seg in path {
        v = v.get(seg);
    }
    match v {
        Value::Bool(b) => (tag::BOOL, *b as u64),
        Value::Int(i) => (tag::INT, *i as u64),
        Value::Double(d) => (tag::DOUBLE, d.to_bits()),
        Value::String(s) => (tag::STRING, rt.interner.intern(s) as u64),
        Value::Timestamp(t) => (tag::TIMESTAMP, *t as u64),
        Value::Date(d) => (tag::DATE, *d as i64 as u64),
        _ => (tag::NULL, 0),
    }
}
