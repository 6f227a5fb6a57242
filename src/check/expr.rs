//! Checking expressions: one `check_*` per AST node kind, each returning a typed `ir::Expr`.

use super::env::{Checker, Scope};
use super::types::{self, comparable, fits, is_numeric, join, orderable};
use crate::diag::Code;
use crate::ir::{self, ExprKind as K, Type};
use crate::syntax::ast::{self, BinaryOp, ExprKind as A, Literal};
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Checker<'_> {
    /// Checks any expression in the current scope.
    pub fn check_expr(&mut self, e: &ast::Expr) -> ir::Expr {
        let span = &e.span;
        match &e.node {
            A::Literal(lit) => self.check_literal(lit, span),
            A::Array(items) => self.check_array(items, span),
            A::Object(fields) => self.check_object(fields, span),
            A::Path { up, segments } => self.check_path_or_events(*up, segments, span),
            A::Field { target, name } => self.check_field(target, name, span),
            A::Call { name, args } => self.check_call(name, args, span),
            A::Method { target, name, args } => self.check_method(target, name, args, span),
            A::Filter { target, cond } => self.check_filter(target, cond, span),
            A::Unary { op, expr } => self.check_unary(*op, expr, span),
            A::Binary { op, lhs, rhs } => self.check_binary(*op, lhs, rhs, span),
            A::In { negated, expr, list } => self.check_in(*negated, expr, list, span),
            A::Like { expr, pattern } => self.check_like(expr, pattern, span),
            A::Occurs { expr, occurs } => self.check_occurs(expr, occurs, span),
            A::Quantifier { kind, var, source, cond } => {
                self.check_quantifier(*kind, var, source, cond, span)
            }
            // The parser already reported it.
            A::Error => self.poison(span),
        }
    }

    /// Checks a condition: it must be boolean (E0209).
    pub fn check_bool(&mut self, e: &ast::Expr, what: &str) -> ir::Expr {
        let out = self.check_expr(e);
        if !fits(&out.ty, |t| *t == Type::Bool) {
            let msg = format!("{what} must be boolean, found {}", types::name(&out.ty));
            self.report(Code::NotBoolean, msg, &e.span, format!("this is {}", article(&out.ty)));
            return self.poison(&e.span);
        }
        out
    }

    fn check_literal(&mut self, lit: &Literal, span: &ast::Span) -> ir::Expr {
        let (v, ty) = match lit {
            Literal::String(s) => (Value::string(s), Type::String),
            Literal::Int(i) => (Value::Int(*i), Type::Int),
            Literal::Double(d) => (Value::Double(*d), Type::Double),
            Literal::Bool(b) => (Value::Bool(*b), Type::Bool),
            Literal::Null => (Value::Null, Type::Null),
        };
        self.expr(K::Const(v), ty, span)
    }

    fn check_array(&mut self, items: &[ast::Expr], span: &ast::Span) -> ir::Expr {
        let mut elem = Type::Null;
        let mut out = Vec::new();
        for item in items {
            let x = self.check_expr(item);
            match join(&elem, &x.ty) {
                Some(t) => elem = t,
                None => {
                    let msg = format!("array mixes {} and {}", types::name(&elem), types::name(&x.ty));
                    self.report(
                        Code::TypeMismatch,
                        msg,
                        &item.span,
                        format!("expected {}", types::name(&elem)),
                    );
                    elem = Type::Any;
                }
            }
            out.push(x);
        }
        self.expr(K::Array(out), Type::Array(Box::new(elem)), span)
    }

    fn check_object(&mut self, fields: &[(ast::Node<String>, ast::Expr)], span: &ast::Span) -> ir::Expr {
        let mut out = Vec::new();
        let mut tys = BTreeMap::new();
        for (key, value) in fields {
            let x = self.check_expr(value);
            tys.insert(key.node.clone(), x.ty.clone());
            out.push((key.node.clone(), x));
        }
        self.expr(K::Object(out), Type::Object(Arc::new(tys)), span)
    }

    fn check_path_or_events(&mut self, up: u32, segments: &[ast::Ident], span: &ast::Span) -> ir::Expr {
        let is_events = up == 0 && segments.first().is_some_and(|s| s.node == "xEvent");
        if !is_events || self.scopes.iter().any(|s| s.var.as_deref() == Some("xEvent")) {
            return self.check_path(up, segments, span);
        }
        if self.scopes.len() > 1 {
            let msg = "`xEvent` used inside a nested scope";
            self.report(Code::EventsMisplaced, msg, span, "events are only available at the top level");
            return self.poison(span);
        }
        if let Some(field) = segments.get(1) {
            let msg = format!("cannot read `{}` of `xEvent` directly", field.node);
            let label = "`xEvent` is an array: use `xEvent[…]`, `.map(…)` or `.any(…)`";
            self.report(Code::TypeMismatch, msg, &field.span, label);
            return self.poison(span);
        }
        let ty = Type::Array(Box::new(self.env.event.clone()));
        self.expr(K::Events, ty, span)
    }

    fn check_field(&mut self, target: &ast::Expr, name: &ast::Ident, span: &ast::Span) -> ir::Expr {
        let t = self.check_expr(target);
        let Some(ty) = self.field_type(&t.ty, name) else { return self.poison(span) };
        // A field of one event (`xEvent.topN(timestamp, 1).head().page`) is an event path that
        // ingest must extract, like one read inside `xEvent[…]`.
        if let Some(mut path) = event_field_path(&t) {
            path.push(name.node.clone());
            self.event_paths.insert(path, ty.clone());
        }
        self.expr(K::Field { target: Box::new(t), name: name.node.clone() }, ty, span)
    }

    /// The scope entered by an operation over the elements of `array`.
    pub fn element_scope(&self, array: &ir::Expr, var: Option<String>) -> Scope {
        let events = is_event_array(array);
        let desc = if events { self.env.event_desc.clone() } else { "array elements".to_string() };
        Scope { ty: types::element(&array.ty), var, events, desc }
    }

    /// Checks the receiver of an array operation; `None` (after E0206) when it is not an array.
    pub fn check_array_target(&mut self, target: &ast::Expr, op: &str) -> Option<ir::Expr> {
        let t = self.check_expr(target);
        match t.ty {
            Type::Array(_) => Some(t),
            Type::Any | Type::Null => Some(ir::Expr { ty: Type::Array(Box::new(Type::Any)), ..t }),
            _ => {
                let msg = format!("`{op}` needs an array, found {}", types::name(&t.ty));
                self.report(Code::TypeMismatch, msg, &target.span, format!("this is {}", article(&t.ty)));
                None
            }
        }
    }

    fn check_filter(&mut self, target: &ast::Expr, cond: &ast::Expr, span: &ast::Span) -> ir::Expr {
        let Some(array) = self.check_array_target(target, "[…]") else { return self.poison(span) };
        let scope = self.element_scope(&array, None);
        let (depth, c) = self.scoped(scope, |ck| ck.check_bool(cond, "a filter"));
        let ty = array.ty.clone();
        let kind = K::Each {
            op: ir::ArrayOp::Filter,
            array: Box::new(array),
            scope: depth,
            inner: Some(Box::new(c)),
        };
        self.expr(kind, ty, span)
    }

    fn check_unary(&mut self, op: ast::UnaryOp, e: &ast::Expr, span: &ast::Span) -> ir::Expr {
        match op {
            ast::UnaryOp::Not => {
                let x = self.check_bool(e, "the operand of `not`");
                self.expr(K::Not(Box::new(x)), Type::Bool, span)
            }
            ast::UnaryOp::Neg => {
                let x = self.check_expr(e);
                if !fits(&x.ty, is_numeric) {
                    let msg = format!("cannot negate {}", types::name(&x.ty));
                    self.report(Code::TypeMismatch, msg, &e.span, "expected a number");
                    return self.poison(span);
                }
                let ty = x.ty.clone();
                self.expr(K::Neg(Box::new(x)), ty, span)
            }
        }
    }

    fn check_binary(&mut self, op: BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr, span: &ast::Span) -> ir::Expr {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let what = if op == BinaryOp::And { "an operand of `and`" } else { "an operand of `or`" };
                let l = self.check_bool(lhs, what);
                let r = self.check_bool(rhs, what);
                let op = if op == BinaryOp::And { ir::LogicOp::And } else { ir::LogicOp::Or };
                self.expr(K::Logic { op, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool, span)
            }
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                self.check_compare(op, lhs, rhs, span)
            }
            _ => self.check_arith(op, lhs, rhs, span),
        }
    }

    fn check_compare(
        &mut self,
        op: BinaryOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        span: &ast::Span,
    ) -> ir::Expr {
        let l = self.check_expr(lhs);
        let r = self.check_expr(rhs);
        let cmp = cmp_op(op).unwrap_or(ir::CmpOp::Eq);
        let ok = match cmp {
            ir::CmpOp::Eq | ir::CmpOp::Ne => comparable(&l.ty, &r.ty),
            _ => orderable(&l.ty, &r.ty),
        };
        if !ok {
            let (bad, other) = offending(lhs, &l.ty, rhs, &r.ty);
            let msg = match cmp {
                ir::CmpOp::Eq | ir::CmpOp::Ne => {
                    format!("cannot compare {} with {}", types::name(&l.ty), types::name(&r.ty))
                }
                _ => format!("cannot order {} and {}", types::name(&l.ty), types::name(&r.ty)),
            };
            self.report(Code::TypeMismatch, msg, &bad.span, format!("expected {}", types::name(other)));
            return self.poison(span);
        }
        self.expr(K::Compare { op: cmp, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool, span)
    }

    fn check_arith(&mut self, op: BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr, span: &ast::Span) -> ir::Expr {
        let l = self.check_expr(lhs);
        let r = self.check_expr(rhs);
        let (aop, sym) = match op {
            BinaryOp::Add => (ir::ArithOp::Add, "+"),
            BinaryOp::Sub => (ir::ArithOp::Sub, "-"),
            BinaryOp::Mul => (ir::ArithOp::Mul, "*"),
            BinaryOp::Div => (ir::ArithOp::Div, "/"),
            _ => (ir::ArithOp::Rem, "%"),
        };
        for (side, t) in [(lhs, &l.ty), (rhs, &r.ty)] {
            if !fits(t, is_numeric) {
                let msg =
                    format!("cannot apply `{sym}` to {} and {}", types::name(&l.ty), types::name(&r.ty));
                self.report(
                    Code::TypeMismatch,
                    msg,
                    &side.span,
                    format!("this is {}, not a number", article(t)),
                );
                return self.poison(span);
            }
        }
        let ty = match (&l.ty, &r.ty) {
            (Type::Any, _) | (_, Type::Any) => Type::Any,
            (Type::Double, _) | (_, Type::Double) => Type::Double,
            (Type::Null, Type::Null) => Type::Null,
            // `/` is real division (`7 / 2` is 3.5); other int operations stay ints.
            _ if aop == ir::ArithOp::Div => Type::Double,
            _ => Type::Int,
        };
        self.expr(K::Arith { op: aop, lhs: Box::new(l), rhs: Box::new(r) }, ty, span)
    }

    fn check_in(&mut self, negated: bool, e: &ast::Expr, list: &ast::Expr, span: &ast::Span) -> ir::Expr {
        let x = self.check_expr(e);
        let kw = if negated { "notIn" } else { "in" };
        let Some(l) = self.check_array_target(list, kw) else { return self.poison(span) };
        let elem = types::element(&l.ty);
        if !comparable(&x.ty, &elem) {
            let msg = format!("cannot look for {} in {}", types::name(&x.ty), types::name(&l.ty));
            self.report(
                Code::TypeMismatch,
                msg,
                &list.span,
                format!("expected a list of {}", types::name(&x.ty)),
            );
            return self.poison(span);
        }
        self.expr(K::In { negated, expr: Box::new(x), list: Box::new(l) }, Type::Bool, span)
    }

    fn check_like(&mut self, e: &ast::Expr, pattern: &ast::Expr, span: &ast::Span) -> ir::Expr {
        let x = self.check_expr(e);
        if !fits(&x.ty, |t| *t == Type::String) {
            let msg = format!("`like` needs a string, found {}", types::name(&x.ty));
            self.report(Code::TypeMismatch, msg, &e.span, format!("this is {}", article(&x.ty)));
            return self.poison(span);
        }
        let A::Literal(Literal::String(p)) = &pattern.node else {
            self.report(
                Code::TypeMismatch,
                "`like` pattern must be a string literal",
                &pattern.span,
                "not a string literal",
            );
            return self.poison(span);
        };
        self.expr(K::Like { expr: Box::new(x), pattern: p.clone() }, Type::Bool, span)
    }

    fn check_quantifier(
        &mut self,
        kind: ast::Quantifier,
        var: &ast::Ident,
        source: &ast::Expr,
        cond: &ast::Expr,
        span: &ast::Span,
    ) -> ir::Expr {
        let kw = if kind == ast::Quantifier::Exists { "exists" } else { "forall" };
        let Some(array) = self.check_array_target(source, kw) else { return self.poison(span) };
        let scope = self.element_scope(&array, Some(var.node.clone()));
        let (depth, c) = self.scoped(scope, |ck| ck.check_bool(cond, "a `where` condition"));
        let op = if kind == ast::Quantifier::Exists { ir::ArrayOp::Any } else { ir::ArrayOp::All };
        let kind = K::Each { op, array: Box::new(array), scope: depth, inner: Some(Box::new(c)) };
        self.expr(kind, Type::Bool, span)
    }
}

