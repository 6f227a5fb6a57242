//! Computed attributes: recognising the expression shape that gives the aggregation (SPEC 1.6)
//! and checking its filter and value in the event scope.

use super::calls::int_literal;
use super::env::{Checker, Scope};
use super::occurs::unit_micros;
use super::types::{self, fits, is_numeric, is_time};
use crate::diag::Code;
use crate::ir::{self, DurationUnit, Function, Type};
use crate::policy::ComputedAttribute;
use crate::syntax::ast::{self, ExprKind as A, Unit};

/// The shapes, for the E0208 note.
const SHAPES: &str = "accepted shapes: xEvent[F].sum(E), .count(), .min(E), .max(E), .average(E), \
.topN(timestamp, 1).map(E).head(), .bottomN(timestamp, 1).map(E).head(), .topN(timestamp, N).map(E), \
.map(E).distinct().count() (the filter [F] is optional)";

/// A recognised shape: the function, the filter `F` and the value `E`.
struct Shape<'e> {
    function: Function,
    filter: Option<&'e ast::Expr>,
    value: Option<&'e ast::Expr>,
}

/// Why an expression is not a shape.
enum NotShape<'e> {
    /// Not an aggregation over `xEvent` at all.
    Other,
    /// `topN`/`bottomN` keyed on something other than `timestamp`.
    Key(&'e ast::Expr),
}

impl Checker<'_> {
    /// Checks a computed attribute; `None` when it has errors.
    pub fn check_attribute(&mut self, ca: &ComputedAttribute, e: &ast::Expr) -> Option<ir::Attribute> {
        self.in_attribute = true;
        self.window =
            ca.duration.map(|d| (d.count.saturating_mul(duration_micros(d.unit)), duration_text(d)));
        let shape = match shape(e) {
            Ok(s) => s,
            Err(NotShape::Key(key)) => {
                let msg = "`topN`/`bottomN` of a computed attribute must order by `timestamp`";
                self.report_note(Code::AttributeShape, msg, &key.span, "expected `timestamp`", SHAPES);
                return None;
            }
            Err(NotShape::Other) => {
                // A misspelt method or field explains the problem better than "not a shape".
                let before = self.diags.len();
                let checked = self.check_expr(e);
                if self.diags[before..].iter().any(|d| d.is_error()) {
                    return None;
                }
                let msg = format!(
                    "expression is not a computed-attribute shape (it gives {})",
                    types::name(&checked.ty)
                );
                self.report_note(Code::AttributeShape, msg, &e.span, "no aggregation over `xEvent`", SHAPES);
                return None;
            }
        };
        let scope =
            Scope { ty: self.env.event.clone(), var: None, events: true, desc: self.env.event_desc.clone() };
        let (_, (filter, value)) = self.scoped(scope, |ck| {
            let filter = shape.filter.map(|f| ck.check_bool(f, "a filter"));
            let value = shape.value.map(|v| ck.check_expr(v));
            (filter, value)
        });
        let ty = self.attribute_type(shape.function, shape.value, value.as_ref())?;
        if self.diags.iter().any(|d| d.is_error()) {
            return None;
        }
        Some(ir::Attribute {
            name: ca.name.value.clone(),
            path: ca.path.split('.').map(str::to_string).collect(),
            function: shape.function,
            filter,
            value,
            duration: ca.duration,
            ty,
        })
    }

    /// The attribute's type from its function and value (E0206 when the value does not fit).
    fn attribute_type(
        &mut self,
        f: Function,
        ast_value: Option<&ast::Expr>,
        value: Option<&ir::Expr>,
    ) -> Option<Type> {
        let vt = value.map_or(Type::Any, |v| v.ty.clone());
        let bad = |ck: &mut Self, want: &str| {
            if let Some(v) = ast_value {
                let msg = format!("`{}` needs {want}, found {}", f.name(), types::name(&vt));
                ck.report(Code::TypeMismatch, msg, &v.span, format!("this is {}", super::expr::article(&vt)));
            }
            None
        };
        Some(match f {
            Function::Count | Function::CountDistinct => Type::Int,
            Function::Sum | Function::Avg if !fits(&vt, is_numeric) => return bad(self, "numbers"),
            Function::Sum if vt == Type::Int => Type::Int,
            Function::Sum | Function::Avg => Type::Double,
            Function::Min | Function::Max if !fits(&vt, |t| is_numeric(t) || is_time(t)) => {
                return bad(self, "numbers, timestamps or dates")
            }
            Function::Min | Function::Max | Function::MostRecent | Function::First => vt,
            Function::List(_) => Type::Array(Box::new(vt)),
        })
    }
}

