//! Engine throughput: a synthetic stream of 10 million events through 8 fused computed
//! attributes, in ns/event, natively and in the interpreter; and the time to compile 50 attributes.
//!
//! Run: `cargo bench --bench engine`. Columns are built directly (1 million rows, 1,000 profiles
//! of 1,000 events) and streamed 10 times per native iteration, so one iteration is 10 million
//! events; the interpreter streams them once per iteration. Criterion reports elements/s; ns/event
//! is its inverse.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mosaic::engine::{Column, Compiled, EvalContext, EventColumns};
use mosaic::intern::Interner;
use mosaic::ir::{self, ArithOp, CmpOp, Expr, ExprKind, Function, Type};
use mosaic::value::Value;
use std::sync::Arc;

const DAY: i64 = 86_400_000_000;
const AS_OF: i64 = 1_790_812_800_000_000;
const ROWS: usize = 1_000_000;
const PER_PROFILE: usize = 1_000;
const PASSES: usize = 10;

fn ex(kind: ExprKind, ty: Type) -> Expr {
    Expr { kind, ty, span: 0..0 }
}
fn ev(p: &str, ty: Type) -> Expr {
    ex(ExprKind::Path { scope: 1, path: vec![p.to_string()] }, ty)
}
fn lit(v: Value, ty: Type) -> Expr {
    ex(ExprKind::Const(v), ty)
}
fn cmp(op: CmpOp, l: Expr, r: Expr) -> Expr {
    ex(ExprKind::Compare { op, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool)
}
fn and(l: Expr, r: Expr) -> Expr {
    ex(ExprKind::Logic { op: ir::LogicOp::And, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool)
}
fn is(event_type: &str) -> Expr {
    cmp(CmpOp::Eq, ev("eventType", Type::String), lit(Value::string(event_type), Type::String))
}
fn attr(i: usize, function: Function, filter: Expr, value: Option<Expr>, days: Option<i64>) -> ir::Attribute {
    ir::Attribute {
        name: format!("a{i}"),
        path: vec![format!("a{i}")],
        function,
        filter: Some(filter),
        ty: value.as_ref().map_or(Type::Int, |v| v.ty.clone()),
        value,
        duration: days.map(|count| ir::Duration { count, unit: ir::DurationUnit::Days }),
    }
}

/// Eight attributes of mixed kinds; `variant` changes the literals so that 50 of them differ.
fn attributes(variant: usize) -> Vec<ir::Attribute> {
    let price = || ev("price", Type::Double);
    let n = variant as f64;
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
    let contains = ex(
        ExprKind::Call {
            func: ir::Func::Contains,
            args: vec![ev("page", Type::String), lit(Value::string("sale"), Type::String)],
        },
        Type::Bool,
    );
    let range = and(
        cmp(CmpOp::Ge, price(), lit(Value::Double(10.0 + n), Type::Double)),
        cmp(CmpOp::Le, price(), lit(Value::Double(100.0), Type::Double)),
    );
    let doubled = ex(
        ExprKind::Arith {
            op: ArithOp::Mul,
            lhs: Box::new(ev("qty", Type::Int)),
            rhs: Box::new(lit(Value::Int(2), Type::Int)),
        },
        Type::Int,
    );
    let b = variant * 8;
    vec![
        attr(b, Function::Count, is("commerce.purchases"), None, Some(30)),
        attr(b + 1, Function::Sum, is("commerce.purchases"), Some(price()), Some(30)),
        attr(b + 2, Function::Max, range, Some(price()), None),
        attr(b + 3, Function::Min, is("web.pageViews"), Some(ev("qty", Type::Int)), Some(90)),
        attr(
            b + 4,
            Function::Avg,
            cmp(CmpOp::Gt, price(), lit(Value::Double(n), Type::Double)),
            Some(price()),
            None,
        ),
        attr(b + 5, Function::Count, contains, None, None),
        attr(b + 6, Function::MostRecent, occurs, Some(ev("eventType", Type::String)), None),
        attr(b + 7, Function::Sum, is("commerce.productListAdds"), Some(doubled), Some(14)),
    ]
}

fn program(attrs: Vec<ir::Attribute>) -> ir::Program {
    let p = |s: &str, ty| ir::EventPath { path: vec![s.to_string()], ty };
    ir::Program {
        attributes: attrs,
        audiences: vec![],
        event_paths: vec![
            p("eventType", Type::String),
            p("page", Type::String),
            p("price", Type::Double),
            p("qty", Type::Int),
            p("timestamp", Type::Timestamp),
        ],
        profile_type: Type::Any,
        event_type: Type::Any,
    }
}

/// A deterministic pseudo-random stream (xorshift), sorted by time within each profile.
fn columns(interner: &Interner) -> EventColumns {
    let types = ["commerce.purchases", "web.pageViews", "commerce.productListAdds", "web.click"]
        .map(|t| interner.intern(t) as u64);
    let pages = ["home", "summer-sale", "cart", "checkout", "sale/shoes"].map(|t| interner.intern(t) as u64);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut cols = vec![Column::default(); 5];
    let mut ts = Vec::with_capacity(ROWS);
    for row in 0..ROWS {
        let within = (row % PER_PROFILE) as i64;
        let t = AS_OF - 120 * DAY + within * (121 * DAY / PER_PROFILE as i64);
        let r = next();
        let cells = [
            (4u8, types[(r % 4) as usize]),
            (4, pages[((r >> 8) % 5) as usize]),
            if (r >> 16) % 10 == 0 { (0, 0) } else { (3, (((r >> 20) % 20_000) as f64 / 100.0).to_bits()) },
            (2, (r >> 40) % 10),
            (5, t as u64),
        ];
        for (c, (tag, bits)) in cols.iter_mut().zip(cells) {
            c.tags.push(tag);
            c.bits.push(bits);
        }
        ts.push(t);
    }
    EventColumns { timestamp: ts, columns: cols }
}

fn stream(engine: &dyn Compiled, cols: &EventColumns, ctx: &EvalContext, passes: usize) -> usize {
    let mut out = Vec::new();
    let mut nonnull = 0;
    for _ in 0..passes {
        for start in (0..ROWS).step_by(PER_PROFILE) {
            engine.attributes(&Value::Null, cols, start..start + PER_PROFILE, ctx, &mut out);
            nonnull += out.iter().filter(|v| !v.is_null()).count();
        }
    }
    nonnull
}

fn engines(c: &mut Criterion) {
    let interner = Arc::new(Interner::new());
    let cols = columns(&interner);
    let ctx = EvalContext { as_of: AS_OF, tz: jiff::tz::TimeZone::UTC, interner: interner.clone() };
    let p = program(attributes(0));
    let native = mosaic::codegen::compile(&p, &interner);
    let mut g = c.benchmark_group("fused 8 attributes, 10M events");
    g.sample_size(10);
    g.throughput(Throughput::Elements((ROWS * PASSES) as u64));
    g.bench_function("native", |b| b.iter(|| stream(native.as_ref(), &cols, &ctx, PASSES)));
    g.finish();

    // The interpreter is far slower: one pass (1 million events) per iteration.
    let interp = mosaic::interp::Interpreter::new(p.clone(), interner.clone());
    assert_eq!(
        stream(native.as_ref(), &cols, &ctx, 1),
        stream(&interp, &cols, &ctx, 1),
        "both engines give as many values"
    );
    let mut g = c.benchmark_group("fused 8 attributes, 1M events");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("interpreter", |b| b.iter(|| stream(&interp, &cols, &ctx, 1)));
    g.finish();

    let fifty = program((0..7).flat_map(attributes).take(50).collect());
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    g.bench_function("50 attributes", |b| b.iter(|| mosaic::codegen::compile(&fifty, &interner)));
    g.finish();
}

criterion_group!(benches, engines);
criterion_main!(benches);
