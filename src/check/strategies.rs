//! Merge policies' field rules against the types of the fields they cover (W0006).

use super::types::{lookup, name};
use crate::diag::{Code, Diagnostic};
use crate::ir::Type;
use crate::merge::strategy_name;
use crate::policy::{Project, Strategy};

/// W0006 for field rules whose strategy does not suit the field's type in `profile` (the
/// profile datasets' merged type): `union` on a field of single values (the merged array then
/// reads as null where that type is expected), `sum`/`min`/`max` on a field without numbers
/// (they keep the most recent value). Fields of unknown or mixed type are not judged.
pub fn field_rules(project: &Project, profile: &Type) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for policy in &project.merge_policies {
        for rule in &policy.fields {
            let Some(at) = &rule.at else { continue };
            let segs: Vec<&str> = rule.path.split('.').collect();
            let Some(ty) = lookup(profile, &segs) else { continue };
            let scalar = matches!(
                ty,
                Type::Bool | Type::Int | Type::Double | Type::String | Type::Timestamp | Type::Date
            );
            let why = match rule.strategy {
                Strategy::Union if scalar => "makes an array of it",
                Strategy::Sum | Strategy::Min | Strategy::Max
                    if !matches!(ty, Type::Int | Type::Double | Type::Any | Type::Null) =>
                {
                    "takes numbers only"
                }
                _ => continue,
            };
            let msg = format!(
                "merge policy `{}`: `{}` on `{}`, a field of type {}",
                policy.name.value,
                strategy_name(rule.strategy),
                rule.path,
                name(&ty)
            );
            out.push(Diagnostic::new(Code::StrategyType, msg).at(at.file, at.span.clone(), why));
        }
    }
    out
}
