//! Which datasets the rules can read (W0002), and an AST walk used to find out.

use super::schema::DatasetType;
use super::types::lookup;
use crate::diag::{Code, Diagnostic};
use crate::ir::Type;
use crate::policy::{DatasetClass, MergeType, Project};
use crate::syntax::ast;
use std::collections::BTreeMap;

/// W0002 for event datasets that no rule reads and profile datasets that every merge policy
/// leaves out. An event dataset is read when a rule reads events and either reads no field
/// beyond the record time (e.g. `xEvent.count()` counts every dataset's events) or reads a
/// field that the dataset has.
pub fn unused_datasets(
    project: &Project,
    datasets: &[DatasetType],
    event_paths: &BTreeMap<Vec<String>, Type>,
    reads_events: bool,
) -> Vec<Diagnostic> {
    let generic = |p: &Vec<String>| matches!(p.first().map(String::as_str), Some("timestamp" | "_id"));
    let fields: Vec<&Vec<String>> = event_paths.keys().filter(|p| !generic(p)).collect();
    let own: Vec<_> = project.merge_policies.iter().filter(|p| !p.builtin).collect();
    let policies = if own.is_empty() { project.merge_policies.iter().collect() } else { own };
    let mut out = Vec::new();
    for (ds, ty) in project.datasets.iter().zip(datasets) {
        let name = &ds.name.value;
        // dataSetPrecedence policies take only the datasets in their `order`, events too.
        let excluded = !policies.is_empty()
            && policies.iter().all(|p| p.merge == MergeType::DataSetPrecedence && !p.order.contains(name));
        let reason = match ds.class {
            _ if excluded => Some("every merge policy leaves it out of its `order`"),
            DatasetClass::Event => {
                let read = reads_events
                    && (fields.is_empty()
                        || fields.iter().any(|p| {
                            let segs: Vec<&str> = p.iter().map(String::as_str).collect();
                            lookup(&ty.ty, &segs).is_some()
                        }));
                (!read).then_some("no computed attribute or audience reads its events")
            }
            DatasetClass::Profile => None,
        };
        if let Some(reason) = reason {
            let d = Diagnostic::new(Code::UnusedDataset, format!("dataset `{name}` is not used")).at(
                ds.name.file,
                ds.name.span.clone(),
                reason,
            );
            out.push(d);
        }
    }
    out
}

/// Calls `f` on every node of an AST, parents first.
pub fn walk_ast(e: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    use ast::ExprKind as A;
    f(e);
    let time = |t: &ast::Node<ast::Time>| match &t.node {
        ast::Time::Expr(x) => Some(x.clone()),
        _ => None,
    };
    match &e.node {
        A::Literal(_) | A::Path { .. } | A::Error => {}
        A::Array(items) => items.iter().for_each(|x| walk_ast(x, f)),
        A::Object(fields) => fields.iter().for_each(|(_, x)| walk_ast(x, f)),
        A::Field { target, .. } => walk_ast(target, f),
        A::Call { args, .. } => args.iter().for_each(|x| walk_ast(x, f)),
        A::Method { target, args, .. } => {
            walk_ast(target, f);
            args.iter().for_each(|x| walk_ast(x, f));
        }
        A::Filter { target, cond } => {
            walk_ast(target, f);
            walk_ast(cond, f);
        }
        A::Unary { expr, .. } => walk_ast(expr, f),
        A::Binary { lhs, rhs, .. } => {
            walk_ast(lhs, f);
            walk_ast(rhs, f);
        }
        A::In { expr, list, .. } => {
            walk_ast(expr, f);
            walk_ast(list, f);
        }
        A::Like { expr, pattern } => {
            walk_ast(expr, f);
            walk_ast(pattern, f);
        }
        A::Occurs { expr, occurs } => {
            walk_ast(expr, f);
            let anchors: Vec<ast::Expr> = match &**occurs {
                ast::Occurs::Distance { anchor, .. } | ast::Occurs::Relative { anchor, .. } => {
                    time(anchor).into_iter().collect()
                }
                ast::Occurs::On { anchor } => time(anchor).into_iter().collect(),
                ast::Occurs::Between { start, end } => time(start).into_iter().chain(time(end)).collect(),
                ast::Occurs::Calendar { .. } => Vec::new(),
            };
            anchors.iter().for_each(|x| walk_ast(x, f));
        }
        A::Quantifier { source, cond, .. } => {
            walk_ast(source, f);
            walk_ast(cond, f);
        }
    }
}
