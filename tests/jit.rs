//! Native code against expected values: hand-built IR programs over hand-built event columns.

use mosaic::codegen::{self, Native};
use mosaic::engine::{Column, Compiled, EvalContext, EventColumns};
use mosaic::intern::Interner;
use mosaic::ir::{self, ArithOp, CmpOp, Expr, ExprKind, Function, Type};
use mosaic::value::{Map, Value};
use std::sync::Arc;

const DAY: i64 = 86_400_000_000;
/// 2026-10-01T00:00:00Z.
const AS_OF: i64 = 1_790_812_800_000_000;

fn ex(kind: ExprKind, ty: Type) -> Expr {
    Expr { kind, ty, span: 0..0 }
}
fn lit(v: Value) -> Expr {
    let ty = match &v {
        Value::Null => Type::Null,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Double(_) => Type::Double,
        Value::String(_) => Type::String,
        Value::Timestamp(_) => Type::Timestamp,
        Value::Date(_) => Type::Date,
        _ => Type::Any,
    };
    ex(ExprKind::Const(v), ty)
}
fn ev(path: &str, ty: Type) -> Expr {
    ex(ExprKind::Path { scope: 1, path: path.split('.').map(String::from).collect() }, ty)
}
fn prof(path: &str, ty: Type) -> Expr {
    ex(ExprKind::Path { scope: 0, path: path.split('.').map(String::from).collect() }, ty)
}
fn cmp(op: CmpOp, l: Expr, r: Expr) -> Expr {
    ex(ExprKind::Compare { op, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool)
}
fn and(l: Expr, r: Expr) -> Expr {
    ex(ExprKind::Logic { op: ir::LogicOp::And, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool)
}
fn arith(op: ArithOp, l: Expr, r: Expr, ty: Type) -> Expr {
    ex(ExprKind::Arith { op, lhs: Box::new(l), rhs: Box::new(r) }, ty)
}
fn call(func: ir::Func, args: Vec<Expr>, ty: Type) -> Expr {
    ex(ExprKind::Call { func, args }, ty)
}
fn is_purchase() -> Expr {
    cmp(CmpOp::Eq, ev("eventType", Type::String), lit("purchase".into()))
}
fn attr(
    name: &str,
    function: Function,
    filter: Option<Expr>,
    value: Option<Expr>,
    days: Option<i64>,
) -> ir::Attribute {
    let ty = value.as_ref().map_or(Type::Int, |v| v.ty.clone());
    ir::Attribute {
        name: name.into(),
        path: vec!["computedAttributes".into(), name.into()],
        function,
        filter,
        value,
        duration: days.map(|count| ir::Duration { count, unit: ir::DurationUnit::Days }),
        ty,
    }
}

fn paths() -> Vec<ir::EventPath> {
    let p = |s: &str, ty| ir::EventPath { path: s.split('.').map(String::from).collect(), ty };
    vec![
        p("eventType", Type::String),
        p("price", Type::Double),
        p("qty", Type::Int),
        p("timestamp", Type::Timestamp),
    ]
}

fn program(attributes: Vec<ir::Attribute>, audiences: Vec<ir::Audience>) -> ir::Program {
    ir::Program {
        attributes,
        audiences,
        event_paths: paths(),
        profile_type: Type::Any,
        event_type: Type::Any,
    }
}

/// Events: (days before AS_OF, eventType, price, qty); `Value::Null` = missing.
fn events(interner: &Interner, rows: &[(i64, Value, Value, Value)]) -> EventColumns {
    let mut cols = vec![Column::default(); 4];
    let mut ts = Vec::new();
    for (days, et, price, qty) in rows {
        ts.push(AS_OF - days * DAY);
        for (c, v) in cols.iter_mut().zip([et, price, qty, &Value::Timestamp(AS_OF - days * DAY)]) {
            let (t, b) = match v {
                Value::String(s) => (4, interner.intern(s) as u64),
                Value::Int(i) => (2, *i as u64),
                Value::Double(d) => (3, d.to_bits()),
                Value::Timestamp(t) => (5, *t as u64),
                _ => (0, 0),
            };
            c.tags.push(t);
            c.bits.push(b);
        }
    }
    EventColumns { timestamp: ts, columns: cols }
}

fn ctx(interner: &Arc<Interner>) -> EvalContext {
    EvalContext { as_of: AS_OF, tz: jiff::tz::TimeZone::UTC, interner: interner.clone() }
}

fn sample(interner: &Interner) -> EventColumns {
    use Value::Null;
    let s = |x: &str| Value::string(x);
    events(
        interner,
        &[
            (40, s("purchase"), Value::Double(1000.0), Value::Int(1)),
            (20, s("purchase"), Value::Double(10.5), Value::Int(2)),
            (10, s("view"), Value::Double(99.0), Value::Int(7)),
            (5, s("purchase"), Null, Value::Int(3)),
            (3, s("purchase"), Value::Double(-2.25), s("oops")),
            (1, s("Purchase"), Value::Double(4.0), Value::Int(4)),
            (-1, s("purchase"), Value::Double(500.0), Value::Int(9)),
        ],
    )
}

fn run_attributes(p: &ir::Program, interner: &Arc<Interner>, cols: &EventColumns) -> Vec<Value> {
    let native = Native::new(p, interner).expect("compiles");
    assert!(native.fallbacks().is_empty(), "fell back: {:?}", native.fallbacks());
    let mut out = Vec::new();
    native.attributes(&Value::Null, cols, 0..cols.len(), &ctx(interner), &mut out);
    out
}

#[test]
fn aggregates_over_a_window_skip_nulls_and_wrong_types() {
    let interner = Arc::new(Interner::new());
    let cols = sample(&interner);
    let price = || Some(ev("price", Type::Double));
    let qty = || Some(ev("qty", Type::Int));
    let p = program(
        vec![
            attr("sum30", Function::Sum, Some(is_purchase()), price(), Some(30)),
            attr("count", Function::Count, Some(is_purchase()), None, None),
            attr("qtySum", Function::Sum, Some(is_purchase()), qty(), Some(30)),
            attr("minPrice", Function::Min, None, price(), None),
            attr("maxPrice", Function::Max, Some(is_purchase()), price(), None),
            attr("avgQty", Function::Avg, None, qty(), None),
            attr("recent", Function::MostRecent, None, Some(ev("eventType", Type::String)), None),
            attr("first", Function::First, Some(is_purchase()), price(), Some(30)),
            attr("list", Function::List(2), Some(is_purchase()), qty(), None),
            attr("distinct", Function::CountDistinct, None, Some(ev("eventType", Type::String)), None),
            attr("none", Function::Sum, Some(is_purchase()), price(), Some(1)),
            attr(
                "noneCount",
                Function::Count,
                Some(cmp(CmpOp::Eq, ev("eventType", Type::String), lit("x".into()))),
                None,
                None,
            ),
        ],
        vec![],
    );
    let out = run_attributes(&p, &interner, &cols);
    let expected = vec![
        Value::Double(10.5 - 2.25),
        Value::Int(4),
        Value::Int(5),
        Value::Double(-2.25),
        Value::Double(1000.0),
        Value::Double((1 + 2 + 7 + 3 + 4) as f64 / 5.0),
        Value::string("Purchase"),
        Value::Double(10.5),
        Value::array(vec![Value::Int(3), Value::Int(2)]),
        Value::Int(3),
        Value::Null,
        Value::Int(0),
    ];
    for (i, (got, want)) in out.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "attribute {}", p.attributes[i].name);
        assert_eq!(got.type_name(), want.type_name(), "attribute {}", p.attributes[i].name);
    }
}

