//! Checker tests on hand-built projects and trees: shapes, types, scopes, and every diagnostic.

#[path = "check/build.rs"]
mod build;
#[path = "check/diagnostics.rs"]
mod diagnostics;

use build::*;
use mosaic::ir::{self, ExprKind as K, Function, Type};
use mosaic::syntax::ast::{BinaryOp, Unit};

fn purchases() -> mosaic::syntax::ast::Expr {
    filt(p("xEvent"), eq(p("eventType"), s("commerce.purchases")))
}

fn one_attribute(expr: mosaic::syntax::ast::Expr) -> (ir::Program, Vec<mosaic::diag::Diagnostic>) {
    let mut pr = retail();
    pr.attributes.push(attribute("a", "A", None));
    check(&pr, vec![("A", expr)])
}

#[test]
fn sum_shape_gives_sum_of_the_value_type() {
    let (prog, diags) = one_attribute(m(purchases(), "sum", vec![p("commerce.order.priceTotal")]));
    assert!(diags.is_empty(), "{diags:?}");
    let a = &prog.attributes[0];
    assert_eq!(a.function, Function::Sum);
    assert_eq!(a.ty, Type::Double);
    assert_eq!(a.path, vec!["computedAttributes", "a"]);
    let value = a.value.as_ref().unwrap();
    assert_eq!(
        value.kind,
        K::Path { scope: 1, path: vec!["commerce".into(), "order".into(), "priceTotal".into()] }
    );
    assert!(a.filter.is_some());
    let paths: Vec<String> = prog.event_paths.iter().map(|p| p.path.join(".")).collect();
    assert_eq!(paths, vec!["commerce.order.priceTotal", "eventType", "timestamp"]);
}

#[test]
fn every_shape_is_recognised() {
    let q = || p("commerce.order.quantity");
    let ts = || p("timestamp");
    let cases = vec![
        (m(purchases(), "sum", vec![q()]), Function::Sum, Type::Int),
        (m(p("xEvent"), "count", vec![]), Function::Count, Type::Int),
        (m(purchases(), "average", vec![q()]), Function::Avg, Type::Double),
        (m(purchases(), "min", vec![ts()]), Function::Min, Type::Timestamp),
        (m(purchases(), "max", vec![q()]), Function::Max, Type::Int),
        (
            m(m(m(purchases(), "topN", vec![ts(), i(1)]), "map", vec![p("eventType")]), "head", vec![]),
            Function::MostRecent,
            Type::String,
        ),
        (
            m(m(m(p("xEvent"), "bottomN", vec![ts(), i(1)]), "map", vec![q()]), "head", vec![]),
            Function::First,
            Type::Int,
        ),
        (
            m(m(purchases(), "topN", vec![ts(), i(3)]), "map", vec![p("eventType")]),
            Function::List(3),
            Type::Array(Box::new(Type::String)),
        ),
        (
            m(m(m(purchases(), "map", vec![p("eventType")]), "distinct", vec![]), "count", vec![]),
            Function::CountDistinct,
            Type::Int,
        ),
    ];
    for (expr, function, ty) in cases {
        let (prog, diags) = one_attribute(expr);
        assert!(diags.is_empty(), "{function:?}: {diags:?}");
        assert_eq!(prog.attributes[0].function, function);
        assert_eq!(prog.attributes[0].ty, ty, "{function:?}");
    }
}

#[test]
fn attribute_types_join_the_profile_type() {
    let mut pr = retail();
    pr.attributes.push(attribute("spend", "A", None));
    pr.audiences.push(audience("big", "B"));
    let sum = m(purchases(), "sum", vec![p("commerce.order.priceTotal")]);
    let big = bin(BinaryOp::Gt, p("computedAttributes.spend"), i(500));
    let (prog, diags) = check(&pr, vec![("A", sum), ("B", big)]);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(prog.audiences.len(), 1);
    let Type::Object(fields) = &prog.profile_type else { panic!("profile type is an object") };
    assert!(fields.contains_key("computedAttributes") && fields.contains_key("loyalty"));
}

