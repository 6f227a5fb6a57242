//! `mosaic watch`: the pure classifier over recorded event sequences (tests/watch/), and the
//! real binary on temporary projects: new batches, hot reload with keep-last-good, SIGTERM,
//! and kill -9 at any moment followed by a restart, always compared with a fresh `mosaic run`.

#[path = "watch/project.rs"]
mod project;

use mosaic::watch::classify::{classify, Layout, RecordedEvent};
use project::{fresh_run, mosaic, write, Project, Watcher, AS_OF};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[test]
fn classify_recorded_sequences() {
    let layout = Layout {
        root: PathBuf::from("/proj"),
        datasets: vec![("crm".into(), "data/crm".into()), ("web".into(), "data/web".into())],
        out: Some("out".into()),
    };
    insta::glob!("watch/classify/*.json", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let events: Vec<RecordedEvent> = serde_json::from_str(&text).unwrap();
        insta::assert_yaml_snapshot!(classify(&events, &layout));
    });
}

#[test]
fn files_renamed_into_place_need_not_settle() {
    use mosaic::watch::classify::{renamed_into_place, EventKind};
    let layout =
        Layout { root: PathBuf::from("/proj"), datasets: vec![("web".into(), "data/web".into())], out: None };
    let ev = |kind, paths: &[&str]| RecordedEvent { kind, paths: paths.iter().map(PathBuf::from).collect() };
    let events = [
        ev(EventKind::Create, &["/proj/data/web/.a.part"]),
        ev(EventKind::RenameBoth, &["/proj/data/web/.a.part", "/proj/data/web/a.jsonl"]),
        ev(EventKind::RenameTo, &["/proj/data/web/b.jsonl"]),
        // Renamed in, then written again: not complete.
        ev(EventKind::RenameTo, &["/proj/data/web/c.jsonl"]),
        ev(EventKind::Modify, &["/proj/data/web/c.jsonl"]),
        ev(EventKind::Create, &["/proj/data/web/d.jsonl"]),
    ];
    assert_eq!(
        renamed_into_place(&events, &layout),
        vec![PathBuf::from("data/web/a.jsonl"), "data/web/b.jsonl".into()]
    );
}

#[test]
fn new_batches_are_ingested_and_logged() {
    let p = Project::new("batches");
    p.batch("crm", "001.jsonl", &[p.customer(1, 2), p.customer(2, 0)]);
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    w.wait_for_fresh_run(&p);

    // Written in place, then renamed into place from a hidden temporary name.
    p.batch("web", "001.jsonl", &[p.purchase(1, "e1", 150), p.purchase(3, "e2", 20)]);
    p.batch_renamed("crm", "002.jsonl", &[p.customer(3, 1)]);
    w.wait_for_fresh_run(&p);
    w.wait_for_log("batch crm/002.jsonl: 1 records, 0 rejected");

    let changes = std::fs::read_to_string(p.root.join("out/changes.jsonl")).unwrap();
    let entered =
        changes.lines().find(|l| l.contains("\"CRMID:c-1\"") && l.contains("\"entered\":[\"big\"]"));
    assert!(entered.is_some(), "no audience entry for c-1 in:\n{changes}");
    assert!(changes.contains("\"changedAt\":\"2026-10-01T12:00:00.000Z\""), "{changes}");

    // A removed batch takes its data away.
    std::fs::remove_file(p.root.join("data/web/001.jsonl")).unwrap();
    w.wait_for_fresh_run(&p);
    w.terminate();
    // The profiles watch stored describe the batches it stored: lookups answer from them.
    let (project, store) = mosaic::ops::open_stored(&p.root).unwrap();
    let last = mosaic::ops::last_run(&project, &store).unwrap();
    assert!(last.profiles_current(&project, &store).unwrap(), "{:?}", last.data);
}

