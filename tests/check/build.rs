//! Builders for checker tests: policy projects and hand-made ASTs (spans are byte ranges that
//! tests choose; expression sources map them one to one onto the file).

use mosaic::diag::{Diagnostic, FileId};
use mosaic::ir;
use mosaic::policy::*;
use mosaic::syntax::ast::{self, BinaryOp, ExprKind as A, Literal, Node};
use std::collections::HashMap;
use std::path::PathBuf;

pub fn src(text: &str) -> ExprSource {
    ExprSource { text: text.to_string(), file: FileId(0), offsets: (0..=text.len()).collect() }
}

fn spanned(name: &str) -> Spanned<String> {
    Spanned { value: name.to_string(), file: FileId(0), span: 0..name.len() }
}

pub fn dataset(name: &str, class: DatasetClass, schema: &[(&str, SchemaType)]) -> Dataset {
    Dataset {
        name: spanned(name),
        class,
        path: PathBuf::from(format!("data/{name}")),
        format: None,
        upsert: false,
        timestamp: match class {
            DatasetClass::Event => "timestamp".to_string(),
            DatasetClass::Profile => "extSourceSystemAudit.lastUpdatedDate".to_string(),
        },
        identities: Vec::new(),
        schema: schema.iter().map(|(p, t)| (p.to_string(), *t)).collect(),
    }
}

/// A project with the given datasets; attributes and audiences are added by the test.
pub fn project(datasets: Vec<Dataset>) -> Project {
    Project {
        root: PathBuf::from("/nonexistent"),
        name: "t".to_string(),
        timezone: "UTC".to_string(),
        identity: IdentitySettings { graph_limit: 50, namespaces: Vec::new() },
        datasets,
        merge_policies: Vec::new(),
        attributes: Vec::new(),
        audiences: Vec::new(),
        policies: String::new(),
    }
}

pub fn attribute(name: &str, key: &str, duration: Option<ir::Duration>) -> ComputedAttribute {
    ComputedAttribute {
        name: spanned(name),
        display_name: None,
        description: None,
        path: format!("computedAttributes.{name}"),
        duration,
        expression: src(key),
        status: Status::New,
    }
}

pub fn audience(name: &str, key: &str) -> Audience {
    Audience { name: spanned(name), description: None, expression: src(key) }
}

/// Checks `project` with the trees in `trees` standing for the expression texts.
pub fn check(project: &Project, trees: Vec<(&str, ast::Expr)>) -> (ir::Program, Vec<Diagnostic>) {
    check_with(project, trees, &Default::default())
}

pub fn check_with(
    project: &Project,
    trees: Vec<(&str, ast::Expr)>,
    samples: &mosaic::check::Samples,
) -> (ir::Program, Vec<Diagnostic>) {
    let trees: HashMap<String, ast::Expr> = trees.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let parse = |s: &ExprSource| {
        let e = trees.get(&s.text).cloned().unwrap_or_else(|| Node::new(0..0, A::Error));
        (e, Vec::new())
    };
    mosaic::check::check_program_with(project, &mosaic::check::infer_samples(samples), &parse)
}

pub fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code.as_str()).collect()
}

fn n(kind: A) -> ast::Expr {
    Node::new(0..0, kind)
}

/// A path `a.b.c`, `^.a.b` or `xEvent`.
pub fn p(path: &str) -> ast::Expr {
    let up = path.matches("^.").count() as u32;
    let rest = path.trim_start_matches("^.");
    let segments = rest.split('.').map(|s| Node::new(0..0, s.to_string())).collect();
    n(A::Path { up, segments })
}

/// A path whose segments carry spans, as if it started at byte `at` of the expression.
pub fn p_at(path: &str, at: usize) -> ast::Expr {
    let mut segments = Vec::new();
    let mut pos = at;
    for s in path.split('.') {
        segments.push(Node::new(pos..pos + s.len(), s.to_string()));
        pos += s.len() + 1;
    }
    Node::new(at..at + path.len(), A::Path { up: 0, segments })
}

pub fn s(x: &str) -> ast::Expr {
    n(A::Literal(Literal::String(x.to_string())))
}

pub fn i(x: i64) -> ast::Expr {
    n(A::Literal(Literal::Int(x)))
}

pub fn bin(op: BinaryOp, l: ast::Expr, r: ast::Expr) -> ast::Expr {
    n(A::Binary { op, lhs: Box::new(l), rhs: Box::new(r) })
}

pub fn eq(l: ast::Expr, r: ast::Expr) -> ast::Expr {
    bin(BinaryOp::Eq, l, r)
}

pub fn m(target: ast::Expr, name: &str, args: Vec<ast::Expr>) -> ast::Expr {
    n(A::Method { target: Box::new(target), name: Node::new(0..0, name.to_string()), args })
}

pub fn call(name: &str, args: Vec<ast::Expr>) -> ast::Expr {
    n(A::Call { name: Node::new(0..0, name.to_string()), args })
}

pub fn filt(target: ast::Expr, cond: ast::Expr) -> ast::Expr {
    n(A::Filter { target: Box::new(target), cond: Box::new(cond) })
}

pub fn exists(var: &str, source: ast::Expr, cond: ast::Expr) -> ast::Expr {
    let var = Node::new(0..0, var.to_string());
    n(A::Quantifier { kind: ast::Quantifier::Exists, var, source: Box::new(source), cond: Box::new(cond) })
}

/// `e occurs <= count unit before now`.
pub fn within(e: ast::Expr, count: i64, unit: ast::Unit) -> ast::Expr {
    let occurs = ast::Occurs::Distance {
        cmp: BinaryOp::Le,
        count: Node::new(0..0, count),
        unit: Node::new(0..0, unit),
        direction: ast::Direction::Before,
        anchor: Node::new(0..0, ast::Time::Now),
    };
    n(A::Occurs { expr: Box::new(e), occurs: Box::new(occurs) })
}

/// The retail schema used by most tests: one event dataset `web`, one profile dataset `crm`.
pub fn retail() -> Project {
    use SchemaType::*;
    project(vec![
        dataset(
            "web",
            DatasetClass::Event,
            &[("eventType", String), ("commerce.order.priceTotal", Double), ("commerce.order.quantity", Int)],
        ),
        dataset(
            "crm",
            DatasetClass::Profile,
            &[("homeAddress.countryCode", String), ("loyalty.points", Int)],
        ),
    ])
}