#[test]
fn draft_attributes_are_checked_but_left_out() {
    let mut pr = retail();
    let mut a = attribute("d", "A", None);
    a.status = mosaic::policy::Status::Draft;
    pr.attributes.push(a);
    let (prog, diags) = check(&pr, vec![("A", m(p("xEvent"), "count", vec![]))]);
    assert_eq!(codes(&diags), vec!["W0002"], "a draft reads no events");
    assert!(prog.attributes.is_empty());
    let mut a = attribute("e", "B", None);
    a.status = mosaic::policy::Status::Disabled;
    pr.attributes = vec![a];
    let (_, diags) = check(&pr, vec![("B", m(p("xEvent"), "sum", vec![p("nope")]))]);
    assert_eq!(codes(&diags), vec!["E0204", "W0002"]);
}

#[test]
fn caret_and_quantifier_variables_resolve_to_their_scopes() {
    let mut pr = retail();
    pr.audiences.push(audience("x", "A"));
    let cond = bin(
        BinaryOp::And,
        eq(p("^.homeAddress.countryCode"), s("SE")),
        exists("X", p("xEvent"), eq(p("X.eventType"), s("a"))),
    );
    // `exists` inside a filter over events is not allowed (events have no events) …
    let (_, diags) =
        check(&pr, vec![("A", bin(BinaryOp::Gt, m(filt(p("xEvent"), cond), "count", vec![]), i(0)))]);
    assert_eq!(codes(&diags), vec!["E0210"]);
    // … but at the top level both scopes resolve.
    let e = bin(
        BinaryOp::And,
        m(
            filt(p("xEvent"), eq(p("^.homeAddress.countryCode"), s("SE"))),
            "any",
            vec![eq(p("eventType"), s("a"))],
        ),
        exists("X", p("xEvent"), eq(p("X.eventType"), s("a"))),
    );
    let (prog, diags) = check(&pr, vec![("A", e)]);
    assert!(diags.is_empty(), "{diags:?}");
    let listing = prog.to_string();
    assert!(listing.contains("(path @0 homeAddress.countryCode) : string"), "{listing}");
    assert!(listing.contains("(any @1) : bool"), "{listing}");
    assert!(listing.contains("(path @1 eventType) : string"), "{listing}");
}

#[test]
fn constants_fold_and_numbers_promote() {
    let mut pr = retail();
    pr.audiences.push(audience("x", "A"));
    let e = bin(
        BinaryOp::And,
        m(
            p("xEvent"),
            "any",
            vec![bin(BinaryOp::Gt, p("timestamp"), call("date", vec![i(2026), i(3), i(14)]))],
        ),
        bin(BinaryOp::Ge, bin(BinaryOp::Add, p("loyalty.points"), n_double(0.5)), i(10)),
    );
    let (prog, diags) = check(&pr, vec![("A", e)]);
    assert!(diags.is_empty(), "{diags:?}");
    let listing = prog.to_string();
    assert!(listing.contains("(const date(2026-03-14)) : date"), "{listing}");
    assert!(listing.contains("(add) : double"), "{listing}");
}

fn n_double(x: f64) -> mosaic::syntax::ast::Expr {
    use mosaic::syntax::ast::{ExprKind, Literal, Node};
    Node::new(0..0, ExprKind::Literal(Literal::Double(x)))
}

#[test]
fn schemas_are_inferred_from_samples() {
    use mosaic::policy::DatasetClass::*;
    let mut pr = project(vec![
        dataset("a", Event, &[("declared", mosaic::policy::SchemaType::String)]),
        dataset("b", Event, &[]),
    ]);
    pr.audiences.push(audience("x", "A"));
    let samples: mosaic::check::Samples = [
        (
            "a".to_string(),
            vec![
                serde_json::json!({"n": 1, "when": "2026-10-01T12:00:00Z", "day": "2026-10-01", "declared": 5,
                    "items": [{"sku": "x"}], "nothing": null}),
                serde_json::json!({"n": 2.5, "mixed": 1}),
            ],
        ),
        ("b".to_string(), vec![serde_json::json!({"n": 3, "mixed": "s", "declared": true})]),
    ]
    .into_iter()
    .collect();
    let (prog, _) = check_with(&pr, vec![("A", m(p("xEvent"), "any", vec![p("flag")]))], &samples);
    let Type::Object(f) = &prog.event_type else { panic!("event type is an object") };
    assert_eq!(f["n"], Type::Double);
    assert_eq!(f["when"], Type::Timestamp);
    assert_eq!(f["day"], Type::Date);
    assert_eq!(f["declared"], Type::String);
    assert_eq!(f["mixed"], Type::Any);
    assert_eq!(f["nothing"], Type::Any);
    assert_eq!(f["timestamp"], Type::Timestamp);
    assert_eq!(f["_id"], Type::String);
    assert_eq!(f["items"].to_string(), "array<{sku: string}>");
}

