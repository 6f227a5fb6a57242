//! Prints an AST back to PQL with the fewest parentheses the precedence needs.
//!
//! Property (tested): `parse_str(&print(e)) == e` for every canonical tree: integer and double
//! literals non-negative (negatives are `Neg`), doubles finite, `Field` never on a `Path`, paths
//! with a non-keyword first segment, no `Error` nodes.

use super::ast::*;
use super::literal::{escape_string, format_double};
use super::occurs::unit_name;

/// Binding strength of each level, low to high (see the grammar).
const QUANT: u8 = 0;
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const CMP: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const NEG: u8 = 7;
const POSTFIX: u8 = 8;

/// Prints an expression as PQL source.
pub fn print(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(expr, QUANT, &mut out);
    out
}

fn prec(e: &Expr) -> u8 {
    match &e.node {
        ExprKind::Quantifier { .. } => QUANT,
        ExprKind::Binary { op, .. } => match op {
            BinaryOp::Or => OR,
            BinaryOp::And => AND,
            BinaryOp::Add | BinaryOp::Sub => ADD,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => MUL,
            _ => CMP,
        },
        ExprKind::Unary { op: UnaryOp::Not, .. } => NOT,
        ExprKind::Unary { op: UnaryOp::Neg, .. } => NEG,
        ExprKind::In { .. } | ExprKind::Like { .. } | ExprKind::Occurs { .. } => CMP,
        _ => POSTFIX,
    }
}

/// Writes `e` where the context accepts levels `min` and above, parenthesising otherwise.
fn write_expr(e: &Expr, min: u8, out: &mut String) {
    if prec(e) < min {
        out.push('(');
        write_expr(e, QUANT, out);
        out.push(')');
        return;
    }
    match &e.node {
        ExprKind::Literal(lit) => write_literal(lit, out),
        ExprKind::Array(items) => {
            out.push('[');
            write_list(items, out);
            out.push(']');
        }
        ExprKind::Object(entries) => write_object(entries, out),
        ExprKind::Path { up, segments } => write_path(*up, segments, out),
        ExprKind::Field { target, name } => {
            write_expr(target, POSTFIX, out);
            out.push('.');
            out.push_str(&name.node);
        }
        ExprKind::Call { name, args } => {
            out.push_str(&name.node);
            out.push('(');
            write_list(args, out);
            out.push(')');
        }
        ExprKind::Method { target, name, args } => {
            write_expr(target, POSTFIX, out);
            out.push('.');
            out.push_str(&name.node);
            out.push('(');
            write_list(args, out);
            out.push(')');
        }
        ExprKind::Filter { target, cond } => {
            write_expr(target, POSTFIX, out);
            out.push('[');
            write_expr(cond, QUANT, out);
            out.push(']');
        }
        ExprKind::Unary { op: UnaryOp::Not, expr } => {
            out.push_str("not ");
            write_expr(expr, NOT, out);
        }
        ExprKind::Unary { op: UnaryOp::Neg, expr } => {
            out.push('-');
            write_expr(expr, NEG, out);
        }
        ExprKind::Binary { op, lhs, rhs } => write_binary(*op, lhs, rhs, out),
        ExprKind::In { negated, expr, list } => {
            write_expr(expr, ADD, out);
            out.push_str(if *negated { " notIn " } else { " in " });
            write_expr(list, ADD, out);
        }
        ExprKind::Like { expr, pattern } => {
            write_expr(expr, ADD, out);
            out.push_str(" like ");
            write_expr(pattern, ADD, out);
        }
        ExprKind::Occurs { expr, occurs } => {
            write_expr(expr, ADD, out);
            out.push_str(" occurs ");
            write_occurs(occurs, out);
        }
        ExprKind::Quantifier { kind, var, source, cond } => {
            out.push_str(match kind {
                Quantifier::Exists => "exists ",
                Quantifier::Forall => "forall ",
            });
            out.push_str(&var.node);
            out.push_str(" from ");
            write_expr(source, OR, out);
            out.push_str(" where ");
            write_expr(cond, QUANT, out);
        }
        ExprKind::Error => out.push_str("<error>"),
    }
}

fn write_list(items: &[Expr], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(item, QUANT, out);
    }
}

fn write_object(entries: &[(Node<String>, Expr)], out: &mut String) {
    out.push('{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('"');
        escape_string(&key.node, out);
        out.push_str("\": ");
        write_expr(value, QUANT, out);
    }
    out.push('}');
}

fn write_path(up: u32, segments: &[Ident], out: &mut String) {
    for _ in 0..up {
        out.push('^');
    }
    for (i, s) in segments.iter().enumerate() {
        if i > 0 || up > 0 {
            out.push('.');
        }
        out.push_str(&s.node);
    }
}

fn write_literal(lit: &Literal, out: &mut String) {
    match lit {
        Literal::String(s) => {
            out.push('"');
            escape_string(s, out);
            out.push('"');
        }
        Literal::Int(i) => out.push_str(&i.to_string()),
        Literal::Double(d) => out.push_str(&format_double(*d)),
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Literal::Null => out.push_str("null"),
    }
}

fn binary_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Or => "or",
        BinaryOp::And => "and",
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
    }
}

/// Left-associative levels take their own level on the left and the next one on the right;
/// comparisons are non-associative, so both sides must be additive.
fn write_binary(op: BinaryOp, lhs: &Expr, rhs: &Expr, out: &mut String) {
    let (l, r) = match op {
        BinaryOp::Or => (OR, AND),
        BinaryOp::And => (AND, NOT),
        BinaryOp::Add | BinaryOp::Sub => (ADD, MUL),
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => (MUL, NEG),
        _ => (ADD, ADD),
    };
    write_expr(lhs, l, out);
    out.push(' ');
    out.push_str(binary_symbol(op));
    out.push(' ');
    write_expr(rhs, r, out);
}

fn write_occurs(o: &Occurs, out: &mut String) {
    match o {
        Occurs::Distance { cmp, count, unit, direction, anchor } => {
            out.push_str(binary_symbol(*cmp));
            out.push_str(&format!(" {} {} ", count.node, unit_name(unit.node, count.node != 1)));
            write_direction(*direction, out);
            write_time(&anchor.node, out);
        }
        Occurs::Relative { direction, anchor } => {
            write_direction(*direction, out);
            write_time(&anchor.node, out);
        }
        Occurs::On { anchor } => {
            out.push_str("on ");
            write_time(&anchor.node, out);
        }
        Occurs::Between { start, end } => {
            out.push_str("between ");
            write_time(&start.node, out);
            out.push_str(" and ");
            write_time(&end.node, out);
        }
        Occurs::Calendar { which, unit } => {
            out.push_str(match which {
                Calendar::This => "this ",
                Calendar::Last => "last ",
                Calendar::Next => "next ",
            });
            out.push_str(unit_name(unit.node, false));
        }
    }
}

fn write_direction(d: Direction, out: &mut String) {
    out.push_str(match d {
        Direction::Before => "before ",
        Direction::After => "after ",
    });
}

/// Time words print bare; an expression prints at the additive level (a call to `now` keeps
/// its `()`, which is what tells it apart from the anchor word).
fn write_time(t: &Time, out: &mut String) {
    match t {
        Time::Now => out.push_str("now"),
        Time::Today => out.push_str("today"),
        Time::Yesterday => out.push_str("yesterday"),
        Time::Tomorrow => out.push_str("tomorrow"),
        Time::Expr(e) => write_expr(e, ADD, out),
    }
}
