//! Checking function calls (`date`, `timestamp`, `if`, `current…`) and plain methods (strings,
//! dates, null tests, array helpers without a per-element scope).

use super::env::Checker;
use super::expr::article;
use super::types::{self, comparable, fits, is_array, is_time, join};
use crate::diag::suggest;
use crate::diag::Code;
use crate::ir::{self, ExprKind as K, Func, Type};
use crate::syntax::ast::{self, ExprKind as A, Literal};
use crate::value::Value;

/// The functions called as `f(…)`.
const FUNCTIONS: &[&str] = &[
    "date",
    "timestamp",
    "if",
    "currentYear",
    "currentMonth",
    "currentDayOfMonth",
    "now",
    "today",
    "yesterday",
    "tomorrow",
];

/// Every method name, for suggestions.
pub const METHODS: &[&str] = &[
    "startsWith",
    "endsWith",
    "contains",
    "equals",
    "notEqualTo",
    "doesNotStartWith",
    "doesNotEndWith",
    "doesNotContain",
    "matches",
    "regexGroup",
    "lower",
    "upper",
    "length",
    "isNull",
    "isNotNull",
    "getYear",
    "getMonth",
    "getDayOfMonth",
    "count",
    "head",
    "distinct",
    "includes",
    "intersects",
    "sum",
    "average",
    "min",
    "max",
    "topN",
    "bottomN",
    "map",
    "any",
    "all",
];

