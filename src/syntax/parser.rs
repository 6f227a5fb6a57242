//! The parser entry points: PQL text → `ast::Expr` plus errors, never panicking.
//!
//! Architecture Invariant: pest types stay inside `syntax`; callers see `ast` nodes and
//! `ParseError`s (or `Diagnostic`s) with byte spans into the expression text.

use super::ast::{self, ExprKind, Node, Span};
use super::{build, depth, expect};
use crate::diag::{Code, Diagnostic};
use crate::policy::ExprSource;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/pql.pest"]
pub(super) struct PqlParser;

/// A syntax or literal error at a byte range of the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// `E0201` (syntax), `E0202` (bad literal) or `E0211` (unknown time unit).
    pub code: Code,
    /// Short lowercase phrase, e.g. ``expected expression, found `]` ``.
    pub message: String,
    /// What the label under the span says.
    pub label: String,
    pub span: Span,
}

impl ParseError {
    pub fn new(code: Code, span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        Self { code, message: message.into(), label: label.into(), span }
    }
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error[{}] at {}..{}: {}", self.code, self.span.start, self.span.end, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses an expression of a policy. Never fails: errors become diagnostics positioned in the
/// policy file, and the returned tree is `ExprKind::Error` (or holds `Error` placeholders).
pub fn parse(src: &ExprSource) -> (ast::Expr, Vec<Diagnostic>) {
    let (expr, errors) = parse_text(&src.text);
    let diags = errors
        .into_iter()
        .map(|e| Diagnostic::new(e.code, e.message).at(src.file, src.to_file(e.span), e.label))
        .collect();
    (expr, diags)
}

/// Parses expression text; the first error, if any, is the result. For tests and tools.
pub fn parse_str(text: &str) -> Result<ast::Expr, ParseError> {
    let (expr, mut errors) = parse_text(text);
    if errors.is_empty() {
        Ok(expr)
    } else {
        Err(errors.swap_remove(0))
    }
}

/// Stack for the parsing thread: pest takes up to ~40 KiB per bracket level in debug builds, so
/// `MAX_NESTING` levels need more than a test thread's 2 MiB (the memory is only reserved).
const PARSE_STACK: usize = 64 << 20;

/// Parses expression text into a tree and every error found (syntax errors stop at the first).
///
/// The work runs on a thread with a known, large stack so that the nesting limit holds whatever
/// thread the caller is on; if no thread can be started, it runs on the caller's.
pub fn parse_text(text: &str) -> (ast::Expr, Vec<ParseError>) {
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().name("pql-parse".into()).stack_size(PARSE_STACK);
        match worker.spawn_scoped(scope, || parse_here(text)) {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                let err = ParseError::new(
                    Code::SyntaxError,
                    0..text.len(),
                    "expression could not be parsed",
                    "here",
                );
                (Node::new(0..text.len(), ExprKind::Error), vec![err])
            }),
            Err(_) => parse_here(text),
        }
    })
}

fn parse_here(text: &str) -> (ast::Expr, Vec<ParseError>) {
    let whole = 0..text.len();
    if let Some(err) = depth::check_nesting(text) {
        return (Node::new(whole, ExprKind::Error), vec![err]);
    }
    let pairs = match PqlParser::parse(Rule::main, text) {
        Ok(pairs) => pairs,
        Err(err) => return (Node::new(whole, ExprKind::Error), vec![expect::syntax_error(text, &err)]),
    };
    let mut builder = build::Builder::default();
    let expr = match pairs.into_iter().next() {
        Some(main) => builder.main(main),
        None => Node::new(whole.clone(), ExprKind::Error),
    };
    let mut errors = builder.errors;
    if let Some(err) = depth::check_tree(&expr) {
        depth::dismantle(expr);
        errors.push(err);
        return (Node::new(whole, ExprKind::Error), errors);
    }
    (expr, errors)
}
