//! Typing: JSON values → runtime [`Value`]s by the program's types. A value of the wrong type
//! becomes null and is counted (SPEC 2, "Nulls"); it never stops a run.

use crate::ir::Type;
use crate::value::{Map, Value};
use serde_json::Value as Json;

/// Parses `YYYY-MM-DD` into days since 1970-01-01.
pub fn parse_date(s: &str) -> Option<i32> {
    let d: jiff::civil::Date = s.trim().parse().ok()?;
    let days = d.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days();
    Some(days)
}

/// Converts `json` to a value of type `ty`, counting values of the wrong type in `mismatches`.
pub fn to_value(json: &Json, ty: &Type, mismatches: &mut u64) -> Value {
    let mut miss = || {
        *mismatches += 1;
        Value::Null
    };
    match (ty, json) {
        (_, Json::Null) => Value::Null,
        (Type::Any | Type::Null, _) => infer(json),
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::Int, Json::Number(n)) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9.0e18 => Value::Int(f as i64),
                _ => miss(),
            },
        },
        // An int where a double is declared stays an int: values compare numerically, and
        // output keeps the number as it was written.
        (Type::Double, Json::Number(n)) => number(n),
        (Type::String, Json::String(s)) => Value::string(s),
        (Type::Timestamp, Json::String(s)) => match super::line::parse_timestamp(s) {
            Some(t) => Value::Timestamp(t),
            None => miss(),
        },
        (Type::Date, Json::String(s)) => match parse_date(s) {
            Some(d) => Value::Date(d),
            None => miss(),
        },
        (Type::Array(elem), Json::Array(items)) => {
            Value::array(items.iter().map(|i| to_value(i, elem, mismatches)).collect())
        }
        (Type::Object(fields), Json::Object(obj)) => {
            let mut map = Map::new();
            for (k, v) in obj {
                let ty = fields.get(k).unwrap_or(&Type::Any);
                map.insert(k.clone(), to_value(v, ty, mismatches));
            }
            Value::object(map)
        }
        _ => miss(),
    }
}

/// A number as an int when it is one, else a double.
fn number(n: &serde_json::Number) -> Value {
    match n.as_i64() {
        Some(i) => Value::Int(i),
        None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// The value of untyped JSON: numbers as ints or doubles, strings as strings.
pub fn infer(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => number(n),
        Json::String(s) => Value::string(s),
        Json::Array(items) => Value::array(items.iter().map(infer).collect()),
        Json::Object(obj) => Value::object(obj.iter().map(|(k, v)| (k.clone(), infer(v))).collect()),
    }
}

/// Reads `path` from `json`; an array on the way is projected (`productListItems.SKU` is the
/// array of SKUs), as PQL paths are.
pub fn project_path(json: &Json, path: &[String]) -> Json {
    let Some((first, rest)) = path.split_first() else {
        return json.clone();
    };
    match json {
        Json::Object(obj) => obj.get(first).map_or(Json::Null, |v| project_path(v, rest)),
        Json::Array(items) => {
            Json::Array(items.iter().map(|i| project_path(i, path)).filter(|v| !v.is_null()).collect())
        }
        _ => Json::Null,
    }
}