/// Matches the shapes of SPEC 1.6 on the AST.
fn shape(e: &ast::Expr) -> Result<Shape<'_>, NotShape<'_>> {
    let A::Method { target, name, args } = &e.node else { return Err(NotShape::Other) };
    let simple = |function| events_base(target).map(|filter| Shape { function, filter, value: args.first() });
    let found = match (name.node.as_str(), args.len()) {
        ("count", 0) => count_shape(target),
        ("sum", 1) => simple(Function::Sum),
        ("average", 1) => simple(Function::Avg),
        ("min", 1) => simple(Function::Min),
        ("max", 1) => simple(Function::Max),
        ("head", 0) => head_shape(target)?,
        ("map", 1) => match ordered(target)? {
            Some((true, n, filter)) if n >= 1 => Some(Shape {
                function: Function::List(n.min(u32::MAX as i64) as u32),
                filter,
                value: args.first(),
            }),
            _ => None,
        },
        _ => None,
    };
    found.ok_or(NotShape::Other)
}

/// `xEvent[F].count()` or `xEvent[F].map(E).distinct().count()`.
fn count_shape(target: &ast::Expr) -> Option<Shape<'_>> {
    if let Some(filter) = events_base(target) {
        return Some(Shape { function: Function::Count, filter, value: None });
    }
    let A::Method { target: inner, name, args } = &target.node else { return None };
    if name.node != "distinct" || !args.is_empty() {
        return None;
    }
    let A::Method { target: base, name, args } = &inner.node else { return None };
    if name.node != "map" || args.len() != 1 {
        return None;
    }
    events_base(base).map(|filter| Shape { function: Function::CountDistinct, filter, value: args.first() })
}

/// `xEvent[F].topN(timestamp, 1).map(E).head()` (MOST_RECENT) or the `bottomN` form (FIRST).
fn head_shape(target: &ast::Expr) -> Result<Option<Shape<'_>>, NotShape<'_>> {
    let A::Method { target: inner, name, args } = &target.node else { return Ok(None) };
    if name.node != "map" || args.len() != 1 {
        return Ok(None);
    }
    Ok(match ordered(inner)? {
        Some((top, 1, filter)) => {
            let function = if top { Function::MostRecent } else { Function::First };
            Some(Shape { function, filter, value: args.first() })
        }
        _ => None,
    })
}

/// `xEvent[F].topN(timestamp, n)` → (true, n, F); `bottomN` → (false, n, F).
#[allow(clippy::type_complexity)]
fn ordered(e: &ast::Expr) -> Result<Option<(bool, i64, Option<&ast::Expr>)>, NotShape<'_>> {
    let A::Method { target, name, args } = &e.node else { return Ok(None) };
    let top = match name.node.as_str() {
        "topN" => true,
        "bottomN" => false,
        _ => return Ok(None),
    };
    let (Some(filter), [key, n]) = (events_base(target), args.as_slice()) else { return Ok(None) };
    let is_timestamp = matches!(&key.node, A::Path { up: 0, segments } if segments.len() == 1 && segments[0].node == "timestamp");
    if !is_timestamp {
        return Err(NotShape::Key(key));
    }
    Ok(int_literal(n).map(|n| (top, n, filter)))
}

/// `xEvent` → Some(None); `xEvent[F]` → Some(Some(F)); anything else → None.
fn events_base(e: &ast::Expr) -> Option<Option<&ast::Expr>> {
    match &e.node {
        A::Path { up: 0, segments } if segments.len() == 1 && segments[0].node == "xEvent" => Some(None),
        A::Filter { target, cond } => match events_base(target)? {
            None => Some(Some(cond)),
            Some(_) => None,
        },
        _ => None,
    }
}

pub fn duration_micros(unit: DurationUnit) -> i64 {
    unit_micros(match unit {
        DurationUnit::Minutes => Unit::Minute,
        DurationUnit::Hours => Unit::Hour,
        DurationUnit::Days => Unit::Day,
        DurationUnit::Weeks => Unit::Week,
        DurationUnit::Months => Unit::Month,
    })
}

fn duration_text(d: ir::Duration) -> String {
    let unit = match d.unit {
        DurationUnit::Minutes => "MINUTES",
        DurationUnit::Hours => "HOURS",
        DurationUnit::Days => "DAYS",
        DurationUnit::Weeks => "WEEKS",
        DurationUnit::Months => "MONTHS",
    };
    format!("{} {unit}", d.count)
}