#[test]
fn reload_swaps_good_policies_and_keeps_the_last_good_on_errors() {
    let p = Project::two_customers("reload");
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");

    write(&p.root, "policies/count.yaml", COUNT_ATTRIBUTE);
    w.wait_for_log("reload: +1 attribute (purchases)");
    w.wait_for_fresh_run(&p);

    // A broken file: diagnostics, the old program stays, ingest goes on.
    write(&p.root, "policies/broken.yaml", "kind: ComputedAttribute\nname: bad\nexpression: xEvent.sum(\n");
    w.wait_for_log("reload failed: keeping the previous policies");
    p.batch("web", "002.jsonl", &[p.purchase(2, "e3", 200)]);
    w.wait_for_log("batch web/002.jsonl");
    let good = p.copy_without("broken", "policies/broken.yaml");
    w.wait_for_profiles(&fresh_run(&good.root));
    assert!(w.stderr().contains("error["), "no diagnostics printed:\n{}", w.stderr());

    std::fs::remove_file(p.root.join("policies/broken.yaml")).unwrap();
    std::fs::remove_file(p.root.join("policies/count.yaml")).unwrap();
    w.wait_for_log("reload: -1 attribute (purchases)");
    w.wait_for_fresh_run(&p);
    w.terminate();
}

#[test]
fn other_commands_use_the_store_between_evaluations_and_their_changes_are_noticed() {
    let p = Project::two_customers("shared");
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    w.wait_for_fresh_run(&p);
    // While the watch waits, the store is free for a lookup.
    assert!(mosaic(&p.root, &["profile", "--identity", "CRMID:c-1"]).contains("CRMID:c-1"));
    // A delete changes the store behind the watch's back (no file event); the next batch finds
    // the store other than the watch left it, and the watch evaluates in full: the purchases
    // are gone with their batch, as in a fresh run without it.
    mosaic(&p.root, &["delete", "--batch", "web/001.jsonl"]);
    p.batch("crm", "002.jsonl", &[p.customer(3, 1)]);
    let without = p.copy_without("deleted", "data/web/001.jsonl");
    w.wait_for_fresh_run(&without);
    let _ = std::fs::remove_dir_all(&without.root);
    w.terminate();
}

#[test]
fn kill_at_any_point_then_restart_equals_a_fresh_run() {
    let p = Project::new("kill");
    p.batch("crm", "000.jsonl", &[p.customer(0, 1)]);
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    // Killed while batches are landing.
    for b in 1..6u32 {
        p.batch("crm", &format!("{b:03}.jsonl"), &[p.customer(b, b % 3), p.customer(b + 10, 0)]);
        p.batch(
            "web",
            &format!("{b:03}.jsonl"),
            &[p.purchase(b, &format!("e{b}"), 40 * b), p.purchase(b + 10, "x", 5)],
        );
    }
    w.wait_for_log("batch crm/");
    w.kill();

    let mut w = Watcher::start(&p);
    w.wait_for_fresh_run(&p);
    // Killed while a reload is compiling or re-evaluating.
    write(&p.root, "policies/count.yaml", COUNT_ATTRIBUTE);
    p.batch("web", "009.jsonl", &[p.purchase(2, "late", 99)]);
    w.kill();

    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    w.wait_for_fresh_run(&p);
    // A profile logged once is not logged again by the restart when nothing changed.
    let before = std::fs::read_to_string(p.root.join("out/changes.jsonl")).unwrap();
    w.kill();
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    w.wait_for_fresh_run(&p);
    let after = std::fs::read_to_string(p.root.join("out/changes.jsonl")).unwrap();
    assert_eq!(before, after);
    w.terminate();
}

#[test]
fn a_batch_logged_before_a_kill_is_not_logged_again() {
    let p = Project::new("once");
    p.batch("crm", "000.jsonl", &[p.customer(0, 1), p.customer(1, 2)]);
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    p.batch("web", "001.jsonl", &[p.purchase(0, "e1", 40)]);
    // The log line comes after the batch's changes are appended and its profiles stored; the
    // kill lands before `profiles.jsonl` is rewritten (that waits for a quiet second).
    w.wait_for_log("batch web/001.jsonl");
    w.kill();
    let logged = std::fs::read_to_string(p.root.join("out/changes.jsonl")).unwrap();
    assert!(logged.contains("\"profileId\":\"CRMID:c-0\""), "{logged}");
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    w.wait_for_fresh_run(&p);
    assert_eq!(logged, std::fs::read_to_string(p.root.join("out/changes.jsonl")).unwrap());
    w.terminate();
}

