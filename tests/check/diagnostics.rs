//! One test per diagnostic code the checker reports, with its message and label.

use super::build::*;
use mosaic::diag::Diagnostic;
use mosaic::policy::{DatasetClass, MergeType, SchemaType};
use mosaic::syntax::ast::{BinaryOp, Expr};

fn audience_diags(e: Expr) -> Vec<Diagnostic> {
    let mut pr = retail();
    pr.audiences.push(audience("x", "A"));
    without_unused(check(&pr, vec![("A", e)]).1)
}

/// Most tests leave a dataset unread; W0002 has its own test.
fn without_unused(d: Vec<Diagnostic>) -> Vec<Diagnostic> {
    d.into_iter().filter(|d| d.code.as_str() != "W0002").collect()
}

fn attribute_diags(e: Expr) -> Vec<Diagnostic> {
    let mut pr = retail();
    pr.attributes.push(attribute("a", LONG, None));
    without_unused(check(&pr, vec![(LONG, e)]).1)
}

/// An expression text long enough for the spans tests give.
const LONG: &str = "xEvent.sum(comerce.order.priceTotal)";

fn label(d: &Diagnostic) -> &str {
    &d.primary.as_ref().unwrap().message
}

#[test]
fn e0204_unknown_field_suggests_a_sibling_and_points_at_the_segment() {
    // xEvent.sum(comerce.order.priceTotal): the path starts at byte 11.
    let d = attribute_diags(m(p("xEvent"), "sum", vec![p_at("comerce.order.priceTotal", 11)]));
    assert_eq!(codes(&d), vec!["E0204"]);
    assert_eq!(d[0].message, "unknown field `comerce` in dataset `web`");
    assert_eq!(label(&d[0]), "did you mean `commerce`?");
    assert_eq!(d[0].primary.as_ref().unwrap().range, 11..18);
}

#[test]
fn e0204_names_the_scope_when_several_datasets_feed_it() {
    let mut pr = retail();
    pr.datasets.push(dataset("app", DatasetClass::Event, &[]));
    pr.audiences.push(audience("x", "A"));
    let (_, d) = check(&pr, vec![("A", m(p("xEvent"), "any", vec![eq(p("evenType"), s("a"))]))]);
    assert_eq!(d[0].message, "unknown field `evenType` in events");
    assert_eq!(label(&d[0]), "did you mean `eventType`?");
    let d = audience_diags(eq(p("loyalty.pints"), i(1)));
    assert_eq!(d[0].message, "unknown field `loyalty.pints` in dataset `crm`");
}

#[test]
fn e0203_unknown_method_and_function() {
    let d = attribute_diags(m(p("xEvent"), "summ", vec![p("commerce.order.priceTotal")]));
    assert_eq!(codes(&d), vec!["E0203"]);
    assert_eq!(label(&d[0]), "did you mean `sum`?");
    let d = audience_diags(eq(call("currentYaer", vec![]), i(2026)));
    assert_eq!(codes(&d), vec!["E0203"]);
    assert_eq!(label(&d[0]), "did you mean `currentYear`?");
}

#[test]
fn e0205_argument_count() {
    let d = audience_diags(m(p("homeAddress.countryCode"), "startsWith", vec![]));
    assert_eq!(codes(&d), vec!["E0205"]);
    assert_eq!(d[0].message, "`startsWith` takes 1 to 2 arguments, found 0");
}

#[test]
fn e0206_type_mismatch_names_both_types_once() {
    let d = audience_diags(eq(p("loyalty.points"), s("many")));
    assert_eq!(codes(&d), vec!["E0206"]);
    assert_eq!(d[0].message, "cannot compare int with string");
    let d = audience_diags(bin(BinaryOp::Gt, bin(BinaryOp::Add, p("homeAddress.countryCode"), i(1)), i(3)));
    assert_eq!(codes(&d), vec!["E0206"], "one mistake, one diagnostic");
    assert_eq!(d[0].message, "cannot apply `+` to string and int");
}

#[test]
fn e0207_caret_at_the_top() {
    let d = audience_diags(eq(p("^.loyalty.points"), i(1)));
    assert_eq!(codes(&d), vec!["E0207"]);
}

#[test]
fn e0208_not_a_shape_lists_the_shapes() {
    let d = attribute_diags(eq(p("loyalty.points"), i(1)));
    assert_eq!(codes(&d), vec!["E0208"]);
    assert!(d[0].notes[0].contains("xEvent[F].sum(E)"));
    let key =
        m(m(m(p("xEvent"), "topN", vec![p("eventType"), i(1)]), "map", vec![p("eventType")]), "head", vec![]);
    let d = attribute_diags(key);
    assert_eq!(codes(&d), vec!["E0208"]);
    assert!(d[0].message.contains("timestamp"));
}

