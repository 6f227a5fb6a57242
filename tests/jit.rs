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

#[path = "jit/agreement.rs"]
mod agreement;
#[path = "jit/generate.rs"]
mod generate;