impl Checker<'_> {
    /// Reports E0205 unless `n` is within `min..=max`.
    pub fn arity(&mut self, name: &ast::Ident, n: usize, min: usize, max: usize) -> bool {
        if (min..=max).contains(&n) {
            return true;
        }
        let want = match (min, max) {
            (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
            (a, b) => format!("{a} to {b} arguments"),
        };
        let msg = format!("`{}` takes {want}, found {n}", name.node);
        self.report(Code::ArgumentCount, msg, &name.span, format!("takes {want}"));
        false
    }

    /// Checks an argument and that its type fits (E0206 otherwise, naming `want`).
    pub fn check_arg(&mut self, e: &ast::Expr, want: &str, ok: impl Fn(&Type) -> bool) -> Option<ir::Expr> {
        let x = self.check_expr(e);
        if fits(&x.ty, ok) {
            return Some(x);
        }
        let msg = format!("expected {want}, found {}", types::name(&x.ty));
        self.report(Code::TypeMismatch, msg, &e.span, format!("this is {}", article(&x.ty)));
        None
    }

    pub fn check_call(&mut self, name: &ast::Ident, args: &[ast::Expr], span: &ast::Span) -> ir::Expr {
        match name.node.as_str() {
            "date" => self.check_date(name, args, span),
            "timestamp" => self.check_timestamp(name, args, span),
            "if" => self.check_if(name, args, span),
            f @ ("currentYear" | "currentMonth" | "currentDayOfMonth") => {
                if !self.arity(name, args.len(), 0, 0) {
                    return self.poison(span);
                }
                let func = match f {
                    "currentYear" => Func::CurrentYear,
                    "currentMonth" => Func::CurrentMonth,
                    _ => Func::CurrentDayOfMonth,
                };
                self.expr(K::Call { func, args: Vec::new() }, Type::Int, span)
            }
            // The grammar reads these words (with or without `()`) as calls outside `occurs`.
            f @ ("now" | "today" | "yesterday" | "tomorrow") => {
                if !self.arity(name, args.len(), 0, 0) {
                    return self.poison(span);
                }
                let func = match f {
                    "now" => Func::Now,
                    "today" => Func::Today,
                    "yesterday" => Func::Yesterday,
                    _ => Func::Tomorrow,
                };
                self.expr(K::Call { func, args: Vec::new() }, Type::Timestamp, span)
            }
            other => {
                for a in args {
                    self.check_expr(a);
                }
                let msg = format!("unknown function `{other}`");
                let label = match suggest::closest(other, FUNCTIONS.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "no such function".to_string(),
                };
                self.report(Code::UnknownFunction, msg, &name.span, label);
                self.poison(span)
            }
        }
    }

    fn check_date(&mut self, name: &ast::Ident, args: &[ast::Expr], span: &ast::Span) -> ir::Expr {
        if !self.arity(name, args.len(), 3, 3) {
            return self.poison(span);
        }
        let consts: Vec<i64> = args.iter().filter_map(int_literal).collect();
        if consts.len() == 3 {
            return match make_date(consts[0], consts[1], consts[2]) {
                Some(days) => self.expr(K::Const(Value::Date(days)), Type::Date, span),
                None => {
                    let msg = format!("invalid date {}-{}-{}", consts[0], consts[1], consts[2]);
                    self.report(Code::BadLiteral, msg, span, "no such calendar day");
                    self.poison(span)
                }
            };
        }
        let mut out = Vec::new();
        for a in args {
            match self.check_arg(a, "an int", |t| *t == Type::Int) {
                Some(x) => out.push(x),
                None => return self.poison(span),
            }
        }
        self.expr(K::Call { func: Func::MakeDate, args: out }, Type::Date, span)
    }

    fn check_timestamp(&mut self, name: &ast::Ident, args: &[ast::Expr], span: &ast::Span) -> ir::Expr {
        if !self.arity(name, args.len(), 1, 1) {
            return self.poison(span);
        }
        if let A::Literal(Literal::String(s)) = &args[0].node {
            return match s.parse::<jiff::Timestamp>() {
                Ok(ts) => self.expr(K::Const(Value::Timestamp(ts.as_microsecond())), Type::Timestamp, span),
                Err(_) => {
                    let msg = format!("invalid timestamp `{s}`");
                    self.report(
                        Code::BadLiteral,
                        msg,
                        &args[0].span,
                        "expected RFC 3339, e.g. 2026-03-14T10:00:00Z",
                    );
                    self.poison(span)
                }
            };
        }
        match self.check_arg(&args[0], "a string", |t| *t == Type::String) {
            Some(x) => self.expr(K::Call { func: Func::MakeTimestamp, args: vec![x] }, Type::Timestamp, span),
            None => self.poison(span),
        }
    }

    fn check_if(&mut self, name: &ast::Ident, args: &[ast::Expr], span: &ast::Span) -> ir::Expr {
        if !self.arity(name, args.len(), 3, 3) {
            return self.poison(span);
        }
        let cond = self.check_bool(&args[0], "the condition of `if`");
        let then = self.check_expr(&args[1]);
        let otherwise = self.check_expr(&args[2]);
        let Some(ty) = join(&then.ty, &otherwise.ty) else {
            let msg =
                format!("`if` branches differ: {} and {}", types::name(&then.ty), types::name(&otherwise.ty));
            self.report(
                Code::TypeMismatch,
                msg,
                &args[2].span,
                format!("expected {}", types::name(&then.ty)),
            );
            return self.poison(span);
        };
        let kind = K::If { cond: Box::new(cond), then: Box::new(then), otherwise: Box::new(otherwise) };
        self.expr(kind, ty, span)
    }

    /// Checks `target.name(args)`: array operations with a scope go to `check_array_method`.
    pub fn check_method(
        &mut self,
        target: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
        span: &ast::Span,
    ) -> ir::Expr {
        let m = name.node.as_str();
        if matches!(m, "sum" | "average" | "min" | "max" | "topN" | "bottomN" | "map" | "any" | "all") {
            return self.check_array_method(target, name, args, span);
        }
        if !METHODS.contains(&m) {
            // The arguments' scope depends on the method, so they are not checked.
            self.check_expr(target);
            let msg = format!("unknown method `{m}`");
            let label = match suggest::closest(m, METHODS.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "no such method".to_string(),
            };
            self.report(Code::UnknownFunction, msg, &name.span, label);
            return self.poison(span);
        }
        let recv = self.check_expr(target);
        if recv.ty == Type::Any && matches!(recv.kind, K::Const(Value::Null)) {
            // The receiver was already reported.
            for a in args {
                self.check_expr(a);
            }
            return self.poison(span);
        }
        match self.check_plain_method(recv, target, name, args) {
            Some((func, args, ty)) => self.expr(K::Call { func, args }, ty, span),
            None => self.poison(span),
        }
    }

    /// The method's function, its arguments (receiver first) and result type.
    fn check_plain_method(
        &mut self,
        recv: ir::Expr,
        target: &ast::Expr,
        name: &ast::Ident,
        args: &[ast::Expr],
    ) -> Option<(Func, Vec<ir::Expr>, Type)> {
        let m = name.node.as_str();
        let (min, max) = match m {
            "startsWith" | "endsWith" | "contains" | "equals" | "notEqualTo" | "doesNotStartWith"
            | "doesNotEndWith" | "doesNotContain" => (1, 2),
            "matches" | "includes" | "intersects" => (1, 1),
            "regexGroup" => (2, 2),
            _ => (0, 0),
        };
        if !self.arity(name, args.len(), min, max) {
            return None;
        }
        let want_recv = |ck: &mut Self, want: &str, ok: &dyn Fn(&Type) -> bool| -> Option<()> {
            if fits(&recv.ty, ok) {
                return Some(());
            }
            let msg = format!("`{m}` needs {want}, found {}", types::name(&recv.ty));
            ck.report(Code::TypeMismatch, msg, &target.span, format!("this is {}", article(&recv.ty)));
            None
        };
        let is_string = |t: &Type| *t == Type::String;
        let mut out = vec![recv.clone()];
        let (func, ty) = match m {
            "startsWith" | "endsWith" | "contains" | "equals" | "notEqualTo" | "doesNotStartWith"
            | "doesNotEndWith" | "doesNotContain" => {
                want_recv(self, "a string", &is_string)?;
                out.push(self.check_arg(&args[0], "a string", is_string)?);
                if let Some(cs) = args.get(1) {
                    out.push(self.check_arg(cs, "a bool (case sensitive)", |t| *t == Type::Bool)?);
                }
                (string_func(m), Type::Bool)
            }
            "matches" | "regexGroup" => {
                want_recv(self, "a string", &is_string)?;
                let re = self.check_regex(&args[0])?;
                if let Some(n) = args.get(1) {
                    out.push(self.check_arg(n, "an int (group number)", |t| *t == Type::Int)?);
                }
                if m == "matches" {
                    (Func::Matches(re), Type::Bool)
                } else {
                    (Func::RegexGroup(re), Type::String)
                }
            }
            "lower" | "upper" => {
                want_recv(self, "a string", &is_string)?;
                (if m == "lower" { Func::Lower } else { Func::Upper }, Type::String)
            }
            "length" => {
                want_recv(self, "a string or an array", &|t| is_string(t) || is_array(t))?;
                (Func::Length, Type::Int)
            }
            "isNull" => (Func::IsNull, Type::Bool),
            "isNotNull" => (Func::IsNotNull, Type::Bool),
            "getYear" | "getMonth" | "getDayOfMonth" => {
                want_recv(self, "a timestamp or a date", &is_time)?;
                let f = match m {
                    "getYear" => Func::GetYear,
                    "getMonth" => Func::GetMonth,
                    _ => Func::GetDayOfMonth,
                };
                (f, Type::Int)
            }
            "count" => {
                want_recv(self, "an array", &is_array)?;
                (Func::Count, Type::Int)
            }
            "head" => {
                want_recv(self, "an array", &is_array)?;
                (Func::Head, types::element(&recv.ty))
            }
            "distinct" => {
                want_recv(self, "an array", &is_array)?;
                (Func::Distinct, recv.ty.clone())
            }
            "includes" => {
                want_recv(self, "an array", &is_array)?;
                let elem = types::element(&recv.ty);
                out.push(self.check_arg(&args[0], &format!("a value like {}", types::name(&elem)), |t| {
                    comparable(t, &elem)
                })?);
                (Func::Includes, Type::Bool)
            }
            _ => {
                want_recv(self, "an array", &is_array)?;
                let rt = recv.ty.clone();
                out.push(self.check_arg(&args[0], &format!("an array like {}", types::name(&rt)), |t| {
                    is_array(t) && comparable(t, &rt)
                })?);
                (Func::Intersects, Type::Bool)
            }
        };
        Some((func, out, ty))
    }

    /// A regex argument: a string literal that compiles (E0212 otherwise).
    fn check_regex(&mut self, e: &ast::Expr) -> Option<ir::RegexLit> {
        let A::Literal(Literal::String(p)) = &e.node else {
            self.report(
                Code::TypeMismatch,
                "a regular expression must be a string literal",
                &e.span,
                "not a literal",
            );
            return None;
        };
        match regex::Regex::new(p) {
            Ok(regex) => Some(ir::RegexLit { pattern: p.clone(), regex }),
            Err(err) => {
                let first = err.to_string().lines().last().unwrap_or("").trim().to_string();
                let msg = format!("invalid regular expression `{p}`");
                self.report(Code::BadRegex, msg, &e.span, first);
                None
            }
        }
    }
}

fn string_func(m: &str) -> Func {
    match m {
        "startsWith" => Func::StartsWith,
        "endsWith" => Func::EndsWith,
        "contains" => Func::Contains,
        "equals" => Func::Equals,
        "notEqualTo" => Func::NotEqualTo,
        "doesNotStartWith" => Func::DoesNotStartWith,
        "doesNotEndWith" => Func::DoesNotEndWith,
        _ => Func::DoesNotContain,
    }
}

/// An integer literal (possibly negated).
pub fn int_literal(e: &ast::Expr) -> Option<i64> {
    match &e.node {
        A::Literal(Literal::Int(i)) => Some(*i),
        A::Unary { op: ast::UnaryOp::Neg, expr } => int_literal(expr).and_then(i64::checked_neg),
        _ => None,
    }
}

/// Days since 1970-01-01 of a valid calendar date.
fn make_date(y: i64, m: i64, d: i64) -> Option<i32> {
    let date =
        jiff::civil::Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()?;
    let epoch = jiff::civil::date(1970, 1, 1);
    let days = date.since((jiff::Unit::Day, epoch)).ok()?.get_days();
    Some(days)
}
