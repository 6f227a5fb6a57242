//! Builds the canonical `ast` from pest pairs: one `build_*` per grammar rule.
//!
//! Canonical form: parentheses only group (the grouped node's span includes them); a chain of
//! fields on a path is one `Path`; `!e` and `not e` are both `Unary Not`; `-5` is `Neg 5`.

use super::ast::*;
use super::literal;
use super::occurs;
use super::parser::{ParseError, Rule};
use crate::diag::Code;
use pest::iterators::Pair;

pub(super) type P<'i> = Pair<'i, Rule>;

#[derive(Default)]
pub struct Builder {
    pub errors: Vec<ParseError>,
}

/// The pair's span without the whitespace pest skips after its last token.
pub(super) fn span_of(p: &P) -> Span {
    let start = p.as_span().start();
    start..start + p.as_str().trim_end_matches([' ', '\t', '\r', '\n']).len()
}

/// The inner pairs without the punctuation rules that exist only for error messages.
pub(super) fn inner<'i>(p: P<'i>) -> impl Iterator<Item = P<'i>> {
    p.into_inner().filter(|c| {
        !matches!(
            c.as_rule(),
            Rule::close_paren
                | Rule::close_bracket
                | Rule::close_brace
                | Rule::comma
                | Rule::colon
                | Rule::EOI
        )
    })
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Builder {
    pub fn main(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        match inner(p).next() {
            Some(e) => self.expr(e),
            None => Node::new(span, ExprKind::Error),
        }
    }

    pub(super) fn error(&mut self, code: Code, span: Span, message: String, label: &str) -> Expr {
        self.errors.push(ParseError::new(code, span.clone(), message, label));
        Node::new(span, ExprKind::Error)
    }

    /// Any expression-level rule.
    pub(super) fn expr(&mut self, p: P) -> Expr {
        match p.as_rule() {
            Rule::expr | Rule::paren => self.build_group(p),
            Rule::or_expr | Rule::and_expr | Rule::add_expr | Rule::mul_expr => self.build_chain(p),
            Rule::not_expr => self.build_not(p),
            Rule::cmp_expr => self.build_cmp(p),
            Rule::unary_expr => self.build_unary(p),
            Rule::postfix_expr => self.build_postfix(p),
            Rule::number => self.build_number(p),
            Rule::string => self.build_string(p),
            Rule::kw_true => Node::new(span_of(&p), ExprKind::Literal(Literal::Bool(true))),
            Rule::kw_false => Node::new(span_of(&p), ExprKind::Literal(Literal::Bool(false))),
            Rule::kw_null => Node::new(span_of(&p), ExprKind::Literal(Literal::Null)),
            Rule::array => self.build_array(p),
            Rule::object => self.build_object(p),
            Rule::quantifier => self.build_quantifier(p),
            Rule::up_path => self.build_up_path(p),
            Rule::time_call => self.build_time_call(p),
            Rule::call_or_path => self.build_call_or_path(p),
            _ => Node::new(span_of(&p), ExprKind::Error),
        }
    }

    /// `expr` wraps one child; `( e )` gives `e` with the span of the parentheses.
    fn build_group(&mut self, p: P) -> Expr {
        let (rule, span) = (p.as_rule(), span_of(&p));
        let mut e = match inner(p).next() {
            Some(c) => self.expr(c),
            None => Node::new(span.clone(), ExprKind::Error),
        };
        if rule == Rule::paren {
            e.span = span;
        }
        e
    }

    /// Left-associative chains: `or`, `and`, `+ -`, `* / %`.
    fn build_chain(&mut self, p: P) -> Expr {
        let mut parts = inner(p);
        let Some(first) = parts.next() else { return Node::new(0..0, ExprKind::Error) };
        let mut lhs = self.expr(first);
        while let (Some(op), Some(rhs)) = (parts.next(), parts.next()) {
            let op = match (op.as_rule(), op.as_str()) {
                (Rule::kw_or, _) => BinaryOp::Or,
                (Rule::kw_and, _) => BinaryOp::And,
                (_, "+") => BinaryOp::Add,
                (_, "-") => BinaryOp::Sub,
                (_, "*") => BinaryOp::Mul,
                (_, "/") => BinaryOp::Div,
                _ => BinaryOp::Rem,
            };
            let rhs = self.expr(rhs);
            let span = lhs.span.start..rhs.span.end;
            lhs = Node::new(span, ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) });
        }
        lhs
    }

    /// Prefix operators are folded from the innermost out, each spanning to the operand's end.
    fn build_prefix(&mut self, p: P, op: UnaryOp) -> Expr {
        let mut ops = Vec::new();
        let mut operand = None;
        for c in inner(p) {
            match c.as_rule() {
                Rule::not_op | Rule::neg => ops.push(c.as_span().start()),
                _ => operand = Some(self.expr(c)),
            }
        }
        let mut e = operand.unwrap_or_else(|| Node::new(0..0, ExprKind::Error));
        for start in ops.into_iter().rev() {
            let span = start..e.span.end;
            e = Node::new(span, ExprKind::Unary { op, expr: boxed(e) });
        }
        e
    }

    fn build_not(&mut self, p: P) -> Expr {
        self.build_prefix(p, UnaryOp::Not)
    }

    fn build_unary(&mut self, p: P) -> Expr {
        self.build_prefix(p, UnaryOp::Neg)
    }

    fn build_cmp(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let mut parts = inner(p);
        let Some(first) = parts.next() else { return Node::new(span, ExprKind::Error) };
        let lhs = self.expr(first);
        let Some(tail) = parts.next() else { return lhs };
        let kind = match tail.as_rule() {
            Rule::cmp_bin => self.build_cmp_bin(tail, lhs),
            Rule::in_tail => self.build_in(tail, lhs),
            Rule::like_tail => self.build_like(tail, lhs),
            _ => self.build_occurs(tail, lhs),
        };
        Node::new(span, kind)
    }

    fn build_cmp_bin(&mut self, p: P, lhs: Expr) -> ExprKind {
        let mut parts = inner(p);
        let op = parts.next().map(|o| cmp_op(o.as_str())).unwrap_or(BinaryOp::Eq);
        let rhs = self.next_expr(&mut parts);
        ExprKind::Binary { op, lhs: boxed(lhs), rhs: boxed(rhs) }
    }

    fn build_in(&mut self, p: P, expr: Expr) -> ExprKind {
        let mut parts = inner(p);
        let negated = parts.next().is_some_and(|k| k.as_rule() == Rule::kw_notIn);
        let list = self.next_expr(&mut parts);
        ExprKind::In { negated, expr: boxed(expr), list: boxed(list) }
    }

    fn build_like(&mut self, p: P, expr: Expr) -> ExprKind {
        let mut parts = inner(p).skip(1);
        let pattern = self.next_expr(&mut parts);
        ExprKind::Like { expr: boxed(expr), pattern: boxed(pattern) }
    }

    /// An `occurs` whose unit is unknown becomes `Error` (the unit error is already reported).
    fn build_occurs(&mut self, p: P, expr: Expr) -> ExprKind {
        match inner(p).nth(1).and_then(|f| occurs::build(self, f)) {
            Some(occurs) => ExprKind::Occurs { expr: boxed(expr), occurs: Box::new(occurs) },
            None => ExprKind::Error,
        }
    }

    pub(super) fn next_expr<'i>(&mut self, parts: &mut impl Iterator<Item = P<'i>>) -> Expr {
        match parts.next() {
            Some(c) => self.expr(c),
            None => Node::new(0..0, ExprKind::Error),
        }
    }

    fn build_postfix(&mut self, p: P) -> Expr {
        let mut parts = inner(p);
        let Some(first) = parts.next() else { return Node::new(0..0, ExprKind::Error) };
        let mut e = self.expr(first);
        for op in parts {
            let end = span_of(&op).end;
            e = match op.as_rule() {
                Rule::filter => self.build_filter(op, e),
                _ => self.build_member(op, e),
            };
            e.span.end = end;
        }
        e
    }

    fn build_filter(&mut self, p: P, target: Expr) -> Expr {
        let mut parts = inner(p);
        let cond = self.next_expr(&mut parts);
        let span = target.span.clone();
        Node::new(span, ExprKind::Filter { target: boxed(target), cond: boxed(cond) })
    }

    /// `.name` extends a path or reads a field; `.name(args)` calls a method.
    fn build_member(&mut self, p: P, target: Expr) -> Expr {
        let mut parts = inner(p);
        let Some(name) = parts.next() else { return target };
        let name = Node::new(span_of(&name), name.as_str().to_string());
        let span = target.span.clone();
        if let Some(args) = parts.next() {
            let args = self.build_args(args);
            return Node::new(span, ExprKind::Method { target: boxed(target), name, args });
        }
        match target.node {
            ExprKind::Path { up, mut segments } => {
                segments.push(name);
                Node::new(span, ExprKind::Path { up, segments })
            }
            node => Node::new(span, ExprKind::Field { target: boxed(Node::new(target.span, node)), name }),
        }
    }

    fn build_args(&mut self, p: P) -> Vec<Expr> {
        inner(p).map(|a| self.expr(a)).collect()
    }

    fn build_number(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        match literal::decode_number(p.as_str()) {
            Ok(lit) => Node::new(span, ExprKind::Literal(lit)),
            Err(msg) => self.error(Code::BadLiteral, span, msg, "invalid number"),
        }
    }

    fn build_string(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        match self.decode_string(p) {
            Some(s) => Node::new(span, ExprKind::Literal(Literal::String(s))),
            None => Node::new(span, ExprKind::Error),
        }
    }

    /// Decodes a `string` pair, reporting a bad escape at its own position.
    pub(super) fn decode_string(&mut self, p: P) -> Option<String> {
        let raw = p.into_inner().next()?;
        let base = raw.as_span().start();
        match literal::decode_string(raw.as_str()) {
            Ok(s) => Some(s),
            Err((at, len, msg)) => {
                let span = base + at..base + at + len;
                self.errors.push(ParseError::new(Code::BadLiteral, span, msg, "invalid escape"));
                None
            }
        }
    }

    fn build_array(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let items = inner(p).map(|c| self.expr(c)).collect();
        Node::new(span, ExprKind::Array(items))
    }

    fn build_object(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let mut entries = Vec::new();
        for entry in inner(p) {
            let mut kv = inner(entry);
            let (Some(key), Some(value)) = (kv.next(), kv.next()) else { continue };
            let key_span = span_of(&key);
            let key = self.decode_string(key).unwrap_or_default();
            entries.push((Node::new(key_span, key), self.expr(value)));
        }
        Node::new(span, ExprKind::Object(entries))
    }

    fn build_quantifier(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let mut parts = inner(p);
        let kind = match parts.next().map(|k| k.as_rule()) {
            Some(Rule::kw_forall) => Quantifier::Forall,
            _ => Quantifier::Exists,
        };
        let var = parts.next().map(|v| Node::new(span_of(&v), v.as_str().to_string()));
        let var = var.unwrap_or_else(|| Node::new(span.clone(), String::new()));
        let mut parts = parts.filter(|c| !matches!(c.as_rule(), Rule::kw_from | Rule::kw_where));
        let source = self.next_expr(&mut parts);
        let cond = self.next_expr(&mut parts);
        Node::new(span, ExprKind::Quantifier { kind, var, source: boxed(source), cond: boxed(cond) })
    }

    fn build_up_path(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let mut parts = inner(p);
        let up = parts.next().map_or(0, |u| u.as_str().len() as u32);
        let segments = parts.map(|s| Node::new(span_of(&s), s.as_str().to_string())).collect();
        Node::new(span, ExprKind::Path { up, segments })
    }

    /// Outside `occurs`, `now`/`today`/`yesterday`/`tomorrow` (with or without `()`) are calls.
    fn build_time_call(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let word = inner(p).next();
        let name = word.map_or_else(
            || Node::new(span.clone(), String::new()),
            |w| Node::new(span_of(&w), w.as_str().to_string()),
        );
        Node::new(span, ExprKind::Call { name, args: Vec::new() })
    }

    fn build_call_or_path(&mut self, p: P) -> Expr {
        let span = span_of(&p);
        let mut parts = inner(p);
        let Some(ident) = parts.next() else { return Node::new(span, ExprKind::Error) };
        let name = Node::new(span_of(&ident), ident.as_str().to_string());
        match parts.next() {
            Some(args) => {
                let args = self.build_args(args);
                Node::new(span, ExprKind::Call { name, args })
            }
            None => Node::new(span, ExprKind::Path { up: 0, segments: vec![name] }),
        }
    }
}

pub(super) fn cmp_op(s: &str) -> BinaryOp {
    match s {
        "<=" => BinaryOp::Le,
        ">=" => BinaryOp::Ge,
        "!=" => BinaryOp::Ne,
        "<" => BinaryOp::Lt,
        ">" => BinaryOp::Gt,
        _ => BinaryOp::Eq,
    }
}