/// The event path of `e` when it is one event taken out of `xEvent` (`…head()`: the empty
/// path), or a field of a field … of one.
fn event_field_path(e: &ir::Expr) -> Option<Vec<String>> {
    match &e.kind {
        K::Call { func: ir::Func::Head, args } => {
            args.first().filter(|a| is_event_array(a)).map(|_| Vec::new())
        }
        K::Field { target, name } => {
            let mut path = event_field_path(target)?;
            path.push(name.clone());
            Some(path)
        }
        _ => None,
    }
}

/// Whether an array expression holds events (so paths in its scope are event paths).
pub fn is_event_array(e: &ir::Expr) -> bool {
    match &e.kind {
        K::Events => true,
        K::Each {
            op: ir::ArrayOp::Filter | ir::ArrayOp::TopN(_) | ir::ArrayOp::BottomN(_), array, ..
        } => is_event_array(array),
        _ => false,
    }
}

pub fn cmp_op(op: BinaryOp) -> Option<ir::CmpOp> {
    Some(match op {
        BinaryOp::Eq => ir::CmpOp::Eq,
        BinaryOp::Ne => ir::CmpOp::Ne,
        BinaryOp::Lt => ir::CmpOp::Lt,
        BinaryOp::Le => ir::CmpOp::Le,
        BinaryOp::Gt => ir::CmpOp::Gt,
        BinaryOp::Ge => ir::CmpOp::Ge,
        _ => return None,
    })
}

/// The operand to blame in a mismatch: a literal facing a path is the likely mistake.
fn offending<'e>(
    lhs: &'e ast::Expr,
    lt: &'e Type,
    rhs: &'e ast::Expr,
    rt: &'e Type,
) -> (&'e ast::Expr, &'e Type) {
    let lit = |e: &ast::Expr| matches!(e.node, A::Literal(_) | A::Array(_));
    if lit(lhs) && !lit(rhs) {
        (lhs, rt)
    } else {
        (rhs, lt)
    }
}

/// "a string", "an int" …, for labels.
pub fn article(ty: &Type) -> String {
    let n = types::name(ty);
    if n.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {n}")
    } else {
        format!("a {n}")
    }
}
