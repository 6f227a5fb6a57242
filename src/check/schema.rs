//! Schemas: each dataset's type from its declared `schema:` over the types inferred from samples,
//! and the event and profile scope types built from them.
//!
//! Across datasets, a path with conflicting types is a double when both are numeric, else the
//! type declared by a dataset (the first that declares it), else `any` (unchecked).

use super::types::{finish, insert_path, lookup, unify};
use super::SampleTypes;
use crate::ir::Type;
use crate::policy::{Dataset, DatasetClass, Project, SchemaType};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The type of one dataset's records, with the paths its declaration fixes.
#[derive(Debug, Clone)]
pub struct DatasetType {
    pub name: String,
    pub class: DatasetClass,
    /// Fields seen only as null are `Type::Null` here (`any` once the scope type is built).
    pub ty: Type,
    /// Declared (and implied: timestamp, identity fields) types by dotted path.
    pub declared: Vec<(String, Type)>,
}

/// Types every dataset of the project.
pub fn dataset_types(project: &Project, samples: &SampleTypes) -> Vec<DatasetType> {
    project.datasets.iter().map(|d| dataset_type(project, d, samples.get(&d.name.value))).collect()
}

/// The type of a dataset's sampled records: all of them unified (an empty object for none).
pub fn infer_records(records: &[serde_json::Value]) -> Type {
    let mut ty = Type::Object(Arc::new(BTreeMap::new()));
    for record in records {
        if let Some(t) = infer(record) {
            ty = unify(&ty, &t);
        }
    }
    ty
}

fn dataset_type(project: &Project, ds: &Dataset, sampled: Option<&Type>) -> DatasetType {
    let mut ty = sampled.cloned().unwrap_or_else(|| Type::Object(Arc::new(BTreeMap::new())));
    let mut declared: Vec<(String, Type)> = Vec::new();
    declared.push((ds.timestamp.clone(), Type::Timestamp));
    for field in &ds.identities {
        declared.push((field.path.clone(), Type::String));
    }
    for (path, st) in &ds.schema {
        let segs: Vec<&str> = path.split('.').collect();
        let existing = lookup(&ty, &segs);
        let t = match st {
            // An object or array declared without its shape keeps the inferred shape.
            SchemaType::Object => match existing {
                Some(t @ Type::Object(_)) => t,
                _ => Type::Any,
            },
            SchemaType::Array => match existing {
                Some(t @ Type::Array(_)) => t,
                _ => Type::Array(Box::new(Type::Any)),
            },
            other => schema_type(*other),
        };
        declared.push((path.clone(), t));
    }
    // Parents first, so that `items: array` does not replace the fields declared below it.
    declared.sort_by_key(|(path, _)| path.matches('.').count());
    for (path, t) in &declared {
        let segs: Vec<&str> = path.split('.').collect();
        insert_path(&mut ty, &segs, t.clone());
    }
    if ds.class == DatasetClass::Event {
        insert_path(&mut ty, &["_id"], Type::String);
        insert_path(&mut ty, &["identityMap"], identity_map(project));
    } else if let Type::Object(fields) = &mut ty {
        // Identities are listed apart: the merged entity has no identityMap (SPEC 4).
        Arc::make_mut(fields).remove("identityMap");
    }
    DatasetType { name: ds.name.value.clone(), class: ds.class, ty, declared }
}

fn schema_type(st: SchemaType) -> Type {
    match st {
        SchemaType::String => Type::String,
        SchemaType::Int => Type::Int,
        SchemaType::Double => Type::Double,
        SchemaType::Bool => Type::Bool,
        SchemaType::Timestamp => Type::Timestamp,
        SchemaType::Date => Type::Date,
        SchemaType::Object => Type::Any,
        SchemaType::Array => Type::Array(Box::new(Type::Any)),
    }
}

/// `identityMap`: for every namespace, an array of `{id, authenticatedState, primary}`.
fn identity_map(project: &Project) -> Type {
    let entry: BTreeMap<String, Type> = [
        ("id".to_string(), Type::String),
        ("authenticatedState".to_string(), Type::String),
        ("primary".to_string(), Type::Bool),
    ]
    .into_iter()
    .collect();
    let entry = Type::Array(Box::new(Type::Object(Arc::new(entry))));
    let fields = project.identity.namespaces.iter().map(|n| (n.code.to_string(), entry.clone())).collect();
    Type::Object(Arc::new(fields))
}

/// The type of a sampled JSON value (`None` for null: it says nothing). Strings that parse as
/// RFC 3339 are timestamps, `YYYY-MM-DD` are dates.
pub fn infer(v: &serde_json::Value) -> Option<Type> {
    use serde_json::Value as J;
    Some(match v {
        J::Null => return None,
        J::Bool(_) => Type::Bool,
        J::Number(n) if n.is_i64() || n.is_u64() && n.as_i64().is_some() => Type::Int,
        J::Number(_) => Type::Double,
        J::String(s) if s.parse::<jiff::Timestamp>().is_ok() => Type::Timestamp,
        J::String(s) if s.len() == 10 && s.parse::<jiff::civil::Date>().is_ok() => Type::Date,
        J::String(_) => Type::String,
        J::Array(items) => {
            Type::Array(Box::new(items.iter().filter_map(infer).fold(Type::Null, |a, b| unify(&a, &b))))
        }
        J::Object(fields) => Type::Object(Arc::new(
            fields.iter().map(|(k, v)| (k.clone(), infer(v).unwrap_or(Type::Null))).collect(),
        )),
    })
}

/// The union of the datasets of one class (empty object when there are none).
pub fn scope_type(datasets: &[DatasetType], class: DatasetClass) -> Type {
    let members: Vec<&DatasetType> = datasets.iter().filter(|d| d.class == class).collect();
    let mut ty = Type::Object(Arc::new(BTreeMap::new()));
    for d in &members {
        ty = across(&ty, &d.ty);
    }
    // Where datasets disagree, a declared type settles it.
    for d in &members {
        for (path, t) in &d.declared {
            let segs: Vec<&str> = path.split('.').collect();
            if lookup(&ty, &segs) == Some(Type::Any) && *t != Type::Any {
                insert_path(&mut ty, &segs, t.clone());
            }
        }
    }
    if class == DatasetClass::Event {
        insert_path(&mut ty, &["timestamp"], Type::Timestamp);
        insert_path(&mut ty, &["_id"], Type::String);
    }
    finish(ty)
}

/// Unification across datasets: like [`unify`], but strings never mix with times.
fn across(a: &Type, b: &Type) -> Type {
    match (a, b) {
        (Type::Object(x), Type::Object(y)) => {
            Type::Object(Arc::new(super::types::merge_fields(x, y, &across)))
        }
        (Type::Array(x), Type::Array(y)) => Type::Array(Box::new(across(x, y))),
        (Type::Null, t) | (t, Type::Null) => t.clone(),
        (Type::Any, t @ (Type::Object(_) | Type::Array(_)))
        | (t @ (Type::Object(_) | Type::Array(_)), Type::Any) => t.clone(),
        _ if a == b => a.clone(),
        (Type::Int, Type::Double) | (Type::Double, Type::Int) => Type::Double,
        _ => Type::Any,
    }
}