#[test]
fn int_overflow_division_by_zero_and_mixed_arithmetic_give_null_or_double() {
    let interner = Arc::new(Interner::new());
    let big = Value::Int(i64::MAX - 1);
    let cols = events(
        &interner,
        &[
            (1, "a".into(), Value::Double(2.0), big.clone()),
            (0, "a".into(), Value::Double(0.0), Value::Int(5)),
        ],
    );
    let qty = || ev("qty", Type::Int);
    let price = || ev("price", Type::Double);
    let p = program(
        vec![
            attr("overflow", Function::Sum, None, Some(qty()), None),
            attr(
                "plusOne",
                Function::Max,
                None,
                Some(arith(ArithOp::Add, qty(), lit(Value::Int(2)), Type::Int)),
                None,
            ),
            attr(
                "div",
                Function::Sum,
                None,
                Some(arith(ArithOp::Div, lit(Value::Int(10)), price(), Type::Double)),
                None,
            ),
            attr(
                "rem",
                Function::Sum,
                None,
                Some(arith(ArithOp::Rem, qty(), lit(Value::Int(0)), Type::Int)),
                None,
            ),
            attr(
                "mixed",
                Function::Sum,
                None,
                Some(arith(ArithOp::Mul, qty(), lit(Value::Double(0.5)), Type::Double)),
                None,
            ),
        ],
        vec![],
    );
    let out = run_attributes(&p, &interner, &cols);
    assert_eq!(out[0], Value::Null, "i64 overflow of the sum");
    assert_eq!(out[1], Value::Int(7), "MAX - 1 + 2 overflows to null, 5 + 2 = 7");
    assert_eq!(out[2], Value::Double(5.0), "10 / 0.0 is null and skipped");
    assert_eq!(out[3], Value::Null);
    assert_eq!(out[4], Value::Double((i64::MAX - 1) as f64 * 0.5 + 2.5));
}

