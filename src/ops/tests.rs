//! Unit tests of the pure helpers: argument parsing, field selection, the YAML writer (read
//! back by the policy loader's parser) and the snapshot diff.

use super::ruletest::unified_diff;
use super::yaml::to_yaml;
use super::{parse_fields, parse_time, select_fields};
use serde_json::json;

#[test]
fn fields_parse_and_select_nested_paths() {
    let fields = parse_fields("person.name, city").unwrap();
    assert_eq!(fields, vec![vec!["person".to_string(), "name".to_string()], vec!["city".to_string()]]);
    let entity = json!({"person": {"name": {"first": "Ann"}, "age": 3}, "city": "Lund", "x": 1});
    assert_eq!(
        select_fields(&entity, &fields),
        json!({"person": {"name": {"first": "Ann"}}, "city": "Lund"})
    );
    assert_eq!(select_fields(&entity, &parse_fields("missing.path").unwrap()), json!({}));
    for bad in ["", "a,,b", "a..b", "a b", "1a", "a.-"] {
        assert!(parse_fields(bad).is_err_and(|e| e.is_usage()), "{bad}");
    }
}

#[test]
fn times_are_rfc3339_or_dates() {
    assert_eq!(parse_time("--from", "1970-01-02").unwrap(), 86_400_000_000);
    assert_eq!(parse_time("--from", "1970-01-01T00:00:01Z").unwrap(), 1_000_000);
    assert!(parse_time("--from", "yesterday").is_err_and(|e| e.is_usage()));
}

#[test]
fn yaml_reads_back_as_the_same_json() {
    let values = [
        json!({"a": 1, "b": [1, 2.5, "x"], "c": {"d": null, "e": [], "f": {}}, "g": true}),
        json!([{"k": "v: with colon", "n": [{"deep": ["a", "b"]}]}, "s", [[1], [2]]]),
        json!({"weird key": "quote \" and \\ and\nnewline", "ünïcode": "ö"}),
        json!("plain"),
    ];
    for v in values {
        let text = to_yaml(&v);
        let (docs, diags) = crate::policy::yaml::parse(crate::diag::FileId(0), &text);
        assert!(diags.is_empty(), "{text}");
        assert_eq!(super::ruletest::node_json(&docs[0]), v, "{text}");
    }
}

#[test]
fn diff_marks_changes_with_context() {
    let a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
    let b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
    let d = unified_diff(a, b);
    assert_eq!(d, "--- expected\n+++ actual\n@@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
    assert_eq!(unified_diff(a, a), "--- expected\n+++ actual\n");
}

/// `export --events` parses event lines only as far as the fields reach (`world::fields_plan`):
/// what it takes must be what the fields select from the whole line.
#[test]
fn event_fields_from_the_slim_parse_are_those_of_the_whole_line() {
    let lines = [
        r#"{"eventType": "view", "web": {"page": {"name": "home", "url": "u"}, "x": 1}, "n": 2}"#,
        r#"{"eventType": "buy", "items": [{"sku": "a", "price": 1}, {"sku": "b"}], "n": null}"#,
        r#"{"web": [{"page": {"name": "in an array"}}], "eventType": 7, "eventType": "dup"}"#,
        r#"{"identityMap": {"ECID": [{"id": "e"}]}, "web": {"page": "not an object"}}"#,
        r#"{"a": {"b": {"c": [1, {"d": 2}]}}, "e\u0074": "escaped key"}"#,
    ];
    let field_lists: [&[&str]; 5] = [
        &["eventType"],
        &["web.page.name", "n"],
        &["items", "items.sku"],
        &["identityMap.ECID", "web"],
        &["a.b.c", "a.b", "et", "missing.path"],
    ];
    for fields in field_lists {
        let fields: Vec<Vec<String>> =
            fields.iter().map(|f| f.split('.').map(str::to_string).collect()).collect();
        let plan = crate::ops::world::fields_plan(&fields);
        for line in lines {
            let whole: serde_json::Value = serde_json::from_str(line).expect("valid");
            let (slim, _) = plan.parse(line).expect("valid");
            assert_eq!(select_fields(&slim, &fields), select_fields(&whole, &fields), "{fields:?} of {line}");
        }
    }
    // A line that changed into invalid JSON is refused, as a whole parse refuses it.
    assert!(crate::ops::world::fields_plan(&[vec!["n".into()]]).parse(r#"{"n": 1, "x": [}"#).is_err());
}
