//! Type algebra for checking: names for messages, compatibility, unification, path lookup.

use crate::ir::Type;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The name of a type as messages show it (`array<string>`, `object`, `any`).
pub fn name(ty: &Type) -> String {
    match ty {
        Type::Null => "null".into(),
        Type::Bool => "bool".into(),
        Type::Int => "int".into(),
        Type::Double => "double".into(),
        Type::String => "string".into(),
        Type::Timestamp => "timestamp".into(),
        Type::Date => "date".into(),
        Type::Array(e) => format!("array<{}>", name(e)),
        Type::Object(_) => "object".into(),
        Type::Any => "any".into(),
    }
}

/// Whether a value of this type can stand where `pred` wants one (null and any always can).
pub fn fits(ty: &Type, pred: impl Fn(&Type) -> bool) -> bool {
    matches!(ty, Type::Null | Type::Any) || pred(ty)
}

pub fn is_numeric(ty: &Type) -> bool {
    matches!(ty, Type::Int | Type::Double)
}

pub fn is_time(ty: &Type) -> bool {
    matches!(ty, Type::Timestamp | Type::Date)
}

pub fn is_array(ty: &Type) -> bool {
    matches!(ty, Type::Array(_))
}

/// The element type of an array type (`any` for an unknown array).
pub fn element(ty: &Type) -> Type {
    match ty {
        Type::Array(e) => (**e).clone(),
        _ => Type::Any,
    }
}

/// Whether two values of these types can be compared with `=`/`!=`: numbers with numbers,
/// timestamps with dates (a date is its midnight), otherwise equal kinds.
pub fn comparable(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Null | Type::Any, _) | (_, Type::Null | Type::Any) => true,
        _ if is_numeric(a) && is_numeric(b) => true,
        _ if is_time(a) && is_time(b) => true,
        (Type::Array(x), Type::Array(y)) => comparable(x, y),
        (Type::Object(_), Type::Object(_)) => true,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b),
    }
}

/// Whether two types can be ordered with `<` … `>=`: numbers, strings, timestamps/dates.
pub fn orderable(a: &Type, b: &Type) -> bool {
    let ordered = |t: &Type| fits(t, |t| is_numeric(t) || is_time(t) || *t == Type::String);
    ordered(a) && ordered(b) && comparable(a, b)
}

/// The common type of two branches or elements, or `None` when they do not mix.
/// Int and double give double; null gives the other; any absorbs.
pub fn join(a: &Type, b: &Type) -> Option<Type> {
    match (a, b) {
        (Type::Null, t) | (t, Type::Null) => Some(t.clone()),
        (Type::Any, _) | (_, Type::Any) => Some(Type::Any),
        (Type::Int, Type::Double) | (Type::Double, Type::Int) => Some(Type::Double),
        (Type::Array(x), Type::Array(y)) => join(x, y).map(|t| Type::Array(Box::new(t))),
        (Type::Object(x), Type::Object(y)) => {
            Some(Type::Object(Arc::new(merge_fields(x, y, &|a, b| join(a, b).unwrap_or(Type::Any)))))
        }
        _ if a == b => Some(a.clone()),
        _ => None,
    }
}

/// Merges two field maps, combining the types of shared fields with `both`.
pub fn merge_fields(
    x: &BTreeMap<String, Type>,
    y: &BTreeMap<String, Type>,
    both: &dyn Fn(&Type, &Type) -> Type,
) -> BTreeMap<String, Type> {
    let mut out = x.clone();
    for (k, t) in y {
        let merged = match out.get(k) {
            Some(old) => both(old, t),
            None => t.clone(),
        };
        out.insert(k.clone(), merged);
    }
    out
}

/// Unifies the types seen in sampled records (and across datasets): null says nothing, int and
/// double give double, objects merge field by field, arrays by element; a string that is
/// sometimes a timestamp or date and sometimes not is a string; any other conflict is `any`.
pub fn unify(a: &Type, b: &Type) -> Type {
    match (a, b) {
        (Type::Null, t) | (t, Type::Null) => t.clone(),
        (Type::Int, Type::Double) | (Type::Double, Type::Int) => Type::Double,
        (Type::Object(x), Type::Object(y)) => Type::Object(Arc::new(merge_fields(x, y, &unify))),
        (Type::Array(x), Type::Array(y)) => Type::Array(Box::new(unify(x, y))),
        (Type::String | Type::Timestamp | Type::Date, Type::String | Type::Timestamp | Type::Date)
            if a != b =>
        {
            Type::String
        }
        _ if a == b => a.clone(),
        _ => Type::Any,
    }
}

/// Sets the type at a dotted path, creating objects along the way (an `any` or non-object on the
/// way becomes an object, since the declaration says there are fields below it).
pub fn insert_path(ty: &mut Type, segs: &[&str], leaf: Type) {
    let Some((first, rest)) = segs.split_first() else {
        *ty = leaf;
        return;
    };
    if let Type::Array(elem) = ty {
        return insert_path(elem, segs, leaf);
    }
    if !matches!(ty, Type::Object(_)) {
        *ty = Type::Object(Arc::new(BTreeMap::new()));
    }
    if let Type::Object(fields) = ty {
        let fields = Arc::make_mut(fields);
        let slot = fields.entry((*first).to_string()).or_insert(Type::Null);
        insert_path(slot, rest, leaf);
    }
}

/// The type at a dotted path, projecting through arrays; `None` when a segment is missing.
pub fn lookup<'a>(ty: &'a Type, segs: &[&str]) -> Option<Type> {
    let mut cur: &'a Type = ty;
    let mut arrays = false;
    for seg in segs {
        while let Type::Array(e) = cur {
            cur = e;
            arrays = true;
        }
        match cur {
            Type::Object(fields) => cur = fields.get(*seg)?,
            Type::Any => return Some(Type::Any),
            _ => return None,
        }
    }
    Some(if arrays { Type::Array(Box::new(cur.clone())) } else { cur.clone() })
}

/// Replaces the "seen only as null" marker left by inference with `any` (type unknown).
pub fn finish(ty: Type) -> Type {
    match ty {
        Type::Null => Type::Any,
        Type::Array(e) => Type::Array(Box::new(finish(*e))),
        Type::Object(fields) => Type::Object(Arc::new(
            Arc::unwrap_or_clone(fields).into_iter().map(|(k, t)| (k, finish(t))).collect(),
        )),
        t => t,
    }
}
