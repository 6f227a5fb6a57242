//! Runtime values: what records, events, profiles and expression results are made of.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;

/// An object's fields, sorted by key (so output is deterministic).
pub type Map = BTreeMap<String, Value>;

/// A PQL value. Timestamps are microseconds since the Unix epoch (UTC); dates are days since
/// 1970-01-01.
#[derive(Debug, Clone, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Double(f64),
    String(Arc<str>),
    Timestamp(i64),
    Date(i32),
    Array(Arc<Vec<Value>>),
    Object(Arc<Map>),
}

impl Value {
    pub fn string(s: impl AsRef<str>) -> Value {
        Value::String(Arc::from(s.as_ref()))
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::new(items))
    }

    pub fn object(map: Map) -> Value {
        Value::Object(Arc::new(map))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Double(_) => "double",
            Value::String(_) => "string",
            Value::Timestamp(_) => "timestamp",
            Value::Date(_) => "date",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// Reads a field of an object (`None`/null for anything else).
    pub fn get(&self, key: &str) -> &Value {
        static NULL: Value = Value::Null;
        match self {
            Value::Object(m) => m.get(key).unwrap_or(&NULL),
            _ => &NULL,
        }
    }

    /// A total order over all values, used for sorting, `distinct`, min/max and tie-breaks.
    /// Order of kinds: null < bool < numbers (int and double compared numerically) < string <
    /// timestamp < date < array < object. Doubles use IEEE total order (NaN last).
    pub fn total_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        fn rank(v: &Value) -> u8 {
            match v {
                Null => 0,
                Bool(_) => 1,
                Int(_) | Double(_) => 2,
                String(_) => 3,
                Timestamp(_) => 4,
                Date(_) => 5,
                Array(_) => 6,
                Object(_) => 7,
            }
        }
        match (self, other) {
            (Bool(a), Bool(b)) => a.cmp(b),
            (Int(a), Int(b)) => a.cmp(b),
            (Double(a), Double(b)) => a.total_cmp(b),
            (Int(a), Double(b)) => cmp_int_double(*a, *b),
            (Double(a), Int(b)) => cmp_int_double(*b, *a).reverse(),
            (String(a), String(b)) => a.cmp(b),
            (Timestamp(a), Timestamp(b)) => a.cmp(b),
            (Date(a), Date(b)) => a.cmp(b),
            (Array(a), Array(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    let o = x.total_cmp(y);
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            (Object(a), Object(b)) => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b.iter()) {
                    let o = ka.cmp(kb).then_with(|| va.total_cmp(vb));
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.len().cmp(&b.len())
            }
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// Compares an int with a double exactly (no precision loss for large ints).
fn cmp_int_double(i: i64, d: f64) -> Ordering {
    if d.is_nan() {
        return Ordering::Less;
    }
    if d >= 9.223_372_036_854_776e18 {
        return Ordering::Less;
    }
    if d < -9.223_372_036_854_776e18 {
        return Ordering::Greater;
    }
    let t = d.trunc();
    match i.cmp(&(t as i64)) {
        Ordering::Equal => 0.0f64.partial_cmp(&(d - t)).unwrap_or(Ordering::Equal),
        o => o,
    }
}

/// Structural equality as in `total_cmp` (so `Int(1) == Double(1.0)`).
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.total_cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Value::Double(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::string(s)
    }
}
