//! Event objects → [`EventColumns`], for tests and for runtimes that hold events as values.

use super::{tag, Column, EventColumns};
use crate::intern::Interner;
use crate::interp;
use crate::ir::{self, Type};
use crate::value::Value;

/// Builds the columns of `program.event_paths` from event objects, one profile's worth. Rows
/// are sorted by `timestamp`, stably (of equal timestamps the later event stays later, i.e. is
/// the newer). An event whose `timestamp` is not a timestamp value is left out. A path through
/// an array is read with projection (as expressions read it); a cell whose value does not fit
/// the path's type is null (an int in a double column becomes a double).
pub fn columns_from_events(program: &ir::Program, events: &[Value], interner: &Interner) -> EventColumns {
    let mut timed: Vec<(i64, &Value)> = events
        .iter()
        .filter_map(|e| match e.get("timestamp") {
            Value::Timestamp(t) => Some((*t, e)),
            _ => None,
        })
        .collect();
    timed.sort_by_key(|(t, _)| *t);
    let mut out = EventColumns {
        timestamp: timed.iter().map(|(t, _)| *t).collect(),
        columns: Vec::with_capacity(program.event_paths.len()),
    };
    for path in &program.event_paths {
        let mut column = Column::default();
        for (_, event) in &timed {
            column.push(interp::get_path(event, &path.path), &path.ty, interner);
        }
        out.columns.push(column);
    }
    out
}

/// The value as the column type wants it, or null.
fn conform(v: Value, ty: &Type) -> Value {
    match (ty, &v) {
        (Type::Any | Type::Null, _) => v,
        (Type::Double, Value::Int(i)) => Value::Double(*i as f64),
        (Type::Bool, Value::Bool(_))
        | (Type::Int, Value::Int(_))
        | (Type::Double, Value::Double(_))
        | (Type::String, Value::String(_))
        | (Type::Timestamp, Value::Timestamp(_))
        | (Type::Date, Value::Date(_))
        | (Type::Array(_), Value::Array(_))
        | (Type::Object(_), Value::Object(_)) => v,
        _ => Value::Null,
    }
}

impl Column {
    /// Appends a string already interned as `id` (what [`Column::push`] makes of the string in
    /// a column whose type keeps strings).
    pub fn push_string(&mut self, id: u32) {
        self.tags.push(tag::STRING);
        self.bits.push(u64::from(id));
    }

    /// Appends one value as the column's type wants it: a value of another type is null, an
    /// int in a double column becomes a double (so an engine finds the type the checker
    /// promised), strings are interned, arrays and objects go to `complex`.
    pub fn push(&mut self, v: Value, ty: &Type, interner: &Interner) {
        let (t, bits) = match conform(v, ty) {
            Value::Null => (tag::NULL, 0),
            Value::Bool(b) => (tag::BOOL, u64::from(b)),
            Value::Int(i) => (tag::INT, i as u64),
            Value::Double(d) => (tag::DOUBLE, d.to_bits()),
            Value::String(s) => (tag::STRING, u64::from(interner.intern(&s))),
            Value::Timestamp(t) => (tag::TIMESTAMP, t as u64),
            Value::Date(d) => (tag::DATE, i64::from(d) as u64),
            complex @ (Value::Array(_) | Value::Object(_)) => {
                self.complex.push(complex);
                (tag::COMPLEX, (self.complex.len() - 1) as u64)
            }
        };
        self.tags.push(t);
        self.bits.push(bits);
    }
}