#[test]
fn window_inside_the_filter_is_compared_with_the_duration() {
    let mut pr = retail();
    let d = ir::Duration { count: 30, unit: ir::DurationUnit::Days };
    pr.attributes.push(attribute("a", "A", Some(d)));
    pr.attributes.push(attribute("b", "B", Some(d)));
    let long = m(filt(p("xEvent"), within(p("timestamp"), 60, Unit::Day)), "count", vec![]);
    let short = m(filt(p("xEvent"), within(p("timestamp"), 7, Unit::Day)), "count", vec![]);
    let (prog, diags) = check(&pr, vec![("A", long), ("B", short)]);
    assert_eq!(codes(&diags), vec!["W0003"]);
    assert_eq!(prog.attributes.len(), 2, "warnings keep the attribute");
}

#[test]
fn declared_children_survive_a_declared_parent() {
    use mosaic::policy::SchemaType::*;
    let mut pr = project(vec![dataset(
        "a",
        mosaic::policy::DatasetClass::Event,
        &[("items.sku", String), ("items", Array), ("meta", Object), ("meta.x", Int)],
    )]);
    pr.audiences.push(audience("x", "A"));
    let (prog, _) = check(&pr, vec![("A", m(p("xEvent"), "any", vec![eq(p("items.sku"), s("a"))]))]);
    let Type::Object(f) = &prog.event_type else { panic!("event type is an object") };
    assert_eq!(f["items"].to_string(), "array<{sku: string}>");
    assert_eq!(f["meta"].to_string(), "{x: int}");
    assert_eq!(prog.event_paths[0].path, vec!["items", "sku"]);
    assert_eq!(prog.event_paths[0].ty.to_string(), "array<string>");
}

/// Words of PQL, shuffled into mostly-wrong expressions: parsing and checking must never panic.
const WORDS: &[&str] = &[
    "xEvent",
    "[",
    "]",
    ".",
    "(",
    ")",
    "eventType",
    "=",
    "\"a\"",
    "1",
    "2.5",
    "and",
    "or",
    "not",
    "sum",
    "count",
    "map",
    "topN",
    "head",
    "distinct",
    "timestamp",
    ",",
    "^",
    "occurs",
    "<=",
    "7",
    "days",
    "before",
    "now",
    "exists",
    "X",
    "from",
    "where",
    "X.eventType",
    "commerce.order.priceTotal",
    "loyalty.points",
    "{",
    "}",
    ":",
    "if",
    "date",
    "in",
    "like",
    "matches",
    "\"([\"",
    "null",
    "true",
    "-",
    "+",
    "*",
    "/",
    "any",
    "all",
    "between",
    "this",
    "month",
    "homeAddress.countryCode",
    "computedAttributes.a",
    "lower",
    "getYear",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

    #[test]
    fn checking_never_panics(words in proptest::collection::vec(0..WORDS.len(), 1..14)) {
        let text: Vec<&str> = words.iter().map(|&w| WORDS[w]).collect();
        let text = text.join(" ");
        let mut pr = retail();
        pr.attributes.push(attribute("a", &text, None));
        pr.audiences.push(audience("x", &text));
        let (program, diags) = mosaic::check::check_program(&pr, &Default::default());
        // Whatever passes is well formed: every audience is boolean (or the literal null: false).
        for a in &program.audiences {
            proptest::prop_assert!(matches!(a.expr.ty, Type::Bool | Type::Null | Type::Any), "{text}: {:?}", a.expr.ty);
        }
        proptest::prop_assert!(diags.iter().all(|d| d.primary.is_some()), "{text}");
    }
}
