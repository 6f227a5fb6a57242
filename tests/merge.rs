//! Fragments and merging through the public API: one test per rule of SPEC 4 and 1.5.

use mosaic::diag::FileId;
use mosaic::identity::{Identity, Origin};
use mosaic::merge::{
    apply_record, apply_record_untraced, merge, takes_part, Fragment, LeafSource, Merged, Provenance,
};
use mosaic::policy::{
    Dataset, DatasetClass, FieldRule, GraphType, MergePolicy, MergeType, Spanned, Strategy,
};
use mosaic::value::{Map, Value};
use serde_json::json;
use std::path::PathBuf;

/// JSON → a value map (ints stay ints).
fn map(j: serde_json::Value) -> Map {
    match value(&j) {
        Value::Object(m) => (*m).clone(),
        other => panic!("test record must be an object, got {other:?}"),
    }
}

fn value(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            n.as_i64().map_or_else(|| Value::Double(n.as_f64().unwrap_or(0.0)), Value::Int)
        }
        serde_json::Value::String(s) => Value::string(s),
        serde_json::Value::Array(a) => Value::array(a.iter().map(value).collect()),
        serde_json::Value::Object(o) => Value::object(o.iter().map(|(k, v)| (k.clone(), value(v))).collect()),
    }
}

fn datasets() -> Vec<Dataset> {
    ["crm", "loyalty", "web", "events"]
        .iter()
        .map(|n| Dataset {
            name: Spanned { value: n.to_string(), file: FileId(0), span: 0..0 },
            class: if *n == "events" { DatasetClass::Event } else { DatasetClass::Profile },
            path: PathBuf::from(format!("data/{n}")),
            format: None,
            upsert: false,
            timestamp: "timestamp".into(),
            identities: vec![],
            schema: vec![],
        })
        .collect()
}

const CRM: u32 = 0;
const LOYALTY: u32 = 1;
const WEB: u32 = 2;

fn policy(merge: MergeType, order: &[&str], fields: Vec<FieldRule>) -> MergePolicy {
    MergePolicy {
        name: Spanned { value: "p".into(), file: FileId(0), span: 0..0 },
        default: true,
        identity_graph: GraphType::Pdg,
        merge,
        order: order.iter().map(|s| s.to_string()).collect(),
        is_active_on_edge: false,
        fields,
        builtin: false,
    }
}

fn ts() -> MergePolicy {
    policy(MergeType::TimestampOrdered, &[], vec![])
}

fn field(path: &str, strategy: Strategy, order: &[&str]) -> FieldRule {
    let order = order.iter().map(|s| s.to_string()).collect();
    FieldRule { path: path.into(), strategy, order, at: None }
}

fn who() -> Identity {
    Identity::new(0, "c-1")
}

fn origin(dataset: u32, line: u64) -> Origin {
    Origin { dataset, batch: 7, line }
}

/// A fragment made of one record.
fn frag(dataset: u32, time: i64, seq: u64, rec: serde_json::Value) -> Fragment {
    apply_record(None, &who(), &map(rec), time, seq, origin(dataset, seq), false)
}

fn run(frags: &[Fragment], policy: &MergePolicy) -> Merged {
    let refs: Vec<&Fragment> = frags.iter().collect();
    merge(&refs, policy, &datasets(), true)
}

