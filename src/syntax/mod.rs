//! PQL syntax: the pest grammar, the parser into `ast`, and the printer back to source.
//!
//! `parse` never fails: errors become diagnostics and `ast::ExprKind::Error` placeholders.
//! Parentheses only group: there is no parenthesis node, and a parenthesised expression's node
//! spans the parentheses too. `a.b.c` on a plain path is one `ast::ExprKind::Path`.

pub mod ast;
mod build;
mod depth;
mod expect;
mod literal;
mod occurs;
mod parser;
mod printer;

pub use depth::{MAX_DEPTH, MAX_NESTING};
pub use parser::{parse, parse_str, parse_text, ParseError};
pub use printer::print;

/// Words that cannot be a path's first segment (they may follow a `.`).
pub const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "notIn",
    "like",
    "occurs",
    "exists",
    "forall",
    "from",
    "where",
    "true",
    "false",
    "null",
    "now",
    "today",
    "yesterday",
    "tomorrow",
];
