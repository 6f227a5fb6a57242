//! Checking: resolves names against dataset schemas, types every node, and lowers `ast` to `ir`.
//!
//! Architecture invariant: checking never panics and never stops at the first error. After an
//! error the node is typed `any` (a placeholder), so one mistake gives one diagnostic.

mod arrays;
mod attribute;
mod calls;
mod env;
mod expr;
mod occurs;
pub mod schema;
mod strategies;
pub mod types;
mod usage;

use crate::diag::Diagnostic;
use crate::ir::{self, Type};
use crate::policy::{DatasetClass, ExprSource, Project, Status};
use crate::syntax::ast;
use env::{Checker, Env};
use std::collections::BTreeMap;

/// Sampled records of each dataset (by dataset name), for type inference.
pub type Samples = BTreeMap<String, Vec<serde_json::Value>>;

/// The type inferred from each dataset's sampled records (by dataset name): what checking
/// needs of the samples, small enough to cache between commands (`ingest::sample`).
pub type SampleTypes = BTreeMap<String, Type>;

/// The type of each dataset's samples (see [`schema::infer_records`]).
pub fn infer_samples(samples: &Samples) -> SampleTypes {
    samples.iter().map(|(name, records)| (name.clone(), schema::infer_records(records))).collect()
}

/// A PQL parser: expression source → AST and parse diagnostics.
pub type Parser<'p> = &'p dyn Fn(&ExprSource) -> (ast::Expr, Vec<Diagnostic>);

/// Checks every computed attribute and audience of the project.
pub fn check_program(project: &Project, samples: &SampleTypes) -> (ir::Program, Vec<Diagnostic>) {
    check_program_with(project, samples, &crate::syntax::parse)
}

/// [`check_program`] with the parser given (tests check hand-built trees through it).
pub fn check_program_with(
    project: &Project,
    samples: &SampleTypes,
    parse: Parser,
) -> (ir::Program, Vec<Diagnostic>) {
    let datasets = schema::dataset_types(project, samples);
    let event_type = schema::scope_type(&datasets, DatasetClass::Event);
    let base_profile = schema::scope_type(&datasets, DatasetClass::Profile);
    let mut env = Env {
        profile: base_profile.clone(),
        event: event_type.clone(),
        profile_desc: describe(project, DatasetClass::Profile),
        event_desc: describe(project, DatasetClass::Event),
        attribute_paths: project
            .attributes
            .iter()
            .map(|a| a.path.split('.').map(str::to_string).collect())
            .collect(),
    };
    // The field rules against the profile datasets' types (computed attributes not yet in).
    let mut diags = strategies::field_rules(project, &env.profile);
    let mut event_paths: BTreeMap<Vec<String>, Type> = BTreeMap::new();
    let mut reads_events = false;
    let mut attributes = Vec::new();
    // Every attribute's type at its path, so audiences can read it; a failed or draft one is
    // there too (as `any` when it failed), so that one mistake is not reported again.
    let mut profile = base_profile;
    for ca in &project.attributes {
        let (ast, parse_diags) = parse(&ca.expression);
        let parsed_ok = !parse_diags.iter().any(|d| d.is_error());
        diags.extend(parse_diags);
        let mut ck = Checker::new(&ca.expression, &env);
        ck.all_vars = vars(&ast);
        let checked = if parsed_ok { ck.check_attribute(ca, &ast) } else { None };
        // Draft and disabled attributes are not evaluated: they read no events.
        let evaluated = matches!(ca.status, Status::New | Status::Processed);
        if evaluated {
            reads_events = true;
            event_paths.append(&mut ck.event_paths);
        }
        diags.append(&mut ck.diags);
        let segs: Vec<&str> = ca.path.split('.').collect();
        types::insert_path(&mut profile, &segs, checked.as_ref().map_or(Type::Any, |a| a.ty.clone()));
        if let Some(a) = checked.filter(|_| evaluated) {
            attributes.push(a);
        }
    }
    env.profile = profile.clone();
    let mut audiences = Vec::new();
    for au in &project.audiences {
        let (checked, uses_events) =
            check_audience(&au.expression, &env, parse, &mut diags, &mut event_paths);
        reads_events |= uses_events;
        if let Some(expr) = checked {
            audiences.push(ir::Audience { name: au.name.value.clone(), expr });
        }
    }
    event_paths.entry(vec!["timestamp".to_string()]).or_insert(Type::Timestamp);
    diags.extend(usage::unused_datasets(project, &datasets, &event_paths, reads_events));
    let event_paths = event_paths.into_iter().map(|(path, ty)| ir::EventPath { path, ty }).collect();
    let program = ir::Program { attributes, audiences, event_paths, profile_type: profile, event_type };
    (program, diags)
}

/// Parses and checks one audience; the expression (`None` on errors) and whether it reads events.
fn check_audience(
    src: &ExprSource,
    env: &Env,
    parse: Parser,
    diags: &mut Vec<Diagnostic>,
    event_paths: &mut BTreeMap<Vec<String>, Type>,
) -> (Option<ir::Expr>, bool) {
    let (ast, parse_diags) = parse(src);
    let parsed_ok = !parse_diags.iter().any(|d| d.is_error());
    diags.extend(parse_diags);
    // Read from the tree, so that an audience with an error does not make a dataset look unused.
    let uses_events = !parsed_ok || mentions_events(&ast);
    if !parsed_ok {
        return (None, uses_events);
    }
    let mut ck = Checker::new(src, env);
    ck.all_vars = vars(&ast);
    let expr = ck.check_bool(&ast, "an audience expression");
    event_paths.append(&mut ck.event_paths);
    let ok = !ck.diags.iter().any(|d| d.is_error());
    diags.append(&mut ck.diags);
    (ok.then_some(expr), uses_events)
}

/// How messages name a scope: the dataset when exactly one feeds it.
fn describe(project: &Project, class: DatasetClass) -> String {
    let names: Vec<&str> =
        project.datasets.iter().filter(|d| d.class == class).map(|d| d.name.value.as_str()).collect();
    match (names.as_slice(), class) {
        ([one], _) => format!("dataset `{one}`"),
        (_, DatasetClass::Event) => "events".to_string(),
        (_, DatasetClass::Profile) => "profile".to_string(),
    }
}

/// Every quantifier variable bound in an expression.
fn vars(e: &ast::Expr) -> Vec<String> {
    let mut out = Vec::new();
    usage::walk_ast(e, &mut |n| {
        if let ast::ExprKind::Quantifier { var, .. } = &n.node {
            out.push(var.node.clone());
        }
    });
    out
}

fn mentions_events(e: &ast::Expr) -> bool {
    let mut found = false;
    usage::walk_ast(
        e,
        &mut |n| found |= matches!(&n.node, ast::ExprKind::Path { up: 0, segments } if segments.len() == 1 && segments[0].node == "xEvent"),
    );
    found
}
