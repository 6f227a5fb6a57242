//! The typed intermediate representation: what `check` produces and both engines run.
//!
//! Names are resolved, every node has a type, methods are resolved to [`Func`]s, and the scope
//! of every path is explicit. Scopes are numbered from the outside in: scope 0 is the profile;
//! a filter, `map`, quantifier or aggregate over an array evaluates its inner expression in a
//! new scope (depth + 1) whose value is the element. In a computed attribute, the filter and
//! value expressions run in scope 1, the event, with scope 0 the merged profile.
//! `Display` gives a stable listing that tests snapshot (`tests/ir/`).

mod display;

use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The static type of an expression. Serializable so that inferred dataset types can be cached
/// between commands (`ingest::sample`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Type {
    /// The literal `null` (compatible with every type).
    Null,
    Bool,
    Int,
    Double,
    String,
    Timestamp,
    Date,
    Array(Box<Type>),
    /// An object with known fields (from a schema or an object literal).
    Object(Arc<BTreeMap<String, Type>>),
    /// Unknown (error recovery, or an object/array of unknown shape): accepted everywhere.
    Any,
}

/// A checked expression: its kind, type and span (byte range inside the YAML file).
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: std::ops::Range<usize>,
}

impl Expr {
    /// Whether `xEvent` occurs anywhere in the expression (an engine can then leave a
    /// profile's events unread).
    pub fn reads_events(&self) -> bool {
        let mut found = false;
        self.visit(&mut |e| found |= matches!(e.kind, ExprKind::Events));
        found
    }

