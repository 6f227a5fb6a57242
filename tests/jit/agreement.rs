//! Random well-typed programs over random events: native code and the interpreter agree.

use super::generate::{ty, DST, EVENT_FIELDS, G, PROFILE_FIELDS};
use super::AS_OF;
use mosaic::codegen::Native;
use mosaic::engine::{columns_from_events, Compiled, EvalContext};
use mosaic::intern::Interner;
use mosaic::interp::Interpreter;
use mosaic::ir::{self, Type};
use mosaic::value::Value;
use proptest::prelude::*;
use std::sync::Arc;

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
    let mut event_paths: Vec<ir::EventPath> =
        EVENT_FIELDS.iter().map(|(n, t)| ir::EventPath { path: vec![n.to_string()], ty: ty(*t) }).collect();
    event_paths.push(ir::EventPath { path: vec!["timestamp".into()], ty: Type::Timestamp });
    let program =
        ir::Program { attributes, audiences, event_paths, profile_type: Type::Any, event_type: Type::Any };
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
