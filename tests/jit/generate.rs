//! A generator of random well-typed IR expressions, attributes, events and profiles.

use super::{ex, AS_OF, DAY};
use mosaic::ir::{self, ArithOp, CmpOp, Expr, ExprKind, Func, Type};
use mosaic::value::{Map, Value};

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum T {
    Bool,
    Int,
    Double,
    Str,
    Ts,
    Date,
}

pub fn ty(t: T) -> Type {
    match t {
        T::Bool => Type::Bool,
        T::Int => Type::Int,
        T::Double => Type::Double,
        T::Str => Type::String,
        T::Ts => Type::Timestamp,
        T::Date => Type::Date,
    }
}

pub const EVENT_FIELDS: [(&str, T); 7] = [
    ("eventType", T::Str),
    ("name", T::Str),
    ("price", T::Double),
    ("qty", T::Int),
    ("flag", T::Bool),
    ("ts2", T::Ts),
    ("day", T::Date),
];
pub const PROFILE_FIELDS: [(&str, T); 6] = [
    ("country", T::Str),
    ("score", T::Double),
    ("age", T::Int),
    ("vip", T::Bool),
    ("seen", T::Ts),
    ("birthday", T::Date),
];
const STRINGS: [&str; 12] =
    ["", "a", "purchase", "PURCHASE", "Straße", "STRASSE", "ǅx", "İi", "日本語", "a_b%c", "x😀y", "view"];
const INTS: [i64; 8] = [0, 1, -1, 7, 42, i64::MAX, i64::MIN, -1_000_000_007];
const DOUBLES: [f64; 10] = [0.0, -0.0, 1.5, -2.25, 1e308, -1e308, 0.1, 3.0, 7.0, f64::MIN_POSITIVE];
/// 2026-03-29T01:00:00Z and 2026-10-25T01:00:00Z: DST changes in Europe.
pub const DST: [i64; 2] = [1_774_746_000_000_000, 1_792_890_000_000_000];

pub struct G(pub u64);

