//! `mosaic run` through the real binary: exit codes, the summary, byte-identical output for any
//! thread count, incremental runs equal to fresh ones, and kill-and-resume.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AS_OF: &str = "2026-10-01T12:00:00Z";

/// A temporary project folder, removed on drop.
struct Project(PathBuf);

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The policies of the small generated projects (shared with the watch tests).
const POLICIES: &str = include_str!("fixtures/small-policies.yaml");

/// A deterministic pseudo-random project: `profiles` customers spread over `batches` batch
/// files per dataset, with shared devices, duplicates and a few bad lines.
fn generated(name: &str, profiles: u64, batches: u64) -> Project {
    let root = std::env::temp_dir().join(format!("mosaic-cli-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(&root, "mosaic.yaml", "kind: Project\nname: gen\n");
    write(&root, "policies/policies.yaml", POLICIES);
    let mut seed: u64 = 42;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut crm = vec![String::new(); batches as usize];
    let mut web = vec![String::new(); batches as usize];
    for c in 0..profiles {
        let b = next(batches) as usize;
        let day = 1 + next(28);
        crm[b] += &format!(
            "{{\"crmId\": \"c-{c}\", \"identityMap\": {{\"Email\": [{{\"id\": \"u{c}@x.se\"}}]}}, \"tier\": {}, \"extSourceSystemAudit\": {{\"lastUpdatedDate\": \"2026-09-{day:02}T00:00:00Z\"}}}}\n",
            next(4)
        );
        for e in 0..next(6) {
            let b = next(batches) as usize;
            let device = if next(10) == 0 { "shared".to_string() } else { format!("k{c}") };
            let id = format!("e{c}-{}", next(3) + e);
            web[b] += &format!(
                "{{\"_id\": \"{id}\", \"timestamp\": \"2026-09-{:02}T10:00:00Z\", \"eventType\": \"commerce.purchases\", \"identityMap\": {{\"ECID\": [{{\"id\": \"{device}\"}}], \"CRMID\": [{{\"id\": \"c-{c}\"}}]}}, \"commerce\": {{\"order\": {{\"priceTotal\": {}.5}}}}}}\n",
                1 + next(29),
                next(80)
            );
        }
    }
    web[0] += "{broken\n";
    for b in 0..batches as usize {
        write(&root, &format!("data/crm/{b:03}.jsonl"), &crm[b]);
        write(&root, &format!("data/web/{b:03}.jsonl"), &web[b]);
    }
    Project(root)
}

/// Runs `mosaic run` with the project folder as working directory (so `--out` is relative to it).
fn mosaic(root: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.current_dir(root)
        .arg("run")
        .arg(root)
        .args(args)
        .env("MOSAIC_TEST_INGEST_TIME", "2026-01-01T00:00:00Z");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// Runs the project with the batch file `rel` held back, then puts it back: the next run has
/// that one batch to ingest.
fn run_without_batch(root: &Path, rel: &str) {
    let (file, held) = (root.join(rel), root.join("held-back"));
    std::fs::create_dir_all(&held).unwrap();
    let aside = held.join(file.file_name().unwrap());
    std::fs::rename(&file, &aside).unwrap();
    ok(&mosaic(root, &["--as-of", AS_OF], &[]));
    std::fs::rename(&aside, &file).unwrap();
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "run failed:\n{stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn profiles(root: &Path, out: &str) -> String {
    std::fs::read_to_string(root.join(out).join("profiles.jsonl")).unwrap()
}

#[test]
fn usage_errors_exit_2() {
    let p = generated("usage", 3, 1);
    assert_eq!(mosaic(&p.0, &["--as-of", "yesterday"], &[]).status.code(), Some(2));
    assert_eq!(mosaic(&p.0, &["--engine", "fast"], &[]).status.code(), Some(2));
    assert_eq!(mosaic(&p.0, &["--threads", "0"], &[]).status.code(), Some(2));
}

#[test]
fn policy_errors_exit_1_before_touching_data() {
    let p = generated("policy-error", 3, 1);
    assert_eq!(mosaic(&p.0, &["--as-of", AS_OF, "--policy", "nope"], &[]).status.code(), Some(1));
    write(&p.0, "policies/bad.yaml", "kind: ComputedAttribute\nname: bad\nexpression: xEvent.sum(\n");
    let out = mosaic(&p.0, &["--as-of", AS_OF], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
    assert!(!p.0.join(".mosaic/store.redb").exists());
    assert!(!p.0.join("out/profiles.jsonl").exists());
}

#[test]
fn summary_and_outputs() {
    let p = generated("summary", 20, 2);
    let stdout = ok(&mosaic(&p.0, &["--as-of", AS_OF], &[]));
    assert!(stdout.contains("profiles from") && stdout.contains("rejected lines: 1"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.0.join("out/report.json")).unwrap()).unwrap();
    assert_eq!(report["rejections"]["web"]["web/000.jsonl"]["invalidJson"], 1);
    assert_eq!(report["records"], 20);
    let text = profiles(&p.0, "out");
    let ids: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["profileId"].as_str().unwrap().to_string()
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert!(std::fs::read_to_string(p.0.join(".mosaic/rejected/web.jsonl"))
        .unwrap()
        .contains("\"raw\":\"{broken\""));
}

#[test]
fn threads_do_not_change_output() {
    let p = generated("threads", 300, 6);
    ok(&mosaic(&p.0, &["--as-of", AS_OF, "--threads", "1", "--out", "out1", "--fresh"], &[]));
    ok(&mosaic(&p.0, &["--as-of", AS_OF, "--threads", "2", "--out", "out2", "--fresh"], &[]));
    assert_eq!(profiles(&p.0, "out1"), profiles(&p.0, "out2"));
    assert!(!profiles(&p.0, "out1").is_empty());
}

#[test]
fn second_run_ingests_only_new_batches_and_equals_fresh() {
    let p = generated("incremental", 100, 4);
    run_without_batch(&p.0, "data/web/003.jsonl");
    let stdout = ok(&mosaic(&p.0, &["--as-of", AS_OF], &[]));
    assert!(stdout.contains("in 8 batches (1 new)"), "{stdout}");
    let incremental = profiles(&p.0, "out");
    ok(&mosaic(&p.0, &["--as-of", AS_OF, "--fresh", "--out", "fresh"], &[]));
    assert_eq!(incremental, profiles(&p.0, "fresh"));
}

#[test]
fn killed_run_resumes_to_the_same_result() {
    let p = generated("kill", 100, 5);
    let crashed =
        mosaic(&p.0, &["--as-of", AS_OF, "--threads", "2"], &[("MOSAIC_TEST_CRASH_AFTER_BATCHES", "3")]);
    assert!(!crashed.status.success());
    assert!(!p.0.join("out/profiles.jsonl").exists());
    let stdout = ok(&mosaic(&p.0, &["--as-of", AS_OF], &[]));
    assert!(stdout.contains("in 10 batches (7 new)"), "{stdout}");
    let resumed = profiles(&p.0, "out");
    ok(&mosaic(&p.0, &["--as-of", AS_OF, "--fresh", "--out", "fresh"], &[]));
    assert_eq!(resumed, profiles(&p.0, "fresh"));
    let rejected = std::fs::read_to_string(p.0.join(".mosaic/rejected/web.jsonl")).unwrap();
    assert_eq!(rejected.lines().count(), 1);
}

/// The tables of the project's store whose names say they are staged (`store::staging`).
fn staging_tables(root: &Path) -> Vec<String> {
    use redb::ReadableDatabase;
    let db = redb::Database::open(root.join(".mosaic/store.redb")).unwrap();
    let txn = db.begin_read().unwrap();
    let names = txn.list_tables().unwrap().map(|t| redb::TableHandle::name(&t).to_string());
    names.filter(|n| n.ends_with("~next")).collect()
}

/// `mosaic profile --identity KEY` on the project.
fn lookup(root: &Path, key: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .arg("profile")
        .arg(root)
        .args(["--identity", key])
        .output();
    let out = out.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A run killed while it stores its profiles and components (written over several staging
/// transactions, put in place by a last one) replaces nothing: `profile` answers as it will
/// once a run has finished, the next run deletes what was staged and equals a fresh run.
#[test]
fn a_run_killed_while_storing_its_output_resumes_to_the_same_result() {
    let p = generated("kill-output", 100, 4);
    run_without_batch(&p.0, "data/web/003.jsonl");
    // Staging transactions of 2 KB, and an abort after the first is committed.
    let hooks = [("MOSAIC_TEST_STAGED_BYTES", "2000"), ("MOSAIC_TEST_CRASH_AFTER_STAGED_COMMITS", "1")];
    let crashed = mosaic(&p.0, &["--as-of", AS_OF], &hooks);
    assert!(!crashed.status.success(), "the hook aborts the run");
    assert_eq!(staging_tables(&p.0), ["profilePages~next"], "the first staged commit is left");
    let during = lookup(&p.0, "CRMID:c-7");
    let stdout = ok(&mosaic(&p.0, &["--as-of", AS_OF], &[]));
    assert!(stdout.contains("in 8 batches (0 new)"), "the batches were stored before the kill: {stdout}");
    assert!(staging_tables(&p.0).is_empty(), "the next run deletes what was staged");
    assert_eq!(lookup(&p.0, "CRMID:c-7"), during);
    let resumed = profiles(&p.0, "out");
    ok(&mosaic(&p.0, &["--as-of", AS_OF, "--fresh", "--out", "fresh"], &[]));
    assert_eq!(resumed, profiles(&p.0, "fresh"));
}

#[test]
fn generated_retail_project_is_thread_independent() {
    let root = std::env::temp_dir().join(format!("mosaic-cli-run-{}-gen", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let p = Project(root);
    let gen = Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(["gen"])
        .arg(&p.0)
        .args(["--profiles", "150", "--events-per-profile", "8", "--seed", "7"])
        .output()
        .unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    ok(&mosaic(&p.0, &["--as-of", AS_OF, "--threads", "1", "--out", "one", "--engine", "jit"], &[]));
    ok(&mosaic(
        &p.0,
        &["--as-of", AS_OF, "--threads", "2", "--out", "two", "--engine", "interp", "--fresh"],
        &[],
    ));
    let one = profiles(&p.0, "one");
    assert_eq!(one, profiles(&p.0, "two"));
    assert!(one.lines().count() >= 150, "{} profiles", one.lines().count());
}
