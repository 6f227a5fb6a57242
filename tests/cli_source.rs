//! What the operations do when the store and the files or policies it was built from drift
//! apart: ingest keeps only the event fields rules read (and each event's line offset), so a
//! command needing more must say so instead of answering wrong.

mod common;

use common::{mosaic, TempDir};

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// A run copy of `tests/ops/basic` named after the test.
fn ran(test: &str) -> TempDir {
    let p = common::ops_fixture("basic", &format!("source-{test}"));
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    p
}

#[test]
fn whole_events_are_read_back_from_their_lines() {
    let p = ran("read-back");
    let (code, out, err) = mosaic(&p.0, &["profile", "--identity", "ECID:e-1", "--events"]);
    assert_eq!(code, 0, "{err}");
    let profile: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &profile["events"][0]["event"];
    // Fields no rule reads come back whole, identity map included.
    assert_eq!(first["page"], "home", "{out}");
    assert_eq!(first["identityMap"]["ECID"][0]["id"], "e-1", "{out}");
}

#[test]
fn a_batch_file_changed_since_the_run_is_reported_not_misread() {
    let p = ran("changed-file");
    let file = p.0.join("data/web/2026-10-01.jsonl");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.insert_str(0, "{\"_id\": \"w-0\", \"timestamp\": \"2026-10-01T00:00:00Z\"}\n");
    std::fs::write(&file, text).unwrap();
    // The stored profile is still there; the events' lines moved.
    let (code, _, err) = mosaic(&p.0, &["profile", "--identity", "ECID:e-1"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = mosaic(&p.0, &["profile", "--identity", "ECID:e-1", "--events"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("2026-10-01.jsonl") && err.contains("changed since it was ingested"), "{err}");
    // A run takes the new file in and the events read back again.
    assert_eq!(mosaic(&p.0, &["run", "--as-of", AS_OF]).0, 0);
    let (code, _, err) = mosaic(&p.0, &["profile", "--identity", "ECID:e-1", "--events"]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_rule_reading_a_field_the_store_lacks_asks_for_a_run() {
    let p = ran("stale");
    let attribute = "kind: ComputedAttribute\nname: homeViews\nexpression: xEvent[page = \"home\"].count()\n";
    std::fs::write(p.0.join("policies/extra.yaml"), attribute).unwrap();
    // `profile` alone answers from the last run's stored profile; commands that re-evaluate
    // under the new policies need the field.
    let (code, out, err) = mosaic(&p.0, &["explain", "--identity", "ECID:e-1"]);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("run `mosaic run` first"), "{err}");
    // The run re-reads the event files for the new field.
    let (code, out, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(2 new)"), "{out}");
    let (code, out, err) = mosaic(&p.0, &["profile", "--identity", "ECID:e-1"]);
    assert_eq!(code, 0, "{err}");
    let profile: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(profile["entity"]["computedAttributes"]["homeViews"], 1, "{out}");
}
