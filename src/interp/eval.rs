//! The expression walk: one `eval_*` per `ir::ExprKind`, dispatched by [`eval`].

use super::{arrays, ops, strings, time};
use crate::engine::EvalContext;
use crate::ir::{self, ExprKind};
use crate::value::{Map, Value};

/// Evaluates `expr`. `scopes[0]` is the profile, `scopes[d]` the element bound at depth `d`;
/// `events` is what `xEvent` denotes. Never fails: a value of the wrong type counts as null.
pub fn eval(expr: &ir::Expr, scopes: &[&Value], events: &[Value], ctx: &EvalContext) -> Value {
    let env = Env { scopes, events, ctx };
    env.eval(expr)
}

/// What an evaluation runs against.
#[derive(Clone, Copy)]
pub(super) struct Env<'a> {
    pub scopes: &'a [&'a Value],
    pub events: &'a [Value],
    pub ctx: &'a EvalContext,
}

impl<'a> Env<'a> {
    pub fn eval(&self, expr: &ir::Expr) -> Value {
        match &expr.kind {
            ExprKind::Const(v) => v.clone(),
            ExprKind::Path { scope, path } => self.eval_path(*scope, path),
            ExprKind::Events => eval_events(self.events),
            ExprKind::Field { target, name } => eval_field(&self.eval(target), name),
            ExprKind::Array(items) => self.eval_array(items),
            ExprKind::Object(fields) => self.eval_object(fields),
            ExprKind::Not(e) => self.eval_not(e),
            ExprKind::Neg(e) => ops::eval_neg(&self.eval(e)),
            ExprKind::Logic { op, lhs, rhs } => self.eval_logic(*op, lhs, rhs),
            ExprKind::Compare { op, lhs, rhs } => {
                Value::Bool(ops::eval_compare(*op, &self.eval(lhs), &self.eval(rhs), self.ctx))
            }
            ExprKind::Arith { op, lhs, rhs } => ops::eval_arith(*op, &self.eval(lhs), &self.eval(rhs)),
            ExprKind::If { cond, then, otherwise } => self.eval_if(cond, then, otherwise),
            ExprKind::In { negated, expr, list } => {
                Value::Bool(ops::eval_in(*negated, &self.eval(expr), &self.eval(list), self.ctx))
            }
            ExprKind::Like { expr, pattern } => Value::Bool(strings::eval_like(&self.eval(expr), pattern)),
            ExprKind::Occurs { expr, occurs } => {
                Value::Bool(time::eval_occurs(self, &self.eval(expr), occurs))
            }
            ExprKind::Call { func, args } => self.eval_call(func, args),
            ExprKind::Each { op, array, scope, inner } => {
                arrays::eval_each(self, *op, array, *scope, inner.as_deref())
            }
        }
    }

    /// `a.b.c` read from scope `scope` (null when the scope does not exist), see [`get_path`].
    fn eval_path(&self, scope: u32, path: &[String]) -> Value {
        match self.scopes.get(scope as usize) {
            Some(v) => get_path(v, path),
            None => Value::Null,
        }
    }

    /// `[a, b]`: the values in order (nulls kept).
    fn eval_array(&self, items: &[ir::Expr]) -> Value {
        Value::array(items.iter().map(|e| self.eval(e)).collect())
    }

    /// `{"k": e}`: null-valued fields are left out (a missing field reads as null anyway); a
    /// repeated key keeps its last value.
    fn eval_object(&self, fields: &[(String, ir::Expr)]) -> Value {
        let mut map = Map::new();
        for (k, e) in fields {
            let v = self.eval(e);
            if v.is_null() {
                map.remove(k);
            } else {
                map.insert(k.clone(), v);
            }
        }
        Value::object(map)
    }

    /// `not e`: true when `e` is false, null or not a bool.
    fn eval_not(&self, e: &ir::Expr) -> Value {
        Value::Bool(!truthy(&self.eval(e)))
    }