#[test]
fn crash_in_the_middle_of_ingest_then_restart_equals_a_fresh_run() {
    let p = Project::new("crash");
    for b in 1..6u32 {
        p.batch("crm", &format!("{b:03}.jsonl"), &[p.customer(b, 1)]);
        p.batch("web", &format!("{b:03}.jsonl"), &[p.purchase(b, &format!("e{b}"), 60 * b)]);
    }
    // The runtime's hook aborts the process after two committed batches of an ingest.
    let w = Watcher::start_with(&p, &[("MOSAIC_TEST_CRASH_AFTER_BATCHES", "2")]);
    assert!(!w.wait_for_exit(), "the crash hook did not fire");
    let mut w = Watcher::start(&p);
    w.wait_for_log("watching");
    w.wait_for_fresh_run(&p);
    w.terminate();
}

#[test]
fn policy_errors_at_start_exit_1() {
    let p = Project::new("start-error");
    write(&p.root, "policies/broken.yaml", "kind: ComputedAttribute\nname: bad\nexpression: xEvent.sum(\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(["watch", "--as-of", AS_OF])
        .arg(&p.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error["));
}

/// One batch of a random sequence: (customer, what, evaluate after it?, name prefix, event id).
/// The prefix lets a later file sort before earlier ones; event ids come from a small set, so
/// `_id`s repeat across batches (the last ingested wins, and may belong to another customer).
type Step = (u32, u32, bool, u32, u32);

/// Drives a session in-process (no file watching): batch files land (and sometimes go) in
/// random groups, each group is evaluated incrementally, and the end state must equal a fresh
/// run; replaying changes.jsonl (last line per profile wins) must give profiles.jsonl.
fn check_sequence(steps: &[Step]) {
    static CASES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let p = Project::new(&format!("prop-{}", CASES.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
    let opts = mosaic::watch::Options {
        root: p.root.clone(),
        as_of: mosaic::ingest::line::parse_timestamp(AS_OF),
        policy: None,
        out: None,
        threads: Some(1),
        engine: mosaic::engine::EngineKind::Interp,
    };
    let (mut session, _) = mosaic::watch::Session::start(opts).unwrap();
    let mut written: Vec<String> = Vec::new();
    for (i, &(c, what, evaluate, prefix, id)) in steps.iter().enumerate() {
        let line = match what {
            0 => p.customer(c, i as u32 % 3),
            1 => p.purchase(c, &format!("e{id}"), 30 * (i as u32 + 1)),
            // A device shared between customers: graph joins, and refusals on the unique CRMID.
            2 => p.purchase_on(c, "shared", &format!("s{id}"), 7),
            // Takes an earlier batch file away.
            _ => {
                if !written.is_empty() {
                    let rel = written.remove(id as usize % written.len());
                    std::fs::remove_file(p.root.join(rel)).unwrap();
                }
                if evaluate {
                    session.evaluate().unwrap();
                }
                continue;
            }
        };
        let dataset = if what == 0 { "crm" } else { "web" };
        let name = format!("{prefix:02}-{i:03}.jsonl");
        p.batch(dataset, &name, &[line]);
        written.push(format!("data/{dataset}/{name}"));
        if evaluate {
            session.evaluate().unwrap();
        }
    }
    session.evaluate().unwrap();
    session.flush().unwrap();
    let profiles = std::fs::read_to_string(p.root.join("out/profiles.jsonl")).unwrap();
    assert_eq!(profiles, fresh_run(&p.root));

    let mut replayed: BTreeMap<String, Option<String>> = BTreeMap::new();
    let changes = std::fs::read_to_string(p.root.join("out/changes.jsonl")).unwrap();
    for line in changes.lines() {
        let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object_mut().unwrap();
        let id = obj["profileId"].as_str().unwrap().to_string();
        let removed = obj.get("change").is_some_and(|c| c == "removed");
        obj.remove("changedAt");
        obj.remove("changes");
        replayed.insert(id, (!removed).then(|| v.to_string()));
    }
    let replayed: String = replayed.into_values().flatten().map(|l| l + "\n").collect();
    assert_eq!(replayed, profiles);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn any_batch_sequence_equals_a_fresh_run(
        steps in prop::collection::vec((0u32..5, 0u32..4, any::<bool>(), 0u32..30, 0u32..4), 1..12)
    ) {
        check_sequence(&steps);
    }
}

const COUNT_ATTRIBUTE: &str = r#"kind: ComputedAttribute
name: purchases
duration: {count: 90, unit: DAYS}
expression: xEvent[eventType = "commerce.purchases"].count()
status: NEW
"#;