#[test]
fn string_methods_like_in_and_occurs() {
    let interner = Arc::new(Interner::new());
    let cols = sample(&interner);
    let et = || ev("eventType", Type::String);
    let count = |f: Expr| attr("c", Function::Count, Some(f), None, None);
    let in_list = ex(
        ExprKind::In {
            negated: false,
            expr: Box::new(et()),
            list: Box::new(ex(
                ExprKind::Array(vec![lit("view".into()), lit("Purchase".into())]),
                Type::Array(Box::new(Type::String)),
            )),
        },
        Type::Bool,
    );
    let not_in = ex(
        ExprKind::In {
            negated: true,
            expr: Box::new(ev("qty", Type::Int)),
            list: Box::new(lit(Value::array(vec![Value::Int(7), Value::Double(2.0)]))),
        },
        Type::Bool,
    );
    let like = ex(ExprKind::Like { expr: Box::new(et()), pattern: "_urch%".into() }, Type::Bool);
    let contains_ci =
        call(ir::Func::Contains, vec![et(), lit("PURCH".into()), lit(Value::Bool(false))], Type::Bool);
    let starts = call(ir::Func::StartsWith, vec![et(), lit("pur".into())], Type::Bool);
    let occurs = ex(
        ExprKind::Occurs {
            expr: Box::new(ev("timestamp", Type::Timestamp)),
            occurs: Box::new(ir::Occurs::Distance {
                cmp: CmpOp::Le,
                count: 7,
                unit: ir::Unit::Day,
                after: false,
                anchor: ir::Time::Now,
            }),
        },
        Type::Bool,
    );
    let lt = cmp(CmpOp::Lt, et(), lit("q".into()));
    let upper_eq = cmp(CmpOp::Eq, call(ir::Func::Upper, vec![et()], Type::String), lit("VIEW".into()));
    let not_null = call(ir::Func::IsNotNull, vec![ev("price", Type::Double)], Type::Bool);
    let p = program(
        [in_list, not_in, like, contains_ci, starts, occurs, lt, upper_eq, not_null]
            .into_iter()
            .map(count)
            .collect(),
        vec![],
    );
    let out = run_attributes(&p, &interner, &cols);
    // Rows after as_of never qualify; "oops" in qty is a wrong-typed cell (null): notIn is false;
    // `_urch%` matches "Purchase" as well.
    let want = [2, 3, 5, 5, 4, 3, 5, 1, 5];
    assert_eq!(out, want.iter().map(|n| Value::Int(*n)).collect::<Vec<_>>());
}

