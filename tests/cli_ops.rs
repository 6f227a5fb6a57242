//! The profile-store operations through the real binary, on copies of the fixture projects in
//! `tests/ops/`: `profile`, `explain`, `export`, `preview`, `delete`, `jobs` and `test`, every
//! flag and error path; delete checked against a fresh run without the deleted data, export
//! read back against `profile`.

mod common;

use common::{mosaic, TempDir};
use serde_json::Value as Json;
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// A temporary copy of a fixture project, removed on drop.
type Project = TempDir;

/// A copy of `tests/ops/<fixture>` named after the test.
fn fixture(fixture: &str, test: &str) -> Project {
    common::ops_fixture(fixture, test)
}

/// The fixture copied and run.
fn ran(fixture_name: &str, test: &str) -> Project {
    let p = fixture(fixture_name, test);
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    p
}

/// Exit code, stdout and stderr for a snapshot, wall-clock times of job records redacted.
fn shown(r: (i32, String, String)) -> String {
    let times = regex::Regex::new(
        r#""(creationTime|updateTime|startTimeInMs|endTimeInMs|totalTimeInMs|timeTakenInSec)": \d+"#,
    )
    .unwrap();
    let text = format!("exit: {}\n--- stdout\n{}--- stderr\n{}", r.0, r.1, r.2);
    times.replace_all(&text, "\"$1\": \"[time]\"").into_owned()
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap()
}

