//! Nesting limits, so that no input can overflow the stack of the parser or of later stages.
//!
//! pest recurses once per bracket or quantifier level, so brackets are limited before parsing.
//! Operator chains (`a + a + …`, `- - - 1`) are loops in pest but make deep trees, which every
//! later stage walks recursively; the tree's depth is measured (without recursion) after
//! building, and a too-deep tree is taken apart iteratively, since dropping it would recurse.

use super::ast::{Expr, ExprKind, Node, Occurs, Time};
use super::parser::ParseError;
use crate::diag::Code;

/// Most brackets (`( [ {`) plus quantifiers open at one point of the text.
pub const MAX_NESTING: usize = 100;
/// Most levels of the syntax tree.
pub const MAX_DEPTH: usize = 512;

/// Finds the first point where more than `MAX_NESTING` levels are open.
pub fn check_nesting(text: &str) -> Option<ParseError> {
    let bytes = text.as_bytes();
    let (mut open, mut quantifiers, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => open += 1,
            b')' | b']' | b'}' => open = open.saturating_sub(1),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if word == "exists" || word == "forall" {
                    quantifiers += 1;
                }
                i -= 1;
            }
            _ => {}
        }
        if open + quantifiers > MAX_NESTING {
            let end = (i + 1).min(text.len());
            let span = if text.is_char_boundary(i) && text.is_char_boundary(end) { i..end } else { i..i };
            return Some(ParseError::new(
                Code::SyntaxError,
                span,
                format!("expression nested too deeply (more than {MAX_NESTING} levels)"),
                "too deeply nested",
            ));
        }
        i += 1;
    }
    None
}

/// Reports a tree deeper than `MAX_DEPTH`, at the span of its deepest-first node past the limit.
pub fn check_tree(expr: &Expr) -> Option<ParseError> {
    let mut stack = vec![(expr, 1usize)];
    while let Some((e, d)) = stack.pop() {
        if d > MAX_DEPTH {
            return Some(ParseError::new(
                Code::SyntaxError,
                e.span.clone(),
                format!("expression nested too deeply (more than {MAX_DEPTH} levels)"),
                "too deeply nested",
            ));
        }
        stack.extend(children(e).into_iter().map(|c| (c, d + 1)));
    }
    None
}

/// Drops a tree without recursion.
pub fn dismantle(expr: Expr) {
    let mut stack = vec![expr];
    while let Some(mut e) = stack.pop() {
        take_children(&mut e, &mut stack);
    }
}

fn children(e: &Expr) -> Vec<&Expr> {
    match &e.node {
        ExprKind::Literal(_) | ExprKind::Path { .. } | ExprKind::Error => vec![],
        ExprKind::Array(items) => items.iter().collect(),
        ExprKind::Object(entries) => entries.iter().map(|(_, v)| v).collect(),
        ExprKind::Field { target, .. } => vec![target],
        ExprKind::Call { args, .. } => args.iter().collect(),
        ExprKind::Method { target, args, .. } => std::iter::once(&**target).chain(args).collect(),
        ExprKind::Filter { target, cond } => vec![target, cond],
        ExprKind::Unary { expr, .. } => vec![expr],
        ExprKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
        ExprKind::In { expr, list, .. } => vec![expr, list],
        ExprKind::Like { expr, pattern } => vec![expr, pattern],
        ExprKind::Occurs { expr, occurs } => std::iter::once(&**expr).chain(anchors(occurs)).collect(),
        ExprKind::Quantifier { source, cond, .. } => vec![source, cond],
    }
}

fn anchors(o: &Occurs) -> Vec<&Expr> {
    let times: Vec<&Node<Time>> = match o {
        Occurs::Distance { anchor, .. } | Occurs::Relative { anchor, .. } | Occurs::On { anchor } => {
            vec![anchor]
        }
        Occurs::Between { start, end } => vec![start, end],
        Occurs::Calendar { .. } => vec![],
    };
    times
        .into_iter()
        .filter_map(|t| match &t.node {
            Time::Expr(e) => Some(e),
            _ => None,
        })
        .collect()
}

fn take(b: &mut Expr) -> Expr {
    std::mem::replace(b, Node::new(0..0, ExprKind::Error))
}

fn take_children(e: &mut Expr, out: &mut Vec<Expr>) {
    match &mut e.node {
        ExprKind::Literal(_) | ExprKind::Path { .. } | ExprKind::Error => {}
        ExprKind::Array(items) | ExprKind::Call { args: items, .. } => out.append(items),
        ExprKind::Object(entries) => out.extend(entries.drain(..).map(|(_, v)| v)),
        ExprKind::Field { target, .. } | ExprKind::Unary { expr: target, .. } => out.push(take(target)),
        ExprKind::Method { target, args, .. } => {
            out.push(take(target));
            out.append(args);
        }
        ExprKind::Filter { target: a, cond: b }
        | ExprKind::Binary { lhs: a, rhs: b, .. }
        | ExprKind::In { expr: a, list: b, .. }
        | ExprKind::Like { expr: a, pattern: b }
        | ExprKind::Quantifier { source: a, cond: b, .. } => {
            out.push(take(a));
            out.push(take(b));
        }
        ExprKind::Occurs { expr, occurs } => {
            out.push(take(expr));
            match &mut **occurs {
                Occurs::Distance { anchor, .. } | Occurs::Relative { anchor, .. } | Occurs::On { anchor } => {
                    take_time(anchor, out)
                }
                Occurs::Between { start, end } => {
                    take_time(start, out);
                    take_time(end, out);
                }
                Occurs::Calendar { .. } => {}
            }
        }
    }
}

fn take_time(t: &mut Node<Time>, out: &mut Vec<Expr>) {
    if let Time::Expr(e) = &mut t.node {
        out.push(take(e));
    }
}