#[test]
fn audiences_read_profile_leaves_and_loop_over_events() {
    let interner = Arc::new(Interner::new());
    let cols = sample(&interner);
    let mut m = Map::new();
    m.insert("country".into(), Value::string("SE"));
    let mut ca = Map::new();
    ca.insert("spend".into(), Value::Double(600.0));
    m.insert("computedAttributes".into(), Value::object(ca));
    let profile = Value::object(m);
    let any = |cond: Expr, op| {
        ex(
            ExprKind::Each {
                op,
                array: Box::new(ex(ExprKind::Events, Type::Any)),
                scope: 1,
                inner: Some(Box::new(cond)),
            },
            Type::Bool,
        )
    };
    let se = cmp(CmpOp::Eq, prof("country", Type::String), lit("SE".into()));
    let spend = cmp(CmpOp::Gt, prof("computedAttributes.spend", Type::Double), lit(Value::Int(500)));
    let big = cmp(CmpOp::Gt, ev("price", Type::Double), lit(Value::Double(999.0)));
    let views = call(
        ir::Func::Count,
        vec![ex(
            ExprKind::Each {
                op: ir::ArrayOp::Filter,
                array: Box::new(ex(ExprKind::Events, Type::Any)),
                scope: 1,
                inner: Some(Box::new(is_purchase())),
            },
            Type::Any,
        )],
        Type::Int,
    );
    let aud = |name: &str, expr| ir::Audience { name: name.into(), expr };
    let p = program(
        vec![],
        vec![
            aud("vip", and(and(se.clone(), spend), any(big.clone(), ir::ArrayOp::Any))),
            aud("allBig", any(big, ir::ArrayOp::All)),
            aud(
                "notMissing",
                ex(
                    ExprKind::Not(Box::new(cmp(CmpOp::Eq, prof("missing", Type::String), lit("x".into())))),
                    Type::Bool,
                ),
            ),
            aud("fivePurchases", cmp(CmpOp::Eq, views, lit(Value::Int(5)))),
            aud("notSe", ex(ExprKind::Not(Box::new(se)), Type::Bool)),
        ],
    );
    let native = Native::new(&p, &interner).expect("compiles");
    assert!(native.fallbacks().is_empty(), "{:?}", native.fallbacks());
    let mut out = Vec::new();
    native.audiences(&profile, &cols, 0..cols.len(), &ctx(&interner), &mut out);
    assert_eq!(out, vec![true, false, true, true, false]);
    // A profile without events: any is false, all is true.
    native.audiences(&profile, &cols, 0..0, &ctx(&interner), &mut out);
    assert_eq!(out, vec![false, true, true, false, false]);
}

#[test]
fn unsupported_constructs_are_listed_and_rows_are_clamped() {
    let interner = Arc::new(Interner::new());
    let cols = sample(&interner);
    let obj = ex(ExprKind::Object(vec![("v".into(), ev("price", Type::Double))]), Type::Any);
    let p = program(
        vec![
            attr("obj", Function::MostRecent, None, Some(obj), None),
            attr("n", Function::Count, None, None, None),
        ],
        vec![],
    );
    let native = Native::new(&p, &interner).expect("compiles");
    assert_eq!(native.fallbacks().len(), 1, "{:?}", native.fallbacks());
    let compiled = codegen::compile(&p, &interner);
    let mut out = Vec::new();
    // A row range past the data is clamped, never read out of bounds.
    compiled.attributes(&Value::Null, &cols, 2..100, &ctx(&interner), &mut out);
    assert_eq!(out[1], Value::Int(4));
    // The object-valued attribute ran in the interpreter: the newest row up to as_of.
    let mut want = Map::new();
    want.insert("v".into(), Value::Double(4.0));
    assert_eq!(format!("{:?}", out[0]), format!("{:?}", Value::object(want)));
}

/// Random well-typed programs over random events: native code and the interpreter agree.
mod agreement {
    use super::{ex, AS_OF, DAY};
    use mosaic::codegen::Native;
    use mosaic::engine::{columns_from_events, Compiled, EvalContext};
    use mosaic::intern::Interner;
    use mosaic::interp::Interpreter;
    use mosaic::ir::{self, ArithOp, CmpOp, Expr, ExprKind, Func, Type};
    use mosaic::value::{Map, Value};
    use proptest::prelude::*;
    use std::sync::Arc;

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum T {
        Bool,
        Int,
        Double,
        Str,
        Ts,
        Date,
    }

    fn ty(t: T) -> Type {
        match t {
            T::Bool => Type::Bool,
            T::Int => Type::Int,
            T::Double => Type::Double,
            T::Str => Type::String,
            T::Ts => Type::Timestamp,
            T::Date => Type::Date,
        }
    }