#[test]
fn profile_lookups() {
    let p = ran("basic", "profile");
    let cases: &[(&str, &[&str])] = &[
        ("one", &["profile", "--identity", "CRMID:c-1"]),
        // Namespace case and value normalization as at ingest; two identities give an array.
        (
            "several_yaml",
            &[
                "profile",
                "--identity",
                "email: ANN@example.com",
                "--identity",
                "ECID:e-7",
                "--format",
                "yaml",
            ],
        ),
        (
            "fields_table",
            &["profile", "--identity", "CRMID:c-2", "--fields", "name,city", "--format", "table"],
        ),
        (
            "events_window",
            &[
                "profile",
                "--identity",
                "CRMID:c-1",
                "--events",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-21T10:00:00Z",
                "--order",
                "-timestamp",
                "--limit",
                "2",
                "--fields",
                "name",
            ],
        ),
        ("events_all", &["profile", "--identity", "ECID:e-7", "--events"]),
        (
            "other_policy",
            &["profile", "--identity", "CRMID:c-1", "--policy", "crm-first", "--fields", "city,tier"],
        ),
        ("unknown_identity", &["profile", "--identity", "CRMID:c-404"]),
        ("not_ns_value", &["profile", "--identity", "c-1"]),
        ("unknown_namespace", &["profile", "--identity", "FOO:1"]),
        ("bad_fields", &["profile", "--identity", "CRMID:c-1", "--fields", "name,,city"]),
        ("bad_time", &["profile", "--identity", "CRMID:c-1", "--events", "--from", "yesterday"]),
        ("bad_order", &["profile", "--identity", "CRMID:c-1", "--order", "timestamp"]),
        ("unknown_policy", &["profile", "--identity", "CRMID:c-1", "--policy", "nope"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("profile_{name}"), shown(mosaic(&p.0, args)));
    }
}

#[test]
fn profile_without_a_store_fails() {
    let p = fixture("basic", "nostore");
    let r = mosaic(&p.0, &["profile", "--identity", "CRMID:c-1"]);
    insta::assert_snapshot!("profile_no_store", shown(r));
}

#[test]
fn profile_with_the_run_policy_equals_profiles_jsonl() {
    let p = ran("basic", "equal");
    let lines = std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap();
    for line in lines.lines() {
        let stored = json(line);
        let id = stored["profileId"].as_str().unwrap();
        let (code, out, err) = mosaic(&p.0, &["profile", "--identity", id]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(json(&out), stored);
        // The rebuild path (events) gives the same profile.
        let (_, out, _) = mosaic(&p.0, &["profile", "--identity", id, "--events"]);
        let mut rebuilt = json(&out);
        rebuilt.as_object_mut().unwrap().remove("events");
        assert_eq!(rebuilt, stored);
    }
}

#[test]
fn profile_after_a_policy_edit_shows_the_new_rules_not_the_stored_profile() {
    let p = ran("basic", "edited");
    let (code, before, err) = mosaic(&p.0, &["profile", "--identity", "CRMID:c-1"]);
    assert_eq!(code, 0, "{err}");
    assert!(json(&before)["entity"].get("computedAttributes").is_none(), "{before}");
    let attribute = "kind: ComputedAttribute\nname: events30d\nduration: { count: 30, unit: DAYS }\n\
                     expression: xEvent.count()\n";
    std::fs::write(p.0.join("policies/events.yaml"), attribute).unwrap();
    let (code, after, err) = mosaic(&p.0, &["profile", "--identity", "CRMID:c-1"]);
    assert_eq!(code, 0, "{err}");
    let after = json(&after);
    assert!(after["entity"]["computedAttributes"]["events30d"].as_i64().is_some_and(|n| n > 0), "{after}");
    // An export shows the same profile, with or without events.
    for args in [&["export", "--out", "e.jsonl"][..], &["export", "--out", "e.jsonl", "--events", "page"]] {
        let (code, _, err) = mosaic(&p.0, args);
        assert_eq!(code, 0, "{err}");
        let exported = std::fs::read_to_string(p.0.join("e.jsonl")).unwrap();
        let c1 = exported.lines().map(json).find(|l| l["profileId"] == "CRMID:c-1").expect("exported");
        assert_eq!(c1["entity"], after["entity"], "{args:?}");
    }
    // The run's output is what it was until the next run.
    let stored = std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap();
    assert!(!stored.contains("events30d"));
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    let line = std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap();
    let line = line.lines().find(|l| l.contains("\"profileId\":\"CRMID:c-1\"")).unwrap().to_string();
    let (_, stored_again, _) = mosaic(&p.0, &["profile", "--identity", "CRMID:c-1"]);
    assert_eq!(json(&stored_again), json(&line));
    assert_eq!(json(&stored_again), after);
}

#[test]
fn explain_shows_graph_provenance_attributes_and_clauses() {
    let p = ran("rules", "explain");
    let cases: &[(&str, &[&str])] = &[
        ("full", &["explain", "--identity", "CRMID:c-1"]),
        ("full_json", &["explain", "--identity", "CRMID:c-1", "--format", "json"]),
        ("field", &["explain", "--identity", "CRMID:c-2", "--field", "city", "--format", "yaml"]),
        (
            "attribute",
            &[
                "explain",
                "--identity",
                "ECID:e-1",
                "--field",
                "computedAttributes.pages30",
                "--as-of",
                "2026-10-10T00:00:00Z",
            ],
        ),
        ("unknown_identity", &["explain", "--identity", "ECID:nope"]),
        ("bad_field", &["explain", "--identity", "CRMID:c-1", "--field", "a b"]),
        ("bad_as_of", &["explain", "--identity", "CRMID:c-1", "--as-of", "soon"]),
        ("no_such_field", &["explain", "--identity", "CRMID:c-2", "--field", "ctiy", "--format", "yaml"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("explain_{name}"), shown(mosaic(&p.0, args)));
    }
}

#[test]
fn export_writes_files_and_job_records() {
    let p = ran("basic", "export");
    let out = |f: &str| f.to_string();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("jsonl", vec!["--out".into(), out("all.jsonl")]),
        (
            "csv_fields",
            vec![
                "--out".into(),
                out("some.csv"),
                "--format".into(),
                "csv".into(),
                "--fields".into(),
                "name,tier".into(),
            ],
        ),
        (
            "empty_profiles_events",
            vec![
                "--out".into(),
                out("ev.jsonl"),
                "--empty-profiles".into(),
                "--events".into(),
                "page,timestamp".into(),
            ],
        ),
        (
            "other_policy",
            vec![
                "--out".into(),
                out("crm.jsonl"),
                "--policy".into(),
                "crm-first".into(),
                "--fields".into(),
                "city".into(),
            ],
        ),
        (
            "from_ingest_later",
            vec!["--out".into(), out("none.jsonl"), "--from-ingest".into(), "2026-11-01".into()],
        ),
        (
            "from_ingest_earlier",
            vec!["--out".into(), out("recent.jsonl"), "--from-ingest".into(), "2026-10-31T00:00:00Z".into()],
        ),
        (
            "fields_typo",
            vec![
                "--out".into(),
                out("typo.parquet"),
                "--format".into(),
                "parquet".into(),
                "--fields".into(),
                "nmae,name".into(),
            ],
        ),
        ("unknown_audience", vec!["--out".into(), out("x.jsonl"), "--audience".into(), "vip".into()]),
        ("unknown_format", vec!["--out".into(), out("x.xml"), "--format".into(), "xml".into()]),
        (
            "bad_from_ingest",
            vec!["--out".into(), out("x.jsonl"), "--from-ingest".into(), "2026-13-01".into()],
        ),
    ];
    for (name, args) in &cases {
        let mut all = vec!["export"];
        all.extend(args.iter().map(String::as_str));
        insta::assert_snapshot!(format!("export_{name}"), shown(mosaic(&p.0, &all)));
    }
    let read = |f: &str| std::fs::read_to_string(p.0.join(f)).unwrap();
    insta::assert_snapshot!("export_file_csv_fields", read("some.csv"));
    insta::assert_snapshot!("export_file_empty_profiles_events", read("ev.jsonl"));
    insta::assert_snapshot!("export_file_other_policy", read("crm.jsonl"));
    assert_eq!(read("none.jsonl"), "");
    assert_eq!(read("recent.jsonl"), read("all.jsonl"));
    assert!(!p.0.join("x.jsonl").exists() && !p.0.join("x.xml").exists());
}

#[test]
fn a_failed_export_is_a_failed_job() {
    let p = ran("basic", "exportfail");
    // The parent of the output is a file, so the export cannot be written.
    let r = mosaic(&p.0, &["export", "--out", "data/crm/2026-09-01.jsonl/x.jsonl"]);
    insta::assert_snapshot!("export_failed", shown(r));
    insta::assert_snapshot!("export_failed_job", shown(mosaic(&p.0, &["jobs", "1"])));
}

#[test]
fn events_of_datasets_outside_the_policy_are_not_the_profile_s() {
    let p = fixture("basic", "outside");
    // Under `crm-only` the web events take no part (SPEC 4, 5): not in the profile's events,
    // nor in an export's.
    let extra = "kind: MergePolicy\nname: crm-only\nidentityGraph: {type: pdg}\n\
                 attributeMerge: {type: dataSetPrecedence, order: [crm]}\n";
    std::fs::write(p.0.join("policies/crm-only.yaml"), extra).unwrap();
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    let events = |args: &[&str]| {
        let (code, out, err) = mosaic(&p.0, args);
        assert_eq!(code, 0, "{err}");
        json(&out)["events"].as_array().map_or(usize::MAX, Vec::len)
    };
    let lookup = ["profile", "--identity", "CRMID:c-1", "--events"];
    assert!(events(&lookup) > 0, "the default policy's profile has web events");
    assert_eq!(events(&[&lookup[..], &["--policy", "crm-only"]].concat()), 0);
    let file = p.0.join("crm.jsonl").display().to_string();
    let (code, _, err) =
        mosaic(&p.0, &["export", "--out", &file, "--policy", "crm-only", "--events", "page"]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.lines().count() > 0);
    for line in text.lines() {
        assert_eq!(json(line)["events"], serde_json::json!([]), "{line}");
    }
}

#[test]
fn an_export_that_fails_midway_leaves_no_file() {
    let p = ran("basic", "exportmidway");
    // Events are read back from their batch files, which must not have changed since they were
    // ingested: this one has, so the export stops at the first profile with an event in it,
    // after other profiles were written.
    let batch = p.0.join("data/web/2026-10-20.jsonl");
    let mut text = std::fs::read_to_string(&batch).unwrap();
    text.push('\n');
    std::fs::write(&batch, text).unwrap();
    for format in ["jsonl", "csv", "parquet"] {
        let out = p.0.join(format!("ev.{format}"));
        let args = ["export", "--out", &out.display().to_string(), "--format", format, "--events", "page"];
        let (code, _, err) = mosaic(&p.0, &args);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("the batch file changed"), "{err}");
        assert!(!out.exists(), "{format}: a failed export leaves no file");
    }
    // A batch file removed since the run: the same, with another reason.
    std::fs::remove_file(&batch).unwrap();
    let out = p.0.join("gone.jsonl");
    let (code, _, err) = mosaic(&p.0, &["export", "--out", &out.display().to_string(), "--events", "page"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the batch file is gone") && err.contains("2026-10-20.jsonl"), "{err}");
    assert!(!out.exists(), "a failed export leaves no file");
    let left: Vec<String> = std::fs::read_dir(&p.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn exported_jsonl_reads_back_as_profile_output() {
    let p = ran("basic", "roundtrip");
    let file = p.0.join("all.jsonl");
    let (code, _, err) = mosaic(&p.0, &["export", "--out", &file.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    // The event-only profile ECID:e-7 is left out without --empty-profiles.
    assert_eq!(text.lines().count(), 4);
    for line in text.lines() {
        let exported = json(line);
        let id = exported["profileId"].as_str().unwrap();
        let (_, out, _) = mosaic(&p.0, &["profile", "--identity", id]);
        assert_eq!(json(&out), exported);
    }
}

#[test]
fn exported_rules_profiles_filter_by_audience() {
    let p = ran("rules", "audience");
    let file = p.0.join("a.jsonl").display().to_string();
    let (code, out, err) =
        mosaic(&p.0, &["export", "--out", &file, "--audience", "malmoBuyers", "--events", "page"]);
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("export_audience_job", shown((code, out, err)));
    insta::assert_snapshot!("export_audience_file", std::fs::read_to_string(&file).unwrap());
}

#[test]
fn preview_reports() {
    let p = ran("basic", "preview");
    let cases: &[(&str, &[&str])] = &[
        ("summary", &["preview"]),
        ("dataset", &["preview", "--report", "dataset"]),
        ("namespace", &["preview", "--report", "namespace"]),
        ("dataset_overlap", &["preview", "--report", "dataset-overlap"]),
        ("namespace_overlap", &["preview", "--report", "namespace-overlap"]),
        ("unstitched", &["preview", "--report", "unstitched"]),
        ("summary_table", &["preview", "--format", "table"]),
        ("dataset_overlap_table", &["preview", "--report", "dataset-overlap", "--format", "table"]),
        ("unstitched_table", &["preview", "--report", "unstitched", "--format", "table"]),
        ("unknown_report", &["preview", "--report", "people"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("preview_{name}"), shown(mosaic(&p.0, args)));
    }
}

/// The profiles a fresh run writes for the fixture after `strip` removed some of its files.
fn fresh_profiles(test: &str, strip: &[&str]) -> String {
    let p = fixture("basic", test);
    for rel in strip {
        let path = p.0.join(rel);
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap()
}

#[test]
fn delete_batch_equals_a_fresh_run_without_it() {
    let p = ran("basic", "delbatch");
    let r = mosaic(&p.0, &["delete", "--batch", "web/2026-10-20.jsonl"]);
    insta::assert_snapshot!("delete_batch", shown(r));
    let after = std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap();
    // The e-9 ↔ c-2 link came only from the deleted batch: e-9 goes back to c-1.
    assert_eq!(after, fresh_profiles("delbatch-fresh", &["data/web/2026-10-20.jsonl"]));
    // The next run does not ingest the deleted batch again.
    let (code, out, _) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0);
    assert!(out.contains("(0 new)"), "{out}");
    assert_eq!(std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap(), after);
    // A deleted batch is unknown to a second delete.
    insta::assert_snapshot!(
        "delete_batch_twice",
        shown(mosaic(&p.0, &["delete", "--batch", "web/2026-10-20.jsonl"]))
    );
}

#[test]
fn delete_dataset_equals_a_fresh_run_without_it() {
    let p = ran("basic", "delds");
    let r = mosaic(&p.0, &["delete", "--dataset", "loyalty"]);
    insta::assert_snapshot!("delete_dataset", shown(r));
    let after = std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap();
    assert_eq!(after, fresh_profiles("delds-fresh", &["data/loyalty"]));
    // A profile whose only data was deleted disappears.
    let p = ran("basic", "delcrm");
    assert_eq!(mosaic(&p.0, &["delete", "--dataset", "crm"]).0, 0);
    assert_eq!(mosaic(&p.0, &["profile", "--identity", "Email:news@example.com"]).0, 1);
    let after = std::fs::read_to_string(p.0.join("out/profiles.jsonl")).unwrap();
    assert_eq!(after, fresh_profiles("delcrm-fresh", &["data/crm"]));
}

#[test]
fn delete_errors() {
    let p = ran("basic", "delerr");
    let cases: &[(&str, &[&str])] = &[
        ("record_batch", &["delete", "--batch", "crm/2026-09-01.jsonl"]),
        ("unknown_batch", &["delete", "--batch", "web/nope.jsonl"]),
        ("unknown_dataset", &["delete", "--dataset", "nope"]),
        ("no_target", &["delete"]),
        ("both_targets", &["delete", "--dataset", "crm", "--batch", "web/2026-10-01.jsonl"]),
        ("bad_as_of", &["delete", "--dataset", "crm", "--as-of", "later"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("delete_{name}"), shown(mosaic(&p.0, args)));
    }
    // No job was created by a refused request.
    insta::assert_snapshot!("delete_errors_jobs", shown(mosaic(&p.0, &["jobs"])));
}

#[test]
fn jobs_list_and_show() {
    let p = ran("basic", "jobs");
    assert_eq!(mosaic(&p.0, &["export", "--out", "a.jsonl"]).0, 0);
    assert_eq!(mosaic(&p.0, &["delete", "--batch", "web/2026-10-01.jsonl"]).0, 0);
    insta::assert_snapshot!("jobs_list", shown(mosaic(&p.0, &["jobs"])));
    insta::assert_snapshot!("jobs_show_delete", shown(mosaic(&p.0, &["jobs", "2"])));
    insta::assert_snapshot!("jobs_unknown", shown(mosaic(&p.0, &["jobs", "9"])));
}

#[test]
fn rule_tests_pass_fail_and_update() {
    let p = fixture("rules", "ruletest");
    insta::assert_snapshot!("test_pass", shown(mosaic(&p.0, &["test"])));
    let snap = p.0.join("tests/snapshots/malmo.snap");
    let text = std::fs::read_to_string(&snap).unwrap();
    std::fs::write(&snap, text.replace("pages30: 1", "pages30: 2")).unwrap();
    insta::assert_snapshot!("test_diff", shown(mosaic(&p.0, &["test"])));
    std::fs::remove_file(&snap).unwrap();
    insta::assert_snapshot!("test_missing", shown(mosaic(&p.0, &["test"])));
    insta::assert_snapshot!("test_update", shown(mosaic(&p.0, &["test", "--update"])));
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), text);
}

/// A case file with mistakes fails with each one at its place in the file (E0013), the other
/// cases still run; a misspelt key is refused rather than leaving the case without its data.
#[test]
fn rule_test_case_mistakes_point_at_their_place() {
    let p = fixture("rules", "ruletest-bad");
    let bad = "name: bad\nasOf: 2026-11-01\npolicy: crm-frist\nrecord:\n  crm: []\nrecords:\n  crmm:\n    - { crmId: c-1 }\n  web: [5]\nidentities: [\"CRMID:c-1\", \"FOO:x\"]\n";
    std::fs::write(p.0.join("tests/bad.yaml"), bad).unwrap();
    std::fs::write(p.0.join("tests/empty.yaml"), "{}\n").unwrap();
    insta::assert_snapshot!("test_bad_case", shown(mosaic(&p.0, &["test"])));
}

#[test]
fn shed_identities_are_their_own_profiles_and_say_so() {
    let p = ran("shed", "shed");
    let cases: &[(&str, &[&str])] = &[
        ("profile", &["profile", "--identity", "ECID:e-1", "--identity", "CRMID:c-1", "--format", "yaml"]),
        ("profile_events", &["profile", "--identity", "ECID:e-1", "--events", "--fields", "name"]),
        ("explain_graph", &["explain", "--identity", "CRMID:c-1", "--field", "name", "--format", "yaml"]),
        ("explain_shed", &["explain", "--identity", "ECID:e-1", "--format", "yaml"]),
    ];
    for (name, args) in cases {
        insta::assert_snapshot!(format!("shed_{name}"), shown(mosaic(&p.0, args)));
    }
}

/// Every evaluating operation gives the same answer with native code and with the interpreter.
#[test]
fn operations_agree_across_engines() {
    let p = ran("rules", "engines");
    let commands: &[&[&str]] = &[
        &["profile", "--identity", "CRMID:c-1", "--events"],
        &["explain", "--identity", "CRMID:c-1", "--format", "json"],
        &["preview", "--report", "dataset"],
        &["test"],
    ];
    for args in commands {
        let with = |engine: &str| {
            let mut full: Vec<&str> = args.to_vec();
            full.extend(["--engine", engine]);
            mosaic(&p.0, &full)
        };
        let (jit, interp) = (with("jit"), with("interp"));
        assert_eq!(jit.0, 0, "{args:?} --engine jit failed: {}", jit.2);
        assert_eq!(jit, interp, "{args:?}: the engines disagree");
    }
}

/// A Parquet export read back with the parquet crate's row reader: the schema as text, and
/// each row as a flat JSON object (null cells left out, JSON-text cells parsed, timestamps as
/// RFC 3339).
fn read_parquet(path: &Path) -> (String, Vec<Json>) {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::try_from(std::fs::File::open(path).unwrap()).unwrap();
    let schema = reader.metadata().file_metadata().schema().clone();
    let mut text = Vec::new();
    parquet::schema::printer::print_schema(&mut text, &schema);
    let json_columns: Vec<String> =
        schema.get_fields().iter().filter(|f| holds_json(f)).map(|f| f.name().to_string()).collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|row| {
            let row = row.unwrap();
            let mut out = serde_json::Map::new();
            for (name, field) in row.get_column_iter() {
                if let Some(v) = cell_json(field, json_columns.contains(name)) {
                    out.insert(name.clone(), v);
                }
            }
            Json::Object(out)
        })
        .collect();
    (String::from_utf8(text).unwrap(), rows)
}

/// Whether a column (or the elements of a list column) is JSON text.
fn holds_json(t: &parquet::schema::types::Type) -> bool {
    if t.is_primitive() {
        t.get_basic_info().logical_type_ref() == Some(&parquet::basic::LogicalType::Json)
    } else {
        t.get_fields().iter().any(|f| holds_json(f))
    }
}

fn cell_json(field: &parquet::record::Field, json_text: bool) -> Option<Json> {
    use parquet::record::Field;
    Some(match field {
        Field::Null => return None,
        Field::Bool(b) => Json::Bool(*b),
        Field::Long(i) => Json::from(*i),
        Field::Double(d) => Json::from(*d),
        Field::TimestampMicros(us) => Json::String(mosaic::output::format_timestamp(*us)),
        Field::Date(days) => Json::String(mosaic::output::format_date(*days)),
        Field::Str(s) if json_text => json(s),
        Field::Str(s) => Json::String(s.clone()),
        Field::ListInternal(l) => {
            Json::Array(l.elements().iter().filter_map(|e| cell_json(e, json_text)).collect())
        }
        other => panic!("unexpected Parquet field {other:?}"),
    })
}

/// A JSONL profile flattened the way the Parquet export lays it out: identities as
/// `NS:VALUE`, one member per entity leaf path, values of DOUBLE columns as doubles.
fn flat_profile(p: &Json, double_columns: &[&str]) -> Json {
    fn leaves(v: &Json, prefix: &str, out: &mut serde_json::Map<String, Json>) {
        for (k, v) in v.as_object().unwrap() {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                Json::Object(o) if !o.is_empty() => leaves(v, &path, out),
                _ => {
                    out.insert(path, v.clone());
                }
            }
        }
    }
    let ids: Vec<Json> = p["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| Json::String(format!("{}:{}", i["namespace"].as_str().unwrap(), i["id"].as_str().unwrap())))
        .collect();
    let mut out = serde_json::Map::new();
    out.insert("profileId".into(), p["profileId"].clone());
    out.insert("identities".into(), Json::Array(ids));
    for k in ["audiences", "sources", "lastModifiedAt", "events"] {
        if let Some(v) = p.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    let mut entity = serde_json::Map::new();
    leaves(&p["entity"], "", &mut entity);
    for (k, v) in entity {
        let v = if double_columns.contains(&k.as_str()) { Json::from(v.as_f64().unwrap()) } else { v };
        out.insert(k, v);
    }
    Json::Object(out)
}

/// Exports with `args` as JSONL and as Parquet; asserts the Parquet rows hold exactly the
/// JSONL profiles; returns the Parquet job's output (for a snapshot) and the schema.
fn export_both(
    p: &Path,
    name: &str,
    args: &[&str],
    double_columns: &[&str],
) -> ((i32, String, String), String) {
    let (jsonl, parquet) = (format!("{name}.jsonl"), format!("{name}.parquet"));
    let mut with = vec!["export", "--out", &jsonl];
    with.extend(args);
    let (code, _, err) = mosaic(p, &with);
    assert_eq!(code, 0, "{err}");
    with[2] = &parquet;
    with.extend(["--format", "parquet"]);
    let job = mosaic(p, &with);
    assert_eq!(job.0, 0, "{}", job.2);
    let expected: Vec<Json> = std::fs::read_to_string(p.join(&jsonl))
        .unwrap()
        .lines()
        .map(|l| flat_profile(&json(l), double_columns))
        .collect();
    let (schema, rows) = read_parquet(&p.join(&parquet));
    assert_eq!(rows, expected);
    // Written through a temporary file that was renamed into place.
    let names: Vec<String> = std::fs::read_dir(p)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
    (job, schema)
}

#[test]
fn exported_parquet_holds_the_jsonl_profiles_with_typed_columns() {
    let p = fixture("basic", "parquet");
    // More loyalty data for typed and JSON columns: c-3's points are a double (the column
    // becomes DOUBLE), its tier an int among strings (JSON text), `vip` a bool, `tags` an
    // array and `prefs.channel` an empty object (both JSON text).
    std::fs::write(
        p.0.join("data/loyalty/2026-10-15.jsonl"),
        concat!(
            r#"{"crmId": "c-3", "tier": 7, "points": 12.5, "vip": true, "tags": ["new", "web"], "#,
            r#""prefs": {"channel": {}}, "extSourceSystemAudit": {"lastUpdatedDate": "2026-10-15T08:00:00Z"}}"#,
            "\n",
            r#"{"crmId": "c-2", "vip": false, "extSourceSystemAudit": {"lastUpdatedDate": "2026-10-15T08:00:00Z"}}"#,
            "\n",
        ),
    )
    .unwrap();
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    let (job, schema) = export_both(&p.0, "all", &[], &["points"]);
    insta::assert_snapshot!("export_parquet_job", shown(job));
    insta::assert_snapshot!("export_parquet_schema", schema);
    let (_, rows) = read_parquet(&p.0.join("all.parquet"));
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[2]["tier"], 7);
    assert_eq!(rows[2]["points"], 12.5);
    assert_eq!(rows[0]["points"], 120.0);
}

#[test]
fn parquet_export_projects_fields() {
    let p = ran("basic", "parquetfields");
    let (_, schema) = export_both(&p.0, "some", &["--fields", "name,tier,extSourceSystemAudit"], &[]);
    insta::assert_snapshot!("export_parquet_fields_schema", schema);
}

#[test]
fn parquet_export_filters_by_audience_with_events() {
    let p = ran("rules", "parquetaudience");
    let (job, schema) = export_both(&p.0, "a", &["--audience", "malmoBuyers", "--events", "page"], &[]);
    insta::assert_snapshot!("export_parquet_audience_job", shown(job));
    insta::assert_snapshot!("export_parquet_audience_schema", schema);
    let (_, rows) = read_parquet(&p.0.join("a.parquet"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["audiences"], serde_json::json!(["malmoBuyers"]));
}

#[test]
fn an_empty_parquet_export_is_a_valid_file_with_the_schema() {
    let p = ran("basic", "parquetempty");
    let (job, schema) = export_both(&p.0, "none", &["--from-ingest", "2026-11-01", "--events", "page"], &[]);
    insta::assert_snapshot!("export_parquet_empty_job", shown(job));
    insta::assert_snapshot!("export_parquet_empty_schema", schema);
    assert_eq!(read_parquet(&p.0.join("none.parquet")).1, Vec::<Json>::new());
}

/// `mosaic <args>` with `MOSAIC_TEST_WORLD` set: `components` answers only from the identity
/// components the run stored (an error when they are stale), `full` only from every batch.
fn mosaic_world(project: &Path, world: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(args)
        .arg(project)
        .current_dir(project)
        .env("MOSAIC_TEST_INGEST_TIME", "2026-10-31T00:00:00Z")
        .env("MOSAIC_TEST_WORLD", world)
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&project.display().to_string(), "[PROJECT]");
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// Asserts that `args` answers the same (and succeeds) from the stored components and from
/// the whole store.
fn same_both_ways(project: &Path, args: &[&str]) {
    let fast = mosaic_world(project, "components", args);
    assert_eq!(fast.0, 0, "{args:?} from the components failed: {}", fast.2);
    assert_eq!(fast, mosaic_world(project, "full", args), "{args:?}: components and full load disagree");
}

#[test]
fn profile_and_explain_answer_the_same_from_components_and_from_every_batch() {
    let p = ran("rules", "world-rules");
    let commands: &[&[&str]] = &[
        &["profile", "--identity", "CRMID:c-1", "--events"],
        &["profile", "--identity", "CRMID:c-2", "--identity", "ECID:e-1", "--events", "--format", "yaml"],
        &["explain", "--identity", "CRMID:c-1", "--format", "json"],
        &["explain", "--identity", "ECID:e-1", "--as-of", "2026-10-10T00:00:00Z"],
    ];
    for args in commands {
        same_both_ways(&p.0, args);
    }
    let p = ran("shed", "world-shed");
    same_both_ways(&p.0, &["profile", "--identity", "ECID:e-1", "--identity", "CRMID:c-1", "--events"]);
    same_both_ways(&p.0, &["explain", "--identity", "CRMID:c-1", "--format", "json"]);
    same_both_ways(&p.0, &["explain", "--identity", "ECID:e-1", "--format", "json"]);
    // An identity no profile holds is unknown both ways.
    let args = ["profile", "--identity", "CRMID:c-404", "--events"];
    let fast = mosaic_world(&p.0, "components", &args);
    assert_eq!(fast.0, 1, "{}", fast.2);
    assert_eq!(fast, mosaic_world(&p.0, "full", &args));
}

/// Another policy than the run's re-stitches the stored components under it: every profile
/// equals what `mosaic run --policy` writes.
#[test]
fn another_policy_answers_from_components_as_a_run_under_it() {
    let p = ran("basic", "world-policy");
    let other = fixture("basic", "world-policy-run");
    let (code, _, err) = mosaic(&other.0, &["run", "--as-of", AS_OF, "--policy", "crm-first"]);
    assert_eq!(code, 0, "{err}");
    let lines = std::fs::read_to_string(other.0.join("out/profiles.jsonl")).unwrap();
    assert!(lines.lines().count() > 1);
    for line in lines.lines() {
        let want = json(line);
        let id = want["profileId"].as_str().unwrap();
        let args = ["profile", "--identity", id, "--policy", "crm-first", "--events"];
        let (code, out, err) = mosaic_world(&p.0, "components", &args);
        assert_eq!(code, 0, "{err}");
        let mut got = json(&out);
        got.as_object_mut().unwrap().remove("events");
        assert_eq!(got, want, "{id}");
        same_both_ways(&p.0, &args);
    }
}

/// Adds a batch linking `ECID:e-7` to `CRMID:c-3` and runs, killed once it is stored (before the
/// profiles and components are).
fn store_batch_and_crash(project: &Path) {
    let line = r#"{"_id": "w-7", "timestamp": "2026-10-25T10:00:00Z", "eventType": "page", "page": "x", "identityMap": {"ECID": [{"id": "e-7", "primary": true}], "CRMID": [{"id": "c-3"}]}}"#;
    std::fs::write(project.join("data/web/2026-10-25.jsonl"), format!("{line}\n")).unwrap();
    let crashed = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(["run", "--as-of", AS_OF])
        .arg(project)
        .env("MOSAIC_TEST_INGEST_TIME", "2026-10-31T00:00:00Z")
        .env("MOSAIC_TEST_CRASH_AFTER_BATCHES", "1")
        .output()
        .unwrap();
    assert!(!crashed.status.success());
}

/// Batches stored after the components (here by a run killed before its end, as a `watch`
/// between evaluations) make them stale: the answer comes from every batch, with the new data;
/// the next complete run, and a delete, store fresh components again.
#[test]
fn stale_components_fall_back_to_every_batch() {
    let p = ran("basic", "world-stale");
    store_batch_and_crash(&p.0);
    let args = ["profile", "--identity", "ECID:e-7", "--events"];
    let (code, _, err) = mosaic_world(&p.0, "components", &args);
    assert_eq!(code, 1);
    assert!(err.contains("stale"), "{err}");
    let (code, out, err) = mosaic(&p.0, &args);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("w-7") && out.contains("c-3"), "{out}");
    assert_eq!((code, out, err), mosaic_world(&p.0, "full", &args));
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    same_both_ways(&p.0, &args);
    same_both_ways(&p.0, &["explain", "--identity", "CRMID:c-3"]);
    assert_eq!(mosaic(&p.0, &["delete", "--batch", "web/2026-10-25.jsonl"]).0, 0);
    same_both_ways(&p.0, &args);
    let (_, out, _) = mosaic_world(&p.0, "components", &args);
    assert!(!out.contains("w-7"), "{out}");
}

/// The stored components hold each event's values typed as the run's rules read them: a rule
/// edit that keeps an event path but changes its type makes them stale (they held `page` as
/// the int it was declared, so null), and the answer comes from every batch, typed anew.
#[test]
fn a_changed_event_field_type_makes_the_components_stale() {
    let p = fixture("basic", "world-retyped");
    let policies = p.0.join("policies/policies.yaml");
    let text = std::fs::read_to_string(&policies).unwrap();
    let typed = |ty: &str, literal: &str| {
        let schema = format!("path: data/web\nschema:\n  page: {ty}\n");
        let attribute = format!(
            "---\nkind: ComputedAttribute\nname: homeViews\nexpression: xEvent[page = {literal}].count()\n"
        );
        format!("{}{attribute}", text.replace("path: data/web\n", &schema))
    };
    std::fs::write(&policies, typed("int", "1")).unwrap();
    let (code, _, err) = mosaic(&p.0, &["run", "--as-of", AS_OF]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&policies, typed("string", "\"home\"")).unwrap();
    let args = ["profile", "--identity", "ECID:e-1"];
    let (code, _, err) = mosaic_world(&p.0, "components", &args);
    assert_eq!(code, 1, "the components are stale");
    assert!(err.contains("stale"), "{err}");
    let (code, out, err) = mosaic(&p.0, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out)["entity"]["computedAttributes"]["homeViews"], 1, "{out}");
    // A run under the new rules stores components that answer the same.
    assert_eq!(mosaic(&p.0, &["run", "--as-of", AS_OF]).0, 0);
    same_both_ways(&p.0, &args);
    // A rule reading no other event field leaves the components as stored: they still answer.
    let more = "---\nkind: ComputedAttribute\nname: views\nexpression: xEvent[page != \"x\"].count()\n";
    std::fs::write(&policies, typed("string", "\"home\"") + more).unwrap();
    assert_eq!(mosaic(&p.0, &["run", "--as-of", AS_OF]).0, 0);
    same_both_ways(&p.0, &args);
    let (_, out, _) = mosaic_world(&p.0, "components", &args);
    assert_eq!(json(&out)["entity"]["computedAttributes"]["views"], 3, "{out}");
}

/// A run killed after storing a batch leaves the store's profiles behind its batches: `profile`
/// and `export` then rebuild from the batches, as `profile --events` does, so no two commands
/// disagree about which profile an identity is in; a complete run makes the stored ones current.
#[test]
fn profiles_stored_before_newer_batches_are_not_answered_from() {
    let p = ran("basic", "stale-profiles");
    store_batch_and_crash(&p.0);
    let profile_id = |args: &[&str]| {
        let (code, out, err) = mosaic(&p.0, args);
        assert_eq!(code, 0, "{err}");
        json(&out)["profileId"].as_str().unwrap_or_default().to_string()
    };
    let lookup = ["profile", "--identity", "ECID:e-7"];
    let with_events = ["profile", "--identity", "ECID:e-7", "--events"];
    assert_eq!(profile_id(&with_events), "CRMID:c-3", "the stored batch links e-7 to c-3");
    assert_eq!(profile_id(&lookup), "CRMID:c-3");
    let (code, _, err) = mosaic(&p.0, &["export", "--out", "all.jsonl"]);
    assert_eq!(code, 0, "{err}");
    let exported = std::fs::read_to_string(p.0.join("all.jsonl")).unwrap();
    let c3 = exported.lines().map(json).find(|l| l["profileId"] == "CRMID:c-3").expect("c-3 exported");
    assert!(c3["identities"].to_string().contains("e-7"), "{c3}");
    // The complete run stores current profiles, which the lookup answers from again.
    assert_eq!(mosaic(&p.0, &["run", "--as-of", AS_OF]).0, 0);
    assert_eq!(profile_id(&lookup), "CRMID:c-3");
}

/// `preview` counts the profiles `profile` and `export` show: built anew when the stored ones
/// are not current (policy files edited, or batches stored by a run killed before its end),
/// and then the same reports as from the profiles a complete run stores.
#[test]
fn preview_reports_agree_whether_the_stored_profiles_are_current_or_not() {
    let p = ran("basic", "preview-current");
    let reports = |p: &Path| -> Vec<String> {
        ["summary", "namespace", "dataset-overlap", "namespace-overlap", "unstitched"]
            .iter()
            .map(|r| {
                let args: &[&str] = if *r == "summary" { &["preview"] } else { &["preview", "--report", r] };
                let (code, out, err) = mosaic(p, args);
                assert_eq!(code, 0, "{err}");
                out
            })
            .collect()
    };
    let stored = reports(&p.0);
    // A comment changes the policy files, not what they make: built anew, the same reports.
    let policies = p.0.join("policies/policies.yaml");
    let text = std::fs::read_to_string(&policies).unwrap();
    std::fs::write(&policies, format!("# edited\n{text}")).unwrap();
    assert_eq!(reports(&p.0), stored);
    // A batch stored by a killed run is counted, as the next complete run counts it.
    std::fs::write(&policies, text).unwrap();
    store_batch_and_crash(&p.0);
    let after_crash = reports(&p.0);
    assert_ne!(after_crash, stored, "the new batch stitches e-7 into c-3's profile");
    assert_eq!(mosaic(&p.0, &["run", "--as-of", AS_OF]).0, 0);
    assert_eq!(reports(&p.0), after_crash);
}
