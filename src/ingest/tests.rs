//! Unit tests of ingest: identities, primary choice, rejections, CSV.

use super::*;
use crate::policy::{DatasetClass, GraphType, MergeType};
use crate::runtime::fixture::{dataset, policy, project, temp_dir, write};

fn batch_of(name: &str, class: DatasetClass, file: &str, text: &str) -> Batch {
    let root = temp_dir(name);
    let ds = dataset("ds", class, false, &[("crmId", "CRMID", true)]);
    let p = project(&root, vec![ds], vec![policy("p", GraphType::Pdg, MergeType::TimestampOrdered, &[])]);
    write(&root, &format!("data/ds/{file}"), text);
    let files = list_batches(&p).expect("list");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].id, format!("ds/{file}"));
    let b = read_batch(&p, &files[0]);
    let _ = std::fs::remove_dir_all(&root);
    b
}

#[test]
fn rejects_each_bad_line_with_its_reason() {
    let text = concat!(
        "{\"crmId\": \"c-1\"}\n",
        "{not json\n",
        "[1, 2]\n",
        "\n",
        "{\"identityMap\": {\"Email\": [{\"id\": \"anonymous\"}]}}\n",
        "{\"identityMap\": {\"ECID\": [{\"id\": \"e-1\"}]}, \"timestamp\": \"yesterday\"}\n",
    );
    let b = batch_of("reject", DatasetClass::Event, "a.jsonl", text);
    let reasons: Vec<(u32, &str)> = b.rejections.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(
        reasons,
        vec![
            (1, "invalidTimestamp"),
            (2, "invalidJson"),
            (3, "notAnObject"),
            (5, "noIdentity"),
            (6, "invalidTimestamp")
        ]
    );
    assert_eq!(b.dropped_identities, 1);
    assert!(b.events.is_empty());
}

#[test]
fn event_primary_is_the_highest_priority_namespace() {
    let text = r#"{"_id": "x", "timestamp": "2026-10-01T12:00:00Z", "identityMap": {"ECID": [{"id": "e1", "primary": true}], "Email": [{"id": " Ann@Example.com "}]}, "crmId": "c-9"}"#;
    let b = batch_of("primary", DatasetClass::Event, "a.jsonl", text);
    let e = &b.events[0];
    let ids: Vec<String> = e.identities.iter().map(|i| i.to_string()).collect();
    assert_eq!(ids, vec!["ECID:e1", "Email:ann@example.com", "CRMID:c-9"]);
    assert_eq!(e.identities[e.primary as usize].to_string(), "CRMID:c-9");
    assert_eq!(e.time, 1_790_856_000_000_000);
    assert_eq!(e.id.as_deref(), Some("x"));
}

#[test]
fn profile_primary_is_the_declared_field_and_identity_map_is_removed() {
    let text = r#"{"identityMap": {"ECID": [{"id": "e1", "primary": true}]}, "crmId": "c-1", "name": "Ann"}"#;
    let b = batch_of("profile", DatasetClass::Profile, "a.jsonl", text);
    let r = &b.records[0];
    assert_eq!(r.identities[r.primary as usize].to_string(), "CRMID:c-1");
    assert_eq!(r.time, None);
    assert!(r.body.get("identityMap").is_none());
    assert_eq!(r.body["name"], "Ann");
}

#[test]
fn csv_headers_are_dotted_paths() {
    let text = "crmId,person.name,loyalty.points,flag\nc-1,Ann,42,true\n,Bob,1,false\n";
    let b = batch_of("csv", DatasetClass::Profile, "a.csv", text);
    assert_eq!(b.records.len(), 1);
    assert_eq!(b.records[0].body["person"]["name"], "Ann");
    assert_eq!(b.records[0].body["loyalty"]["points"], 42);
    assert_eq!(b.records[0].body["flag"], true);
    assert_eq!(b.rejections.len(), 1);
    assert_eq!((b.rejections[0].line, b.rejections[0].reason), (3, Reason::NoIdentity));
}

#[test]
fn oversized_lines_are_rejected() {
    let big = format!("{{\"crmId\": \"c-1\", \"pad\": \"{}\"}}", "x".repeat(line::MAX_LINE_BYTES));
    let b = batch_of("big", DatasetClass::Profile, "a.jsonl", &big);
    assert_eq!(b.rejections[0].reason, Reason::TooLarge);
    assert!(b.records.is_empty());
}

#[test]
fn inline_values_make_a_batch() {
    let root = temp_dir("inline");
    let ds = dataset("ds", DatasetClass::Profile, false, &[("crmId", "CRMID", true)]);
    let p = project(&root, vec![ds.clone()], vec![]);
    let values = vec![serde_json::json!({"crmId": "c-1"}), serde_json::json!(3)];
    let b = batch_from_values(&p, &ds, "ds/inline", &values);
    assert_eq!((b.records.len(), b.rejections.len()), (1, 1));
    assert_eq!((b.rejections[0].line, b.rejections[0].reason), (2, Reason::NotAnObject));
    let _ = std::fs::remove_dir_all(&root);
}
