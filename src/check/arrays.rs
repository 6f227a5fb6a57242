//! Checking array operations whose argument runs per element: `sum average min max topN bottomN
//! map any all` (the element is a new scope).

use super::calls::int_literal;
use super::env::Checker;
use super::expr::article;
use super::types::{self, fits, is_numeric, is_time};
use crate::diag::Code;
use crate::ir::{self, ArrayOp, ExprKind as K, Type};
use crate::syntax::ast;

impl Checker<'_> {
    pub fn check_array_method(
        &mut self,
        target: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: &ast::Span,
    ) -> ir::Expr {
        let m = name.node.as_str();
        let (min, max) = match m {
            "sum" | "average" | "min" | "max" => (0, 1),
            "topN" | "bottomN" => (2, 2),
            _ => (1, 1),
        };
        let Some(array) = self.check_array_target(target, m) else {
            return self.poison(span);
        };
        if !self.arity(name, args.len(), min, max) {
            return self.poison(span);
        }
        let elem = types::element(&array.ty);
        let scope = self.element_scope(&array, None);
        let (depth, inner) = self.scoped(scope, |ck| match m {
            "any" | "all" => Some(ck.check_bool(&args[0], &format!("the condition of `{m}`"))),
            _ => args.first().map(|a| ck.check_expr(a)),
        });
        // The value aggregated: the inner expression, else the element itself.
        let value_ty = inner.as_ref().map_or(elem.clone(), |e| e.ty.clone());
        let blame = args.first().map_or(&target.span, |a| &a.span);
        let (op, ty) = match m {
            "sum" | "average" => {
                if !fits(&value_ty, is_numeric) {
                    self.not_aggregable(m, &value_ty, blame, "numbers");
                    return self.poison(span);
                }
                let op = if m == "sum" { ArrayOp::Sum } else { ArrayOp::Average };
                let ty = match (m, &value_ty) {
                    ("sum", Type::Int) => Type::Int,
                    (_, Type::Any) => Type::Any,
                    _ => Type::Double,
                };
                (op, ty)
            }
            "min" | "max" => {
                if !fits(&value_ty, |t| is_numeric(t) || is_time(t) || *t == Type::String) {
                    self.not_aggregable(m, &value_ty, blame, "numbers, strings, timestamps or dates");
                    return self.poison(span);
                }
                (if m == "min" { ArrayOp::Min } else { ArrayOp::Max }, value_ty)
            }
            "topN" | "bottomN" => {
                let Some(n) = int_literal(&args[1]).filter(|n| *n >= 0) else {
                    let msg = format!("the count of `{m}` must be a non-negative integer literal");
                    self.report(Code::TypeMismatch, msg, &args[1].span, "expected e.g. `1` or `10`");
                    return self.poison(span);
                };
                if !fits(&value_ty, |t| is_numeric(t) || is_time(t) || *t == Type::String) {
                    self.not_aggregable(m, &value_ty, blame, "numbers, strings, timestamps or dates");
                    return self.poison(span);
                }
                (if m == "topN" { ArrayOp::TopN(n) } else { ArrayOp::BottomN(n) }, array.ty.clone())
            }
            "map" => (ArrayOp::Map, Type::Array(Box::new(value_ty))),
            "any" => (ArrayOp::Any, Type::Bool),
            _ => (ArrayOp::All, Type::Bool),
        };
        let kind = K::Each { op, array: Box::new(array), scope: depth, inner: inner.map(Box::new) };
        self.expr(kind, ty, span)
    }

    fn not_aggregable(&mut self, m: &str, ty: &Type, span: &ast::Span, want: &str) {
        let msg = format!("`{m}` needs {want}, found {}", types::name(ty));
        self.report(Code::TypeMismatch, msg, span, format!("this is {}", article(ty)));
    }
}