fn entity(frags: &[Fragment], policy: &MergePolicy) -> serde_json::Value {
    to_json(&Value::object(run(frags, policy).entity))
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Double(d) => json!(d),
        Value::String(s) => json!(&**s),
        Value::Timestamp(t) => json!({ "ts": t }),
        Value::Date(d) => json!({ "date": d }),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Value::Object(o) => {
            serde_json::Value::Object(o.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
    }
}

// ---- timestampOrdered --------------------------------------------------------------------------

#[test]
fn timestamp_ordered_takes_each_leaf_from_the_most_recent_fragment() {
    let old = frag(CRM, 1, 1, json!({"name": {"first": "Ann", "last": "Lee"}, "city": "Lund"}));
    let new = frag(WEB, 2, 2, json!({"name": {"first": "Anna"}, "city": "Malmö"}));
    assert_eq!(
        entity(&[old, new], &ts()),
        json!({"name": {"first": "Anna", "last": "Lee"}, "city": "Malmö"})
    );
}

#[test]
fn timestamp_ordered_ties_go_to_later_ingestion() {
    let a = frag(CRM, 5, 9, json!({"x": "later"}));
    let b = frag(WEB, 5, 3, json!({"x": "earlier"}));
    assert_eq!(entity(&[b.clone(), a.clone()], &ts()), json!({"x": "later"}));
    assert_eq!(entity(&[a, b], &ts()), json!({"x": "later"}));
}

#[test]
fn timestamp_ordered_falls_back_past_absent_and_null_leaves() {
    let old = frag(CRM, 1, 1, json!({"x": 1, "y": 2}));
    let new = frag(WEB, 2, 2, json!({"x": null}));
    assert_eq!(entity(&[old, new], &ts()), json!({"x": 1, "y": 2}));
}

#[test]
fn an_empty_string_array_or_object_is_present() {
    let old = frag(CRM, 1, 1, json!({"s": "old", "a": [1], "o": {"k": 1}}));
    let new = frag(WEB, 2, 2, json!({"s": "", "a": [], "o": {}}));
    assert_eq!(entity(&[old, new], &ts()), json!({"s": "", "a": [], "o": {"k": 1}}));
    let only = frag(WEB, 2, 2, json!({"o": {}}));
    assert_eq!(entity(&[only], &ts()), json!({"o": {}}));
}

#[test]
fn arrays_are_leaves_not_merged_element_wise() {
    let old = frag(CRM, 1, 1, json!({"items": [{"sku": "a"}, {"sku": "b"}]}));
    let new = frag(WEB, 2, 2, json!({"items": [{"qty": 1}]}));
    assert_eq!(entity(&[old, new], &ts()), json!({"items": [{"qty": 1}]}));
}

#[test]
fn the_newest_candidate_decides_between_an_object_and_a_scalar() {
    let old = frag(CRM, 1, 1, json!({"a": {"x": 1}}));
    let new = frag(WEB, 2, 2, json!({"a": "flat"}));
    assert_eq!(entity(&[old.clone(), new.clone()], &ts()), json!({"a": "flat"}));
    let newer = frag(LOYALTY, 3, 3, json!({"a": {"y": 2}}));
    assert_eq!(entity(&[old, new, newer], &ts()), json!({"a": {"x": 1, "y": 2}}));
}

#[test]
fn identity_map_is_left_out_but_identity_fields_stay() {
    let f = frag(CRM, 1, 1, json!({"identityMap": {"ECID": [{"id": "e"}]}, "crmId": "c-1"}));
    assert_eq!(entity(&[f], &ts()), json!({"crmId": "c-1"}));
}

#[test]
fn sources_and_last_modified_cover_the_fragments_taking_part() {
    let m = run(
        &[frag(WEB, 5, 1, json!({})), frag(CRM, 9, 2, json!({"a": 1})), frag(WEB, 3, 3, json!({}))],
        &ts(),
    );
    assert_eq!(m.sources, [CRM, WEB]);
    assert_eq!(m.last_modified, Some(9));
    assert_eq!(run(&[], &ts()), Merged::default());
}

// ---- dataSetPrecedence ------------------------------------------------------------------------

#[test]
fn data_set_precedence_prefers_the_higher_ranked_dataset_even_when_older() {
    let p = policy(MergeType::DataSetPrecedence, &["crm", "web"], vec![]);
    let crm = frag(CRM, 1, 1, json!({"x": "crm"}));
    let web = frag(WEB, 9, 2, json!({"x": "web", "y": "only-web"}));
    assert_eq!(entity(&[web, crm], &p), json!({"x": "crm", "y": "only-web"}));
}

#[test]
fn data_set_precedence_leaves_unlisted_datasets_out() {
    let p = policy(MergeType::DataSetPrecedence, &["web"], vec![]);
    let m = run(&[frag(CRM, 9, 1, json!({"x": "crm", "z": 1})), frag(WEB, 1, 2, json!({"x": "web"}))], &p);
    assert_eq!(to_json(&Value::object(m.entity)), json!({"x": "web"}));
    assert_eq!(m.sources, [WEB]);
    assert_eq!(m.last_modified, Some(1));
    assert!(takes_part(&p, &datasets(), WEB) && !takes_part(&p, &datasets(), CRM));
    assert!(!takes_part(&p, &datasets(), 99), "an unknown dataset never takes part");
    assert!(takes_part(&ts(), &datasets(), CRM));
}

#[test]
fn data_set_precedence_within_one_dataset_takes_the_most_recent_fragment() {
    let p = policy(MergeType::DataSetPrecedence, &["crm"], vec![]);
    let a = frag(CRM, 1, 1, json!({"x": "old", "y": "kept"}));
    let b = apply_record(
        None,
        &Identity::new(1, "other"),
        &map(json!({"x": "new"})),
        2,
        2,
        origin(CRM, 2),
        false,
    );
    assert_eq!(entity(&[a, b], &p), json!({"x": "new", "y": "kept"}));
}

#[test]
fn data_set_precedence_skips_null_in_the_top_dataset() {
    let p = policy(MergeType::DataSetPrecedence, &["crm", "web"], vec![]);
    let crm = frag(CRM, 1, 1, json!({"x": null}));
    let web = frag(WEB, 2, 2, json!({"x": "web"}));
    assert_eq!(entity(&[crm, web], &p), json!({"x": "web"}));
}

// ---- explain --------------------------------------------------------------------------------

#[test]
fn explain_names_the_winner_the_rule_and_the_losers() {
    let crm = frag(CRM, 1, 1, json!({"x": "crm", "n": 1}));
    let web = frag(WEB, 2, 2, json!({"x": "web", "n": 5}));
    let p = policy(MergeType::DataSetPrecedence, &["crm", "web"], vec![field("n", Strategy::Max, &[])]);
    let m = run(&[crm, web], &p);
    let paths: Vec<&str> = m.choices.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(paths, ["n", "x"]);
    let x = &m.choices[1];
    assert_eq!(x.rule, "dataSetPrecedence rank 1");
    assert_eq!(x.winner, Provenance { origin: origin(CRM, 1), dataset: CRM, time: 1 });
    assert_eq!(
        x.losers,
        [(Provenance { origin: origin(WEB, 2), dataset: WEB, time: 2 }, Value::from("web"))]
    );
    let n = &m.choices[0];
    assert_eq!(n.rule, "field strategy max");
    assert_eq!(n.value, Value::Int(5));
    assert_eq!(n.winner.dataset, WEB);
}

#[test]
fn explain_under_timestamp_ordered_credits_the_record_that_set_the_leaf() {
    let f = frag(CRM, 1, 1, json!({"a": 1, "b": 1}));
    let f = apply_record(Some(f), &who(), &map(json!({"b": 2})), 5, 4, origin(CRM, 4), true);
    let m = run(&[f], &ts());
    assert_eq!(m.choices.len(), 2);
    assert!(m.choices.iter().all(|c| c.rule == "timestampOrdered" && c.losers.is_empty()));
    assert_eq!(m.choices[0].winner.origin.line, 1);
    assert_eq!(m.choices[1].winner, Provenance { origin: origin(CRM, 4), dataset: CRM, time: 5 });
}

#[test]
fn field_data_set_precedence_names_its_rank() {
    let p = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![field("x", Strategy::DataSetPrecedence, &["web", "crm"])],
    );
    let m = run(&[frag(CRM, 1, 1, json!({"x": 1}))], &p);
    assert_eq!(m.choices[0].rule, "field strategy dataSetPrecedence rank 2");
}

#[test]
fn without_explain_no_choices_are_computed() {
    let f = frag(CRM, 1, 1, json!({"a": 1}));
    let m = merge(&[&f], &ts(), &datasets(), false);
    assert!(m.choices.is_empty());
    assert_eq!(m.entity.len(), 1);
}

#[test]
fn merging_is_independent_of_fragment_order() {
    let p = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![field("i", Strategy::Union, &[]), field("c", Strategy::MostFrequent, &[])],
    );
    let fs = vec![
        frag(CRM, 3, 1, json!({"i": [1, 2], "c": "a", "x": 1})),
        frag(WEB, 3, 2, json!({"i": [3], "c": "b", "x": 2})),
        frag(LOYALTY, 1, 3, json!({"i": [2, 4], "c": "a"})),
    ];
    let mut rev = fs.clone();
    rev.reverse();
    assert_eq!(run(&fs, &p), run(&rev, &p));
}

#[path = "merge/fragments.rs"]
mod fragments;
#[path = "merge/properties.rs"]
mod properties;
#[path = "merge/strategies.rs"]
mod strategies;