    /// Calls `f` on the expression and on every expression inside it, outside in. Every
    /// variant is matched by name, so a new one must say what it holds.
    pub fn visit<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        f(self);
        let time = |t: &'e Time, f: &mut dyn FnMut(&'e Expr)| {
            if let Time::Expr(e) = t {
                e.visit(f);
            }
        };
        match &self.kind {
            ExprKind::Events | ExprKind::Const(_) | ExprKind::Path { .. } => {}
            ExprKind::Field { target, .. } | ExprKind::Not(target) | ExprKind::Neg(target) => target.visit(f),
            ExprKind::Like { expr, .. } => expr.visit(f),
            ExprKind::Array(items) | ExprKind::Call { args: items, .. } => {
                items.iter().for_each(|e| e.visit(f))
            }
            ExprKind::Object(members) => members.iter().for_each(|(_, e)| e.visit(f)),
            ExprKind::Logic { lhs, rhs, .. }
            | ExprKind::Compare { lhs, rhs, .. }
            | ExprKind::Arith { lhs, rhs, .. } => {
                lhs.visit(f);
                rhs.visit(f);
            }
            ExprKind::If { cond, then, otherwise } => {
                cond.visit(f);
                then.visit(f);
                otherwise.visit(f);
            }
            ExprKind::In { expr, list, .. } => {
                expr.visit(f);
                list.visit(f);
            }
            ExprKind::Occurs { expr, occurs } => {
                expr.visit(f);
                match &**occurs {
                    Occurs::Distance { anchor, .. }
                    | Occurs::Relative { anchor, .. }
                    | Occurs::On { anchor } => time(anchor, f),
                    Occurs::Between { start, end } => {
                        time(start, f);
                        time(end, f);
                    }
                    Occurs::Calendar { .. } => {}
                }
            }
            ExprKind::Each { array, inner, .. } => {
                array.visit(f);
                if let Some(inner) = inner {
                    inner.visit(f);
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A literal, or a constant folded by the checker (`date(2026, 3, 14)`, `timestamp("…")`).
    Const(Value),
    /// A path read from the value of scope `scope`: `person.name` (scope 0), `commerce.order.priceTotal`
    /// inside `xEvent[…]` (scope 1), `^.person.x` (one scope out), `X.sku` (the scope `X` binds).
    /// Passing through an array projects it: `productListItems.SKU` is the array of SKUs.
    Path { scope: u32, path: Vec<String> },
    /// `xEvent`: the profile's events, as an array (only at scope 0).
    Events,
    /// `e.name` on an object-valued expression that is not a path (e.g. `….head().value`).
    Field { target: Box<Expr>, name: String },
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{"k": e}`.
    Object(Vec<(String, Expr)>),
    /// `not e` / `!e`: true when `e` is false or null.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a and b`, `a or b` (two-valued: null counts as false).
    Logic { op: LogicOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `a = b` … `a >= b`: false when either side is null.
    Compare { op: CmpOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `a + b` … `a % b`: null when either side is null, or on division by zero.
    Arith { op: ArithOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `if(cond, then, else)`.
    If { cond: Box<Expr>, then: Box<Expr>, otherwise: Box<Expr> },
    /// `e in [..]`, `e notIn [..]` (notIn is false when `e` is null).
    In { negated: bool, expr: Box<Expr>, list: Box<Expr> },
    /// `e like "pat"`: `%` any run, `_` one character; whole-string, case-sensitive.
    Like { expr: Box<Expr>, pattern: String },
    /// `e occurs …`.
    Occurs { expr: Box<Expr>, occurs: Box<Occurs> },
    /// A built-in function or method; for methods the receiver is `args[0]`.
    Call { func: Func, args: Vec<Expr> },
    /// An operation over an array whose inner expression runs in scope `scope` (= the element).
    Each { op: ArrayOp, array: Box<Expr>, scope: u32, inner: Option<Box<Expr>> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Array operations with an inner expression evaluated per element (scope = element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayOp {
    /// `a[cond]`: the elements for which `cond` is true.
    Filter,
    /// `a.map(e)`.
    Map,
    /// `a.any(cond)` / `exists X from a where cond`.
    Any,
    /// `a.all(cond)` / `forall X from a where cond` (true on an empty array).
    All,
    /// `a.sum(e)` (without `e`: the elements).
    Sum,
    /// `a.average(e)`.
    Average,
    /// `a.min(e)`.
    Min,
    /// `a.max(e)`.
    Max,
    /// `a.topN(e, n)`: the n elements with the largest `e`, largest first (ties: later element
    /// first); `n` must be a non-negative integer literal.
    TopN(i64),
    /// `a.bottomN(e, n)`: the n elements with the smallest `e`, smallest first (ties: earlier
    /// element first).
    BottomN(i64),
}

/// Built-in functions and methods with plain arguments (no per-element scope).
#[derive(Debug, Clone, PartialEq)]
pub enum Func {
    // Strings; the optional last argument is "case sensitive" (default true).
    StartsWith,
    EndsWith,
    Contains,
    Equals,
    NotEqualTo,
    DoesNotStartWith,
    DoesNotEndWith,
    DoesNotContain,
    /// `s.matches(re)`; the pattern is checked and compiled by `check`.
    Matches(RegexLit),
    /// `s.regexGroup(re, n)`.
    RegexGroup(RegexLit),
    Lower,
    Upper,
    /// Length of a string (characters) or an array.
    Length,
    // Null tests.
    IsNull,
    IsNotNull,
    // Dates and timestamps (in the project's time zone).
    GetYear,
    GetMonth,
    GetDayOfMonth,
    CurrentYear,
    CurrentMonth,
    CurrentDayOfMonth,
    /// `now`, `today`, `yesterday`, `tomorrow` as values: the timestamps they name in `occurs`
    /// ([`Time`]; [`Func::time_word`]).
    Now,
    Today,
    Yesterday,
    Tomorrow,
    /// `date(y, m, d)` with non-constant arguments (constant ones are folded).
    MakeDate,
    /// `timestamp(s)` with a non-constant argument.
    MakeTimestamp,
    // Arrays.
    Count,
    Head,
    Distinct,
    Includes,
    Intersects,
}

impl Func {
    /// The time word a [`Func::Now`] (and the like) stands for.
    pub fn time_word(&self) -> Option<Time> {
        match self {
            Func::Now => Some(Time::Now),
            Func::Today => Some(Time::Today),
            Func::Yesterday => Some(Time::Yesterday),
            Func::Tomorrow => Some(Time::Tomorrow),
            _ => None,
        }
    }
}

/// A regular expression literal: its source and the compiled form.
#[derive(Clone)]
pub struct RegexLit {
    pub pattern: String,
    pub regex: regex::Regex,
}

impl PartialEq for RegexLit {
    fn eq(&self, other: &Self) -> bool {
        self.pattern == other.pattern
    }
}

impl std::fmt::Debug for RegexLit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.pattern)
    }
}

/// A calendar or clock unit.
pub use crate::syntax::ast::Unit;

/// A time anchor.
#[derive(Debug, Clone, PartialEq)]
pub enum Time {
    Now,
    Today,
    Yesterday,
    Tomorrow,
    /// A timestamp- or date-typed expression.
    Expr(Expr),
}

/// The checked form of `occurs`; the value tested is a timestamp or date.
#[derive(Debug, Clone, PartialEq)]
pub enum Occurs {
    /// `occurs <cmp> N unit before|after t`. `before`: the distance is `t - v` and `v <= t`;
    /// `after`: the distance is `v - t` and `v >= t`; the distance compared with N units.
    Distance { cmp: CmpOp, count: i64, unit: Unit, after: bool, anchor: Time },
    /// `occurs before t` (`v < t`) / `occurs after t` (`v > t`).
    Relative { after: bool, anchor: Time },
    /// `occurs on t`: same calendar day in the project's time zone.
    On { anchor: Time },
    /// `occurs between a and b`: `a <= v <= b`.
    Between { start: Time, end: Time },
    /// `occurs this|last|next unit`: within that calendar period in the project's time zone.
    Calendar { offset: i64, unit: Unit },
}

/// The aggregation of a computed attribute (AEP's `mergeFunction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Sum,
    Count,
    Min,
    Max,
    Avg,
    MostRecent,
    First,
    /// The newest N values.
    List(u32),
    CountDistinct,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Function::Sum => "SUM",
            Function::Count => "COUNT",
            Function::Min => "MIN",
            Function::Max => "MAX",
            Function::Avg => "AVG",
            Function::MostRecent => "MOST_RECENT",
            Function::First => "FIRST",
            Function::List(_) => "LIST",
            Function::CountDistinct => "COUNT_DISTINCT",
        }
    }
}

/// A lookback window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    pub count: i64,
    pub unit: DurationUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
}

/// A checked computed attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    /// Where the value lands in the profile entity, split at dots.
    pub path: Vec<String>,
    pub function: Function,
    /// `F` in `xEvent[F]`, in scope 1 (the event); `None` when there is no filter.
    pub filter: Option<Expr>,
    /// `E` of `sum(E)`, `map(E)` …, in scope 1; `None` for COUNT.
    pub value: Option<Expr>,
    pub duration: Option<Duration>,
    /// The type of the attribute's value.
    pub ty: Type,
}

/// A checked audience: a boolean expression in scope 0 (the profile).
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    pub name: String,
    pub expr: Expr,
}

/// A path that rules read from events, with its type: the runtime extracts these into columns.
#[derive(Debug, Clone, PartialEq)]
pub struct EventPath {
    pub path: Vec<String>,
    pub ty: Type,
}

/// Everything the engines need: the evaluated attributes (DRAFT and DISABLED ones are left
/// out), the audiences, and the event paths they read.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    pub attributes: Vec<Attribute>,
    pub audiences: Vec<Audience>,
    /// Event paths read by any attribute or audience (scope of an event), deduplicated, sorted.
    /// `timestamp` is always present (it is the record time).
    pub event_paths: Vec<EventPath>,
    /// The type of a merged profile entity: the union of the profile datasets' schemas (declared
    /// and inferred) plus the computed attributes at their paths. Ingest types record values by it.
    pub profile_type: Type,
    /// The type of an event: the union of the event datasets' schemas.
    pub event_type: Type,
}
