//! Checking `occurs`: the tested value and anchors are timestamps or dates; windows inside a
//! computed attribute's filter are compared with its lookback (W0003).

use super::env::Checker;
use super::expr::{article, cmp_op};
use super::types::{self, fits, is_time};
use crate::diag::Code;
use crate::ir::{self, ExprKind as K, Type};
use crate::syntax::ast::{self, Calendar, Direction, Unit};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// The length of `count` units in microseconds, for comparing windows (a month counts 31 days
/// and a year 366, so a calendar window is never wrongly called too long).
pub fn unit_micros(unit: Unit) -> i64 {
    match unit {
        Unit::Millisecond => 1_000,
        Unit::Second => 1_000_000,
        Unit::Minute => 60_000_000,
        Unit::Hour => 3_600_000_000,
        Unit::Day => MICROS_PER_DAY,
        Unit::Week => 7 * MICROS_PER_DAY,
        Unit::Month => 31 * MICROS_PER_DAY,
        Unit::Year => 366 * MICROS_PER_DAY,
    }
}

impl Checker<'_> {
    pub fn check_occurs(&mut self, e: &ast::Expr, occurs: &ast::Occurs, span: &ast::Span) -> ir::Expr {
        let x = self.check_expr(e);
        if !fits(&x.ty, is_time) {
            let msg = format!("`occurs` needs a timestamp or a date, found {}", types::name(&x.ty));
            self.report(Code::TypeMismatch, msg, &e.span, format!("this is {}", article(&x.ty)));
            return self.poison(span);
        }
        let checked = match occurs {
            ast::Occurs::Distance { cmp, count, unit, direction, anchor } => {
                let Some(cmp) = cmp_op(*cmp) else { return self.poison(span) };
                if count.node < 0 {
                    self.report(
                        Code::BadLiteral,
                        "a distance cannot be negative",
                        &count.span,
                        "expected 0 or more",
                    );
                    return self.poison(span);
                }
                self.check_window(cmp, count.node, unit.node, *direction, &anchor.node, span);
                let Some(anchor) = self.check_time(anchor) else { return self.poison(span) };
                let after = *direction == Direction::After;
                ir::Occurs::Distance { cmp, count: count.node, unit: unit.node, after, anchor }
            }
            ast::Occurs::Relative { direction, anchor } => {
                let Some(anchor) = self.check_time(anchor) else { return self.poison(span) };
                ir::Occurs::Relative { after: *direction == Direction::After, anchor }
            }
            ast::Occurs::On { anchor } => {
                let Some(anchor) = self.check_time(anchor) else { return self.poison(span) };
                ir::Occurs::On { anchor }
            }
            ast::Occurs::Between { start, end } => {
                let (Some(start), Some(end)) = (self.check_time(start), self.check_time(end)) else {
                    return self.poison(span);
                };
                ir::Occurs::Between { start, end }
            }
            ast::Occurs::Calendar { which, unit } => {
                let offset = match which {
                    Calendar::This => 0,
                    Calendar::Last => -1,
                    Calendar::Next => 1,
                };
                ir::Occurs::Calendar { offset, unit: unit.node }
            }
        };
        self.expr(K::Occurs { expr: Box::new(x), occurs: Box::new(checked) }, Type::Bool, span)
    }

    fn check_time(&mut self, t: &ast::Node<ast::Time>) -> Option<ir::Time> {
        Some(match &t.node {
            ast::Time::Now => ir::Time::Now,
            ast::Time::Today => ir::Time::Today,
            ast::Time::Yesterday => ir::Time::Yesterday,
            ast::Time::Tomorrow => ir::Time::Tomorrow,
            ast::Time::Expr(e) => {
                let x = self.check_expr(e);
                if !fits(&x.ty, is_time) {
                    let msg = format!("`occurs` needs a timestamp or a date, found {}", types::name(&x.ty));
                    self.report(Code::TypeMismatch, msg, &e.span, format!("this is {}", article(&x.ty)));
                    return None;
                }
                ir::Time::Expr(x)
            }
        })
    }

    /// W0003: `occurs <= N units before now` in an attribute whose lookback is shorter.
    fn check_window(
        &mut self,
        cmp: ir::CmpOp,
        count: i64,
        unit: Unit,
        direction: Direction,
        anchor: &ast::Time,
        span: &ast::Span,
    ) {
        let Some((limit, text)) = self.window.clone() else { return };
        let reaches_back =
            direction == Direction::Before && matches!(anchor, ast::Time::Now | ast::Time::Today);
        if !reaches_back || !matches!(cmp, ir::CmpOp::Le | ir::CmpOp::Lt | ir::CmpOp::Eq) {
            return;
        }
        if count.saturating_mul(unit_micros(unit)) > limit {
            let msg = "expression window longer than `duration`";
            let label = format!("this window reaches further back than the lookback of {text}");
            self.report(Code::WindowLongerThanDuration, msg, span, label);
        }
    }
}
