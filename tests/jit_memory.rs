//! Native code of a dropped program is freed: compiling and dropping 10,000 times keeps memory flat.

use mosaic::codegen;
use mosaic::intern::Interner;
use mosaic::ir::{self, CmpOp, Expr, ExprKind, Function, Type};
use mosaic::value::Value;
use std::sync::Arc;

fn ex(kind: ExprKind, ty: Type) -> Expr {
    Expr { kind, ty, span: 0..0 }
}

fn program() -> ir::Program {
    let path = |scope, p: &str, ty| ex(ExprKind::Path { scope, path: vec![p.to_string()] }, ty);
    let eq = |l, r| ex(ExprKind::Compare { op: CmpOp::Eq, lhs: Box::new(l), rhs: Box::new(r) }, Type::Bool);
    let filter =
        eq(path(1, "eventType", Type::String), ex(ExprKind::Const(Value::string("purchase")), Type::String));
    let attribute = ir::Attribute {
        name: "spend".into(),
        path: vec!["spend".into()],
        function: Function::Sum,
        filter: Some(filter),
        value: Some(path(1, "price", Type::Double)),
        duration: Some(ir::Duration { count: 30, unit: ir::DurationUnit::Days }),
        ty: Type::Double,
    };
    let audience = ir::Audience {
        name: "se".into(),
        expr: eq(path(0, "country", Type::String), ex(ExprKind::Const(Value::string("SE")), Type::String)),
    };
    let p = |s: &str, ty| ir::EventPath { path: vec![s.to_string()], ty };
    ir::Program {
        attributes: vec![attribute],
        audiences: vec![audience],
        event_paths: vec![
            p("eventType", Type::String),
            p("price", Type::Double),
            p("timestamp", Type::Timestamp),
        ],
        profile_type: Type::Any,
        event_type: Type::Any,
    }
}

/// Resident set size in bytes, from /proc/self/statm (pages × 4 KiB).
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn compiling_and_dropping_ten_thousand_programs_keeps_memory_flat() {
    let Some(_) = resident() else {
        eprintln!("no /proc/self/statm on this system; nothing to measure");
        return;
    };
    let interner = Arc::new(Interner::new());
    let p = program();
    for _ in 0..500 {
        drop(codegen::compile(&p, &interner));
    }
    let before = resident().unwrap_or(0);
    for _ in 0..10_000 {
        let compiled = codegen::compile(&p, &interner);
        drop(compiled);
    }
    let after = resident().unwrap_or(u64::MAX);
    let growth = after.saturating_sub(before);
    assert!(growth < 20 << 20, "resident memory grew by {} MB over 10,000 reloads", growth >> 20);
}