    const EVENT_FIELDS: [(&str, T); 7] = [
        ("eventType", T::Str),
        ("name", T::Str),
        ("price", T::Double),
        ("qty", T::Int),
        ("flag", T::Bool),
        ("ts2", T::Ts),
        ("day", T::Date),
    ];
    const PROFILE_FIELDS: [(&str, T); 6] = [
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
    const DST: [i64; 2] = [1_774_746_000_000_000, 1_792_890_000_000_000];

    struct G(u64);

    impl G {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<X: Clone>(&mut self, xs: &[X]) -> X {
            let i = self.below(xs.len());
            xs[i].clone()
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn chance(&mut self, pct: u64) -> bool {
            self.next() % 100 < pct
        }
        fn ts(&mut self) -> i64 {
            let base = [AS_OF, DST[0], DST[1], AS_OF - 40 * DAY][self.below(4)];
            let jitter =
                self.pick(&[0, 1, -1, 3_600_000_000, -3_600_000_000, DAY, -DAY, -7 * DAY, -31 * DAY]);
            base + jitter
        }
        fn value(&mut self, t: T) -> Value {
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
        fn cell(&mut self, t: T, wrong_pct: u64) -> Option<Value> {
            match self.below(10) {
                0 | 1 => None,
                _ if self.chance(wrong_pct) => {
                    let t = self.pick(&[T::Str, T::Int, T::Bool]);
                    Some(self.value(t))
                }
                _ => Some(self.value(t)),
            }
        }
        fn lit(&mut self, t: T) -> Expr {
            if self.chance(5) {
                return ex(ExprKind::Const(Value::Null), Type::Null);
            }
            ex(ExprKind::Const(self.value(t)), ty(t))
        }
        fn path(&mut self, t: T, event: bool) -> Option<Expr> {
            let (scope, fields): (u32, &[(&str, T)]) =
                if event && self.chance(85) { (1, &EVENT_FIELDS) } else { (0, &PROFILE_FIELDS) };
            if event && scope == 1 && t == T::Ts && self.chance(50) {
                return Some(ex(
                    ExprKind::Path { scope: 1, path: vec!["timestamp".into()] },
                    Type::Timestamp,
                ));
            }
            let names: Vec<&str> = fields.iter().filter(|f| f.1 == t).map(|f| f.0).collect();
            let name = names.get(self.below(names.len().max(1)))?;
            Some(ex(ExprKind::Path { scope, path: vec![name.to_string()] }, ty(t)))
        }
        fn leaf(&mut self, t: T, event: bool) -> Expr {
            match self.chance(65).then(|| self.path(t, event)).flatten() {
                Some(p) => p,
                None => self.lit(t),
            }
        }
        fn expr(&mut self, t: T, event: bool, depth: u32) -> Expr {
            if depth == 0 || self.chance(30) {
                return self.leaf(t, event);
            }
            let d = depth - 1;
            let b = Box::new;
            match t {
                T::Bool => self.bool_expr(event, d),
                T::Int | T::Double => match self.below(5) {
                    0 => {
                        let (l, r) = if t == T::Int {
                            (T::Int, T::Int)
                        } else {
                            self.pick(&[(T::Int, T::Double), (T::Double, T::Int), (T::Double, T::Double)])
                        };
                        let op = self.pick(&[
                            ArithOp::Add,
                            ArithOp::Sub,
                            ArithOp::Mul,
                            ArithOp::Div,
                            ArithOp::Rem,
                        ]);
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
                T::Ts | T::Date => self.if_expr(t, event, d),
            }
        }
        fn if_expr(&mut self, t: T, event: bool, d: u32) -> Expr {
            let (c, a, e) = (self.bool_expr(event, d), self.expr(t, event, d), self.expr(t, event, d));
            ex(ExprKind::If { cond: Box::new(c), then: Box::new(a), otherwise: Box::new(e) }, ty(t))
        }
        fn time(&mut self, event: bool, d: u32) -> ir::Time {
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
        fn bool_expr(&mut self, event: bool, d: u32) -> Expr {
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
                        ExprKind::Compare {
                            op,
                            lhs: b(self.expr(l, event, d)),
                            rhs: b(self.expr(r, event, d)),
                        },
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
                        ExprKind::In {
                            negated: self.chance(50),
                            expr: b(self.expr(t, event, d)),
                            list: b(list),
                        },
                        Type::Bool,
                    )
                }
                5 => {
                    let pattern =
                        self.pick(&["%", "a%", "%a", "_", "%ß%", "p_rch%", "", "a_b%c"]).to_string();
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
                            let cmp = self.pick(&[
                                CmpOp::Eq,
                                CmpOp::Ne,
                                CmpOp::Lt,
                                CmpOp::Le,
                                CmpOp::Gt,
                                CmpOp::Ge,
                            ]);
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
                            let filtered = ex(
                                ExprKind::Each {
                                    op: ir::ArrayOp::Filter,
                                    array: events(),
                                    scope: 1,
                                    inner: Some(b(inner)),
                                },
                                Type::Any,
                            );
                            let count =
                                ex(ExprKind::Call { func: Func::Count, args: vec![filtered] }, Type::Int);
                            let n = ex(ExprKind::Const(Value::Int(self.below(3) as i64)), Type::Int);
                            ex(ExprKind::Compare { op: CmpOp::Ge, lhs: b(count), rhs: b(n) }, Type::Bool)
                        }
                    }
                }
                _ => self.leaf(T::Bool, event),
            }
        }
        fn attribute(&mut self, i: usize) -> ir::Attribute {
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
        fn object(&mut self, fields: &[(&str, T)], wrong_pct: u64) -> Map {
            let mut m = Map::new();
            for (name, t) in fields {
                if let Some(v) = self.cell(*t, wrong_pct) {
                    m.insert(name.to_string(), v);
                }
            }
            m
        }
    }

    fn tz(i: usize) -> jiff::tz::TimeZone {
        match i {
            0 => jiff::tz::TimeZone::UTC,
            1 => jiff::tz::TimeZone::get("Europe/Stockholm").unwrap_or(jiff::tz::TimeZone::UTC),
            _ => jiff::tz::TimeZone::get("Asia/Kolkata").unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }

    fn check(seed: u64) -> Result<(), TestCaseError> {
        let mut g = G(seed | 1);
        let attributes: Vec<_> = (0..3).map(|i| g.attribute(i)).collect();
        let audiences =
            (0..3).map(|i| ir::Audience { name: format!("s{i}"), expr: g.bool_expr(false, 3) }).collect();
        let mut event_paths: Vec<ir::EventPath> = EVENT_FIELDS
            .iter()
            .map(|(n, t)| ir::EventPath { path: vec![n.to_string()], ty: ty(*t) })
            .collect();
        event_paths.push(ir::EventPath { path: vec!["timestamp".into()], ty: Type::Timestamp });
        let program = ir::Program {
            attributes,
            audiences,
            event_paths,
            profile_type: Type::Any,
            event_type: Type::Any,
        };
        let interner = Arc::new(Interner::new());
        let events: Vec<Value> = (0..g.below(9))
            .map(|_| {
                let mut m = g.object(&EVENT_FIELDS, 12);
                m.insert("timestamp".into(), Value::Timestamp(g.ts()));
                Value::object(m)
            })
            .collect();
        let profile = Value::object(g.object(&PROFILE_FIELDS, 2));
        let cols = columns_from_events(&program, &events, &interner);
        let as_of = [AS_OF, DST[0], DST[1] + 1_800_000_000][g.below(3)];
        let ctx = EvalContext { as_of, tz: tz(g.below(3)), interner: interner.clone() };
        let native = Native::new(&program, &interner).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(native.fallbacks().is_empty(), "fell back: {:?}", native.fallbacks());
        let interp = Interpreter::new(program.clone(), interner.clone());
        let (mut a, mut b) = (Vec::new(), Vec::new());
        native.attributes(&profile, &cols, 0..cols.len(), &ctx, &mut a);
        interp.attributes(&profile, &cols, 0..cols.len(), &ctx, &mut b);
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            prop_assert_eq!(
                format!("{x:?}"),
                format!("{y:?}"),
                "attribute {:?}\nevents {:?}\nprofile {:?}",
                program.attributes[i],
                events,
                profile
            );
        }
        let (mut a, mut b) = (Vec::new(), Vec::new());
        native.audiences(&profile, &cols, 0..cols.len(), &ctx, &mut a);
        interp.audiences(&profile, &cols, 0..cols.len(), &ctx, &mut b);
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            prop_assert_eq!(
                x,
                y,
                "audience {:?}\nevents {:?}\nprofile {:?}",
                program.audiences[i].expr,
                events,
                profile
            );
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn native_and_interpreter_agree(seed in any::<u64>()) {
            check(seed)?;
        }
    }
}