#[test]
fn e0209_not_boolean() {
    let d = audience_diags(p("loyalty.points"));
    assert_eq!(codes(&d), vec!["E0209"]);
    let d = attribute_diags(m(filt(p("xEvent"), p("eventType")), "count", vec![]));
    assert_eq!(codes(&d), vec!["E0209"]);
}

#[test]
fn e0210_events_inside_events() {
    let inner = bin(BinaryOp::Gt, m(p("xEvent"), "count", vec![]), i(1));
    let d = attribute_diags(m(filt(p("xEvent"), inner), "count", vec![]));
    assert_eq!(codes(&d), vec!["E0210"]);
}

#[test]
fn e0212_bad_regex_and_e0202_bad_constants() {
    let d = audience_diags(m(p("homeAddress.countryCode"), "matches", vec![s("([a-z")]));
    assert_eq!(codes(&d), vec!["E0212"]);
    let d = audience_diags(m(
        p("xEvent"),
        "any",
        vec![eq(p("timestamp"), call("date", vec![i(2026), i(2), i(30)]))],
    ));
    assert_eq!(codes(&d), vec!["E0202"]);
    let d = audience_diags(m(
        p("xEvent"),
        "any",
        vec![eq(p("timestamp"), call("timestamp", vec![s("yesterday")]))],
    ));
    assert_eq!(codes(&d), vec!["E0202"]);
}

#[test]
fn e0213_unknown_variable() {
    let e = bin(
        BinaryOp::And,
        exists("X", p("xEvent"), eq(p("X.eventType"), s("a"))),
        eq(p("X.eventType"), s("b")),
    );
    let d = audience_diags(e);
    assert_eq!(codes(&d), vec!["E0213"]);
}

#[test]
fn e0106_attribute_reads_attribute() {
    let mut pr = retail();
    pr.attributes.push(attribute("a", "A", None));
    pr.attributes.push(attribute("b", "B", None));
    let first = m(p("xEvent"), "count", vec![]);
    let second = m(filt(p("xEvent"), bin(BinaryOp::Gt, p("^.computedAttributes.a"), i(1))), "count", vec![]);
    let (prog, d) = check(&pr, vec![("A", first), ("B", second)]);
    assert_eq!(codes(&d), vec!["E0106"]);
    assert_eq!(prog.attributes.len(), 1);
}

#[test]
fn w0002_unused_datasets() {
    let mut pr = retail();
    pr.datasets.push(dataset("app", DatasetClass::Event, &[("appId", SchemaType::String)]));
    pr.datasets.push(dataset("pos", DatasetClass::Event, &[("eventType", SchemaType::String)]));
    pr.datasets.push(dataset("legacy", DatasetClass::Profile, &[]));
    pr.merge_policies.push(mosaic::policy::MergePolicy {
        name: mosaic::policy::Spanned { value: "p".into(), file: mosaic::diag::FileId(0), span: 0..1 },
        default: true,
        identity_graph: mosaic::policy::GraphType::Pdg,
        merge: MergeType::DataSetPrecedence,
        order: vec!["crm".into(), "web".into()],
        is_active_on_edge: false,
        fields: Vec::new(),
        builtin: false,
    });
    pr.audiences.push(audience("x", "A"));
    let (_, d) = check(&pr, vec![("A", m(p("xEvent"), "any", vec![eq(p("eventType"), s("a"))]))]);
    let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        vec!["dataset `app` is not used", "dataset `pos` is not used", "dataset `legacy` is not used"]
    );
    assert_eq!(label(&d[0]), "every merge policy leaves it out of its `order`");
    assert!(d.iter().all(|d| !d.is_error()));
}

#[test]
fn w0005_path_of_unknown_shape() {
    let mut pr = retail();
    pr.datasets[1].schema.push(("extra".into(), SchemaType::Object));
    pr.audiences.push(audience("x", "A"));
    let (prog, d) = check(&pr, vec![("A", eq(p("extra.level"), s("gold")))]);
    let d = without_unused(d);
    assert_eq!(codes(&d), vec!["W0005"]);
    assert_eq!(prog.audiences.len(), 1);
}

#[test]
fn a_failed_attribute_is_reported_once() {
    let mut pr = retail();
    pr.attributes.push(attribute("a", "A", None));
    pr.audiences.push(audience("x", "B"));
    let bad = m(p("xEvent"), "sum", vec![p("nope")]);
    let reads = bin(BinaryOp::Gt, p("computedAttributes.a"), i(1));
    let (prog, d) = check(&pr, vec![("A", bad), ("B", reads)]);
    assert_eq!(codes(&d), vec!["E0204"]);
    assert!(prog.attributes.is_empty());
}

#[test]
fn e0204_suggests_caret_for_an_outer_field() {
    let d = attribute_diags(m(filt(p("xEvent"), eq(p("homeAddress"), s("SE"))), "count", vec![]));
    assert_eq!(codes(&d), vec!["E0204"]);
    assert_eq!(label(&d[0]), "did you mean `^.homeAddress`?");
}
