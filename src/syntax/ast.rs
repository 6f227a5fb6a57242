//! The PQL abstract syntax tree: what the parser produces and the printer prints.
//!
//! Spans are byte ranges into the expression text (after YAML unescaping); the policy loader's
//! `ExprSource` maps them back into the YAML file. The AST keeps the surface syntax: `a.b.c` is a
//! `Path`, `a.f(x)` a `Method`, so that printing gives back what the user wrote (modulo spacing
//! and parentheses).

use std::ops::Range;

pub type Span = Range<usize>;

/// A node with its span in the expression text.
#[derive(Debug, Clone)]
pub struct Node<T> {
    pub span: Span,
    pub node: T,
}

impl<T> Node<T> {
    pub fn new(span: Span, node: T) -> Self {
        Self { span, node }
    }
}

/// Equality ignores spans, so that `parse(print(ast)) == ast` can be checked.
impl<T: PartialEq> PartialEq for Node<T> {
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

pub type Expr = Node<ExprKind>;
pub type Ident = Node<String>;

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `"text"`, `42`, `4.5`, `true`, `null`.
    Literal(Literal),
    /// `[a, b]`.
    Array(Vec<Expr>),
    /// `{"k": e, ...}`.
    Object(Vec<(Node<String>, Expr)>),
    /// `person.name.firstName`, `xEvent`, `timestamp`, or a quantifier variable `X.sku`.
    /// `up` counts leading `^.` (`^.person.x` has up = 1, `^^.a` up = 2).
    Path { up: u32, segments: Vec<Ident> },
    /// `e.field` where `e` is not itself a path (e.g. `xs.head().value`).
    Field { target: Box<Expr>, name: Ident },
    /// `f(args)`: `date(2026, 3, 14)`, `timestamp("...")`, `if(c, a, b)`, `currentYear()`.
    Call { name: Ident, args: Vec<Expr> },
    /// `e.method(args)`: string, date, array and null methods.
    Method { target: Box<Expr>, name: Ident, args: Vec<Expr> },
    /// `e[cond]`.
    Filter { target: Box<Expr>, cond: Box<Expr> },
    /// `not e`, `!e`, `-e`.
    Unary { op: UnaryOp, expr: Box<Expr> },
    /// `a op b` for arithmetic, comparison, `and`, `or`.
    Binary { op: BinaryOp, lhs: Box<Expr>, rhs: Box<Expr> },
    /// `e in [..]` / `e notIn [..]` (the list is any expression, usually an array literal).
    In { negated: bool, expr: Box<Expr>, list: Box<Expr> },
    /// `e like "pat"`.
    Like { expr: Box<Expr>, pattern: Box<Expr> },
    /// `e occurs ...`.
    Occurs { expr: Box<Expr>, occurs: Box<Occurs> },
    /// `exists X from A where cond` / `forall X from A where cond`.
    Quantifier { kind: Quantifier, var: Ident, source: Box<Expr>, cond: Box<Expr> },
    /// Placeholder for a part that failed to parse (the parser never fails outright).
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Int(i64),
    Double(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not e` or `!e`.
    Not,
    /// `-e`.
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Exists,
    Forall,
}

/// A calendar or clock unit as written (`day`, `days`, `week` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Before,
    After,
}

/// A time anchor in an `occurs` form.
#[derive(Debug, Clone, PartialEq)]
pub enum Time {
    Now,
    Today,
    Yesterday,
    Tomorrow,
    /// Any expression giving a timestamp or date: a literal, `date(..)`, a path.
    Expr(Expr),
}

/// The part after `occurs`.
#[derive(Debug, Clone, PartialEq)]
pub enum Occurs {
    /// `occurs <cmp> N <unit> before|after <time>`: e.g. `occurs <= 7 days before now`.
    Distance { cmp: BinaryOp, count: Node<i64>, unit: Node<Unit>, direction: Direction, anchor: Node<Time> },
    /// `occurs before|after <time>`.
    Relative { direction: Direction, anchor: Node<Time> },
    /// `occurs on <time>` (same calendar day in the project's time zone).
    On { anchor: Node<Time> },
    /// `occurs between <time> and <time>`.
    Between { start: Node<Time>, end: Node<Time> },
    /// `occurs this|last|next <unit>`.
    Calendar { which: Calendar, unit: Node<Unit> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    This,
    Last,
    Next,
}