    /// `a and b`, `a or b`: two-valued (anything but `true` is false), short-circuit.
    fn eval_logic(&self, op: ir::LogicOp, lhs: &ir::Expr, rhs: &ir::Expr) -> Value {
        let l = truthy(&self.eval(lhs));
        Value::Bool(match op {
            ir::LogicOp::And => l && truthy(&self.eval(rhs)),
            ir::LogicOp::Or => l || truthy(&self.eval(rhs)),
        })
    }

    /// `if(c, a, b)`: `a` when `c` is true, else `b` (null or non-bool `c` counts as false).
    fn eval_if(&self, cond: &ir::Expr, then: &ir::Expr, otherwise: &ir::Expr) -> Value {
        if truthy(&self.eval(cond)) {
            self.eval(then)
        } else {
            self.eval(otherwise)
        }
    }

    fn eval_call(&self, func: &ir::Func, args: &[ir::Expr]) -> Value {
        use ir::Func::*;
        let vals: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
        match func {
            StartsWith | EndsWith | Contains | Equals | NotEqualTo | DoesNotStartWith | DoesNotEndWith
            | DoesNotContain => Value::Bool(strings::eval_string_test(func, &vals)),
            Matches(re) => Value::Bool(strings::eval_matches(re, &vals)),
            RegexGroup(re) => strings::eval_regex_group(re, &vals),
            Lower | Upper => strings::eval_case(matches!(func, Upper), &vals),
            Length => strings::eval_length(&vals),
            IsNull => Value::Bool(arg(&vals, 0).is_null()),
            IsNotNull => Value::Bool(!arg(&vals, 0).is_null()),
            GetYear | GetMonth | GetDayOfMonth => time::eval_get_part(func, arg(&vals, 0), self.ctx),
            CurrentYear | CurrentMonth | CurrentDayOfMonth => time::eval_current_part(func, self.ctx),
            Now | Today | Yesterday | Tomorrow => time::eval_time_word(func, self.ctx),
            MakeDate => time::eval_make_date(&vals),
            MakeTimestamp => time::eval_make_timestamp(arg(&vals, 0)),
            Count => arrays::eval_count(arg(&vals, 0)),
            Head => arrays::eval_head(arg(&vals, 0)),
            Distinct => arrays::eval_distinct(arg(&vals, 0)),
            Includes => arrays::eval_includes(arg(&vals, 0), arg(&vals, 1), self.ctx),
            Intersects => arrays::eval_intersects(arg(&vals, 0), arg(&vals, 1), self.ctx),
        }
    }
}

/// The `i`-th argument, null when absent.
pub(super) fn arg(vals: &[Value], i: usize) -> &Value {
    static NULL: Value = Value::Null;
    vals.get(i).unwrap_or(&NULL)
}

/// Only `true` is true.
pub(super) fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// `xEvent`: the profile's events, oldest first.
fn eval_events(events: &[Value]) -> Value {
    Value::array(events.to_vec())
}

/// `e.name` on a computed value: an object's field, or a projection over an array.
fn eval_field(target: &Value, name: &str) -> Value {
    project(target, name)
}

/// Reads `path` from `root` segment by segment with [`project`].
pub fn get_path(root: &Value, path: &[String]) -> Value {
    let mut cur = root.clone();
    for seg in path {
        cur = project(&cur, seg);
        if cur.is_null() {
            break;
        }
    }
    cur
}

/// One path step. On an object: the field (null when missing). On an array: the step applied to
/// every element, null results left out and array results flattened one level, so
/// `productListItems.SKU` is the array of the items' SKUs. On anything else: null.
pub fn project(v: &Value, name: &str) -> Value {
    match v {
        Value::Object(m) => m.get(name).cloned().unwrap_or(Value::Null),
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items.iter() {
                match project(item, name) {
                    Value::Null => {}
                    Value::Array(inner) => out.extend(inner.iter().cloned()),
                    other => out.push(other),
                }
            }
            Value::array(out)
        }
        _ => Value::Null,
    }
}