impl G {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn pick<X: Clone>(&mut self, xs: &[X]) -> X {
        let i = self.below(xs.len());
        xs[i].clone()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn ts(&mut self) -> i64 {
        let base = [AS_OF, DST[0], DST[1], AS_OF - 40 * DAY][self.below(4)];
        let jitter = self.pick(&[0, 1, -1, 3_600_000_000, -3_600_000_000, DAY, -DAY, -7 * DAY, -31 * DAY]);
        base + jitter
    }
    pub fn value(&mut self, t: T) -> Value {
        match t {
            T::Bool => Value::Bool(self.chance(50)),
            T::Int => Value::Int(INTS[self.below(INTS.len())]),
            T::Double => Value::Double(DOUBLES[self.below(DOUBLES.len())]),
            T::Str => Value::string(STRINGS[self.below(STRINGS.len())]),
            T::Ts => Value::Timestamp(self.ts()),
            T::Date => Value::Date((self.ts().div_euclid(DAY)) as i32 + self.below(3) as i32 - 1),
        }
    }
    /// A field's value: sometimes missing (null) or of the wrong type.
    pub fn cell(&mut self, t: T, wrong_pct: u64) -> Option<Value> {
        match self.below(10) {
            0 | 1 => None,
            _ if self.chance(wrong_pct) => {
                let t = self.pick(&[T::Str, T::Int, T::Bool]);
                Some(self.value(t))
            }
            _ => Some(self.value(t)),
        }
    }
    pub fn lit(&mut self, t: T) -> Expr {
        if self.chance(5) {
            return ex(ExprKind::Const(Value::Null), Type::Null);
        }
        ex(ExprKind::Const(self.value(t)), ty(t))
    }
    pub fn path(&mut self, t: T, event: bool) -> Option<Expr> {
        let (scope, fields): (u32, &[(&str, T)]) =
            if event && self.chance(85) { (1, &EVENT_FIELDS) } else { (0, &PROFILE_FIELDS) };
        if event && scope == 1 && t == T::Ts && self.chance(50) {
            return Some(ex(ExprKind::Path { scope: 1, path: vec!["timestamp".into()] }, Type::Timestamp));
        }
        let names: Vec<&str> = fields.iter().filter(|f| f.1 == t).map(|f| f.0).collect();
        let name = names.get(self.below(names.len().max(1)))?;
        Some(ex(ExprKind::Path { scope, path: vec![name.to_string()] }, ty(t)))
    }
    pub fn leaf(&mut self, t: T, event: bool) -> Expr {
        match self.chance(65).then(|| self.path(t, event)).flatten() {
            Some(p) => p,
            None => self.lit(t),
        }
    }
    pub fn expr(&mut self, t: T, event: bool, depth: u32) -> Expr {
        if depth == 0 || self.chance(30) {
            return self.leaf(t, event);
        }
        let d = depth - 1;
        let b = Box::new;
        match t {
            T::Bool => self.bool_expr(event, d),
            T::Int | T::Double => match self.below(5) {
                0 => {
                    // As `check` types it: `/` is always a double; int op int is an int otherwise.
                    let (l, r) = match t {
                        T::Int => (T::Int, T::Int),
                        _ => self.pick(&[
                            (T::Int, T::Double),
                            (T::Double, T::Int),
                            (T::Double, T::Double),
                            (T::Int, T::Int),
                        ]),
                    };
                    let op = match (t, l, r) {
                        (T::Int, ..) => self.pick(&[ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Rem]),
                        (_, T::Int, T::Int) => ArithOp::Div,
                        _ => {
                            self.pick(&[ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div, ArithOp::Rem])
                        }
                    };
                    ex(
                        ExprKind::Arith {
                            op,
                            lhs: b(self.expr(l, event, d)),
                            rhs: b(self.expr(r, event, d)),
                        },
                        ty(t),
                    )
                }
                1 => ex(ExprKind::Neg(b(self.expr(t, event, d))), ty(t)),
                2 => self.if_expr(t, event, d),
                3 if t == T::Int => {
                    let func = self.pick(&[Func::GetYear, Func::GetMonth, Func::GetDayOfMonth]);
                    let at = self.pick(&[T::Ts, T::Date]);
                    let arg = self.expr(at, event, d);
                    ex(ExprKind::Call { func, args: vec![arg] }, Type::Int)
                }
                4 if t == T::Int => {
                    let (func, args) = match self.below(2) {
                        0 => (Func::Length, vec![self.expr(T::Str, event, d)]),
                        _ => (
                            self.pick(&[Func::CurrentYear, Func::CurrentMonth, Func::CurrentDayOfMonth]),
                            vec![],
                        ),
                    };
                    ex(ExprKind::Call { func, args }, Type::Int)
                }
                _ => self.leaf(t, event),
            },
            T::Str => match self.below(3) {
                0 => {
                    let func = self.pick(&[Func::Lower, Func::Upper]);
                    ex(ExprKind::Call { func, args: vec![self.expr(T::Str, event, d)] }, Type::String)
                }
                1 => self.if_expr(t, event, d),
                _ => {
                    let pattern = ["(a)(b)?", "([A-Z]+)", "(.)"][self.below(3)].to_string();
                    let Ok(regex) = regex::Regex::new(&pattern) else { return self.leaf(t, event) };
                    let n = ex(ExprKind::Const(Value::Int(self.below(3) as i64)), Type::Int);
                    ex(
                        ExprKind::Call {
                            func: Func::RegexGroup(ir::RegexLit { pattern, regex }),
                            args: vec![self.expr(T::Str, event, d), n],
                        },
                        Type::String,
                    )
                }
            },
            T::Ts if self.chance(25) => {
                let func = self.pick(&[Func::Now, Func::Today, Func::Yesterday, Func::Tomorrow]);
                ex(ExprKind::Call { func, args: Vec::new() }, Type::Timestamp)
            }
            T::Ts | T::Date => self.if_expr(t, event, d),
        }
    }
    pub fn if_expr(&mut self, t: T, event: bool, d: u32) -> Expr {
        let (c, a, e) = (self.bool_expr(event, d), self.expr(t, event, d), self.expr(t, event, d));
        ex(ExprKind::If { cond: Box::new(c), then: Box::new(a), otherwise: Box::new(e) }, ty(t))
    }
    pub fn time(&mut self, event: bool, d: u32) -> ir::Time {
        match self.below(5) {
            0 => ir::Time::Now,
            1 => ir::Time::Today,
            2 => ir::Time::Yesterday,
            3 => ir::Time::Tomorrow,
            _ => {
                let _ = (event, d);
                let t = self.pick(&[T::Ts, T::Date]);
                ir::Time::Expr(ex(ExprKind::Const(self.value(t)), ty(t)))
            }
        }
    }
    pub fn bool_expr(&mut self, event: bool, d: u32) -> Expr {
        let b = Box::new;
        let all = [T::Bool, T::Int, T::Double, T::Str, T::Ts, T::Date];
        match self.below(11) {
            0 | 1 => {
                let l = all[self.below(6)];
                let r = match (l, self.below(4)) {
                    (T::Int, 0) => T::Double,
                    (T::Double, 0) => T::Int,
                    (T::Ts, 0) => T::Date,
                    (T::Date, 0) => T::Ts,
                    (_, 1) => all[self.below(6)],
                    _ => l,
                };
                let op = self.pick(&[CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge]);
                ex(
                    ExprKind::Compare { op, lhs: b(self.expr(l, event, d)), rhs: b(self.expr(r, event, d)) },
                    Type::Bool,
                )
            }
            2 => {
                let op = self.pick(&[ir::LogicOp::And, ir::LogicOp::Or]);
                ex(
                    ExprKind::Logic {
                        op,
                        lhs: b(self.bool_expr(event, d)),
                        rhs: b(self.bool_expr(event, d)),
                    },
                    Type::Bool,
                )
            }
            3 => ex(ExprKind::Not(b(self.expr(T::Bool, event, d))), Type::Bool),
            4 => {
                let t = self.pick(&[T::Int, T::Double, T::Str, T::Bool]);
                let items = (0..self.below(4))
                    .map(|_| {
                        let it = self.pick(&[t, T::Int, T::Double]);
                        self.lit(it)
                    })
                    .collect();
                let list = ex(ExprKind::Array(items), Type::Array(Box::new(ty(t))));
                ex(
                    ExprKind::In { negated: self.chance(50), expr: b(self.expr(t, event, d)), list: b(list) },
                    Type::Bool,
                )
            }
            5 => {
                let pattern = self.pick(&["%", "a%", "%a", "_", "%ß%", "p_rch%", "", "a_b%c"]).to_string();
                ex(ExprKind::Like { expr: b(self.expr(T::Str, event, d)), pattern }, Type::Bool)
            }
            6 => {
                let funcs = [
                    Func::StartsWith,
                    Func::EndsWith,
                    Func::Contains,
                    Func::Equals,
                    Func::NotEqualTo,
                    Func::DoesNotStartWith,
                    Func::DoesNotEndWith,
                    Func::DoesNotContain,
                ];
                let func = funcs[self.below(funcs.len())].clone();
                let mut args = vec![self.expr(T::Str, event, d), self.expr(T::Str, event, d)];
                if self.chance(50) {
                    args.push(ex(ExprKind::Const(Value::Bool(self.chance(50))), Type::Bool));
                }
                ex(ExprKind::Call { func, args }, Type::Bool)
            }
            7 => {
                let pattern = ["a.*", "[a-z]+", ".*ß.*", "日本.", ""][self.below(5)].to_string();
                let Ok(regex) = regex::Regex::new(&pattern) else { return self.leaf(T::Bool, event) };
                ex(
                    ExprKind::Call {
                        func: Func::Matches(ir::RegexLit { pattern, regex }),
                        args: vec![self.expr(T::Str, event, d)],
                    },
                    Type::Bool,
                )
            }
            8 => {
                let func = self.pick(&[Func::IsNull, Func::IsNotNull]);
                let at = self.pick(&all);
                ex(ExprKind::Call { func, args: vec![self.expr(at, event, d)] }, Type::Bool)
            }
            9 => {
                let units = [
                    ir::Unit::Millisecond,
                    ir::Unit::Second,
                    ir::Unit::Minute,
                    ir::Unit::Hour,
                    ir::Unit::Day,
                    ir::Unit::Week,
                    ir::Unit::Month,
                    ir::Unit::Year,
                ];
                let unit = units[self.below(units.len())];
                let occurs = match self.below(5) {
                    0 => {
                        let cmp =
                            self.pick(&[CmpOp::Eq, CmpOp::Ne, CmpOp::Lt, CmpOp::Le, CmpOp::Gt, CmpOp::Ge]);
                        ir::Occurs::Distance {
                            cmp,
                            count: self.below(40) as i64,
                            unit,
                            after: self.chance(50),
                            anchor: self.time(event, d),
                        }
                    }
                    1 => ir::Occurs::Relative { after: self.chance(50), anchor: self.time(event, d) },
                    2 => ir::Occurs::On { anchor: self.time(event, d) },
                    3 => ir::Occurs::Between { start: self.time(event, d), end: self.time(event, d) },
                    _ => ir::Occurs::Calendar { offset: self.below(3) as i64 - 1, unit },
                };
                let vt = self.pick(&[T::Ts, T::Date]);
                let v = self.expr(vt, event, d);
                ex(ExprKind::Occurs { expr: Box::new(v), occurs: Box::new(occurs) }, Type::Bool)
            }
            _ if !event => {
                let inner = self.bool_expr(true, d);
                let events = || b(ex(ExprKind::Events, Type::Any));
                match self.below(3) {
                    0 => ex(
                        ExprKind::Each {
                            op: ir::ArrayOp::Any,
                            array: events(),
                            scope: 1,
                            inner: Some(b(inner)),
                        },
                        Type::Bool,
                    ),
                    1 => ex(
                        ExprKind::Each {
                            op: ir::ArrayOp::All,
                            array: events(),
                            scope: 1,
                            inner: Some(b(inner)),
                        },
                        Type::Bool,
                    ),
                    _ => {
                        // `xEvent[F].count()`, or now and then plain `xEvent.count()`.
                        let filtered = match self.chance(20) {
                            true => *events(),
                            false => ex(
                                ExprKind::Each {
                                    op: ir::ArrayOp::Filter,
                                    array: events(),
                                    scope: 1,
                                    inner: Some(b(inner)),
                                },
                                Type::Any,
                            ),
                        };
                        let count = ex(ExprKind::Call { func: Func::Count, args: vec![filtered] }, Type::Int);
                        let n = ex(ExprKind::Const(Value::Int(self.below(3) as i64)), Type::Int);
                        ex(ExprKind::Compare { op: CmpOp::Ge, lhs: b(count), rhs: b(n) }, Type::Bool)
                    }
                }
            }
            _ => self.leaf(T::Bool, event),
        }
    }
    pub fn attribute(&mut self, i: usize) -> ir::Attribute {
        use ir::Function as F;
        let n = 1 + self.below(3) as u32;
        let function = self.pick(&[
            F::Sum,
            F::Count,
            F::Min,
            F::Max,
            F::Avg,
            F::MostRecent,
            F::First,
            F::List(n),
            F::CountDistinct,
        ]);
        let t = match function {
            F::Sum | F::Avg => self.pick(&[T::Int, T::Double]),
            F::Min | F::Max => self.pick(&[T::Int, T::Double, T::Ts, T::Date]),
            _ => self.pick(&[T::Bool, T::Int, T::Double, T::Str, T::Ts, T::Date]),
        };
        let value = (function != F::Count).then(|| self.expr(t, true, 3));
        let units = [
            ir::DurationUnit::Minutes,
            ir::DurationUnit::Hours,
            ir::DurationUnit::Days,
            ir::DurationUnit::Weeks,
            ir::DurationUnit::Months,
        ];
        let duration = self
            .chance(60)
            .then(|| ir::Duration { count: self.below(40) as i64, unit: units[self.below(5)] });
        ir::Attribute {
            name: format!("a{i}"),
            path: vec![format!("a{i}")],
            function,
            filter: self.chance(80).then(|| self.bool_expr(true, 3)),
            value,
            duration,
            ty: ty(t),
        }
    }
    pub fn object(&mut self, fields: &[(&str, T)], wrong_pct: u64) -> Map {
        let mut m = Map::new();
        for (name, t) in fields {
            if let Some(v) = self.cell(*t, wrong_pct) {
                m.insert(name.to_string(), v);
            }
        }
        m
    }
}
