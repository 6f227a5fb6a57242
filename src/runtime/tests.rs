//! Unit tests of the runner over hand-built projects (no engine: merging, stitching, output,
//! store).

use super::fixture::{dataset, policy, project, temp_dir, write};
use super::*;
use crate::policy::{DatasetClass, GraphType, MergeType};

fn program() -> ir::Program {
    ir::Program {
        attributes: Vec::new(),
        audiences: Vec::new(),
        event_paths: Vec::new(),
        profile_type: ir::Type::Any,
        event_type: ir::Type::Any,
    }
}

fn opts(root: &std::path::Path, fresh: bool) -> Options {
    Options {
        as_of: 1_790_856_000_000_000,
        policy: None,
        out: root.join("out"),
        threads: Some(2),
        engine: EngineKind::Interp,
        fresh,
        progress: false,
    }
}

fn retail(name: &str, graph: GraphType, merge: MergeType) -> Project {
    let root = temp_dir(name);
    let crm = dataset("crm", DatasetClass::Profile, false, &[("crmId", "CRMID", true)]);
    let web = dataset("web", DatasetClass::Event, false, &[]);
    write(
        &root,
        "data/crm/1.jsonl",
        concat!(
            r#"{"crmId": "c-1", "identityMap": {"Email": [{"id": "ann@x.se"}]}, "name": "Ann", "extSourceSystemAudit": {"lastUpdatedDate": "2026-09-01T00:00:00Z"}}"#,
            "\n",
            r#"{"crmId": "c-2", "name": "Bob", "extSourceSystemAudit": {"lastUpdatedDate": "2026-09-01T00:00:00Z"}}"#,
            "\n",
        ),
    );
    write(
        &root,
        "data/web/1.jsonl",
        concat!(
            r#"{"_id": "e1", "timestamp": "2026-09-02T00:00:00Z", "identityMap": {"ECID": [{"id": "k1"}], "Email": [{"id": "ANN@x.se"}]}}"#,
            "\n",
            r#"{"_id": "e1", "timestamp": "2026-09-03T00:00:00Z", "identityMap": {"ECID": [{"id": "k1"}]}}"#,
            "\n",
            r#"{"_id": "e2", "timestamp": "2026-09-04T00:00:00Z", "identityMap": {"ECID": [{"id": "k9"}]}}"#,
            "\n",
            "oops\n",
        ),
    );
    project(&root, vec![crm, web], vec![policy("p", graph, merge, &["crm"])])
}

fn read(root: &std::path::Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap_or_default()
}

#[test]
fn pdg_stitches_records_and_events_into_profiles() {
    let p = retail("pdg", GraphType::Pdg, MergeType::TimestampOrdered);
    let report = run(&p, &program(), None, Arc::new(Interner::new()), &opts(&p.root, false)).expect("run");
    let out = read(&p.root, "out/profiles.jsonl");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        r#"{"profileId":"CRMID:c-1","identities":[{"namespace":"CRMID","id":"c-1"},{"namespace":"ECID","id":"k1"},{"namespace":"Email","id":"ann@x.se"}],"entity":{"crmId":"c-1","extSourceSystemAudit":{"lastUpdatedDate":"2026-09-01T00:00:00Z"},"name":"Ann"},"audiences":[],"sources":["crm","web"],"lastModifiedAt":"2026-09-03T00:00:00.000Z"}"#
    );
    assert!(lines[1].starts_with(r#"{"profileId":"CRMID:c-2""#));
    assert!(lines[2].starts_with(r#"{"profileId":"ECID:k9""#));
    assert_eq!((report.records, report.events, report.duplicate_events, report.rejected), (2, 3, 1, 1));
    assert_eq!(report.rejections["web"]["web/1.jsonl"]["invalidJson"], 1);
    let rejected = read(&p.root, ".mosaic/rejected/web.jsonl");
    assert!(rejected.contains(r#""line":4"#) && rejected.contains(r#""raw":"oops""#), "{rejected}");
    let store = Store::open(&p.root, false).expect("store");
    assert_eq!(store.profiles().expect("profiles"), lines);
    assert_eq!(store.profile("ECID:k9").expect("profile").as_deref(), Some(lines[2]));
    assert_eq!(store.manifest().expect("manifest").len(), 2);
    let _ = std::fs::remove_dir_all(&p.root);
}

#[test]
fn data_set_precedence_leaves_out_unlisted_datasets() {
    let p = retail("dsp", GraphType::Pdg, MergeType::DataSetPrecedence);
    run(&p, &program(), None, Arc::new(Interner::new()), &opts(&p.root, false)).expect("run");
    let out = read(&p.root, "out/profiles.jsonl");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains(r#""sources":["crm"],"lastModifiedAt":"2026-09-01T00:00:00.000Z""#), "{out}");
    let _ = std::fs::remove_dir_all(&p.root);
}

#[test]
fn incremental_run_equals_fresh_run() {
    let p = retail("incr", GraphType::Pdg, MergeType::TimestampOrdered);
    let first = run(&p, &program(), None, Arc::new(Interner::new()), &opts(&p.root, false)).expect("run");
    assert_eq!(first.run.ingested_batches, 2);
    write(
        &p.root,
        "data/web/2.jsonl",
        concat!(
            r#"{"_id": "e3", "timestamp": "2026-09-05T00:00:00Z", "identityMap": {"ECID": [{"id": "k9"}]}, "crmId": "c-2"}"#,
            "\n",
        ),
    );
    let mut web = p.clone();
    web.datasets[1].identities.push(crate::policy::IdentityField {
        path: "crmId".into(),
        namespace: "CRMID".into(),
        primary: false,
    });
    let second = run(&web, &program(), None, Arc::new(Interner::new()), &opts(&p.root, false)).expect("run");
    // The new batch, and web/1.jsonl again: the web dataset's identity fields changed.
    assert_eq!((second.run.ingested_batches, second.run.stored_batches), (2, 1));
    let incremental = read(&p.root, "out/profiles.jsonl");
    let third = run(&web, &program(), None, Arc::new(Interner::new()), &opts(&p.root, false)).expect("run");
    assert_eq!((third.run.ingested_batches, third.run.stored_batches), (0, 3));
    assert_eq!(incremental.lines().count(), 2, "{incremental}");
    let fresh = run(&web, &program(), None, Arc::new(Interner::new()), &opts(&p.root, true)).expect("run");
    assert_eq!(fresh.run.ingested_batches, 3);
    assert_eq!(read(&p.root, "out/profiles.jsonl"), incremental);
    let _ = std::fs::remove_dir_all(&p.root);
}

#[test]
fn no_graph_keeps_one_identity_per_profile() {
    let p = retail("none", GraphType::None, MergeType::TimestampOrdered);
    let report = run(&p, &program(), None, Arc::new(Interner::new()), &opts(&p.root, false)).expect("run");
    // c-1, c-2 (records), k1 and k9 (event primaries: ECID outranks Email).
    assert_eq!(report.profiles, 4);
    let out = read(&p.root, "out/profiles.jsonl");
    assert!(
        out.contains(r#"{"profileId":"CRMID:c-1","identities":[{"namespace":"CRMID","id":"c-1"}]"#),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&p.root);
}
