//! Incremental runs equal fresh ones (SPEC 3, 9): a project's batches added one at a time, in
//! any order and split at any points, with a `mosaic run` after each, end with the same
//! `profiles.jsonl`, report counts and rejections as one `run --fresh` over all the files; and
//! a run after a batch file is removed equals a fresh run without it.
//!
//! The project is `tests/incremental/` (its README lists what each data line exercises).

mod common;

use common::{copy_dir, TempDir};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

const AS_OF: &str = "2026-10-01T12:00:00Z";
/// Records without a time take their batch's ingestion time: the same on both sides.
const INGEST_TIME: &str = "2026-09-20T00:00:00Z";

/// One dataset's lines, to be cut into batch files.
struct Source {
    dataset: &'static str,
    ext: &'static str,
    /// The CSV header, repeated at the top of every part.
    header: Option<String>,
    lines: Vec<String>,
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incremental")
}

fn sources() -> Vec<Source> {
    let read = |dataset: &'static str, ext: &'static str| {
        let text = std::fs::read_to_string(fixture().join(format!("lines/{dataset}.{ext}"))).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let header = (ext == "csv").then(|| lines.remove(0));
        Source { dataset, ext, header, lines }
    };
    vec![read("crm", "jsonl"), read("loyalty", "csv"), read("web", "jsonl"), read("commerce", "csv")]
}

/// A batch file: its path inside the project and its text.
#[derive(Clone)]
struct BatchFile {
    path: String,
    text: String,
}

/// The path and line count: failing cases print short.
impl std::fmt::Debug for BatchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} lines)", self.path, self.text.lines().count())
    }
}

/// Cuts every source at its cut points (line indices; equal points make an empty part) into
/// `data/<dataset>/part-NNNN.<ext>`, numbered so that names sort in line order.
fn split(sources: &[Source], cuts: &[Vec<usize>]) -> Vec<BatchFile> {
    let mut files = Vec::new();
    for (source, cuts) in sources.iter().zip(cuts) {
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(source.lines.len())).collect();
        bounds.sort_unstable();
        bounds.insert(0, 0);
        bounds.push(source.lines.len());
        for (n, w) in bounds.windows(2).enumerate() {
            let mut text = source.header.as_ref().map(|h| format!("{h}\n")).unwrap_or_default();
            for line in &source.lines[w[0]..w[1]] {
                text.push_str(line);
                text.push('\n');
            }
            let path = format!("data/{}/part-{:04}.{}", source.dataset, n + 1, source.ext);
            files.push(BatchFile { path, text });
        }
    }
    files
}

/// A new project folder with the fixture's policies and no data.
fn project(tag: &str) -> TempDir {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("mosaic-incr-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(&fixture().join("project"), &root);
    TempDir(root)
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// `mosaic run`, which must succeed.
fn run(root: &Path, fresh: bool, threads: usize) {
    let out = command(root, fresh, threads).output().unwrap();
    assert!(
        out.status.success(),
        "run failed in {}:\n{}{}",
        root.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn command(root: &Path, fresh: bool, threads: usize) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.arg("run").arg(root).args(["--as-of", AS_OF, "--threads", &threads.to_string()]);
    if fresh {
        cmd.arg("--fresh");
    }
    cmd.env("MOSAIC_TEST_INGEST_TIME", INGEST_TIME);
    cmd
}

/// A `mosaic run` killed right after committing its first new batch, before any output.
fn crashed_run(root: &Path) {
    let before = std::fs::read(root.join("out/profiles.jsonl")).ok();
    let out = command(root, false, 2).env("MOSAIC_TEST_CRASH_AFTER_BATCHES", "1").output().unwrap();
    assert!(!out.status.success(), "the run was to be killed after its first batch");
    assert_eq!(std::fs::read(root.join("out/profiles.jsonl")).ok(), before, "a killed run wrote output");
}

/// What a run leaves that must not depend on how the batches arrived.
#[derive(Debug, PartialEq)]
struct Outcome {
    profiles: String,
    /// report.json without timings, engine and the new/stored batch split of this run.
    report: serde_json::Value,
    /// `.mosaic/rejected/<dataset>.jsonl` by file name.
    rejected: BTreeMap<String, String>,
}

fn outcome(root: &Path) -> Outcome {
    let profiles = std::fs::read_to_string(root.join("out/profiles.jsonl")).unwrap();
    let report = std::fs::read_to_string(root.join("out/report.json")).unwrap();
    let mut report: serde_json::Value = serde_json::from_str(&report).unwrap();
    if let Some(o) = report.as_object_mut() {
        for key in ["timings", "run", "engine"] {
            o.remove(key);
        }
    }
    let mut rejected = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(root.join(".mosaic/rejected")) {
        for entry in entries {
            let entry = entry.unwrap();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            rejected.insert(entry.file_name().to_string_lossy().to_string(), text);
        }
    }
    Outcome { profiles, report, rejected }
}

/// Fails with the first differing profile line (the whole files are long) and the rest.
fn assert_same(incremental: &Outcome, fresh: &Outcome, what: &str) {
    let a: Vec<&str> = incremental.profiles.lines().collect();
    let b: Vec<&str> = fresh.profiles.lines().collect();
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        panic!(
            "{what}: profiles.jsonl differs at line {}\nincremental: {}\nfresh:       {}",
            i + 1,
            a.get(i).unwrap_or(&"(none)"),
            b.get(i).unwrap_or(&"(none)")
        );
    }
    assert_eq!(incremental.report, fresh.report, "{what}: report.json differs");
    assert_eq!(incremental.rejected, fresh.rejected, "{what}: .mosaic/rejected differs");
}

/// A fresh run over exactly `data` (path → bytes) in a new project.
fn fresh_outcome(data: &BTreeMap<String, Vec<u8>>) -> Outcome {
    let p = project("fresh");
    for (path, bytes) in data {
        write(&p.0, path, bytes);
    }
    run(&p.0, true, 2);
    outcome(&p.0)
}

/// How one file arrives in the incremental project; a run follows each step.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// The whole file at once.
    Add(usize),
    /// Its first bytes only, as a copier or a crash leaves it (possibly mid-line, mid-character).
    Partial(usize, usize),
    /// The rest of a partial file.
    Complete(usize),
}

/// How the files of a case arrive.
#[derive(Debug, Clone)]
struct Plan {
    steps: Vec<Step>,
    /// Steps whose first run is killed after committing the batch (then run again); a
    /// missing entry is `false`.
    crashes: Vec<bool>,
    /// A file (index into the files) removed after the last step.
    removed: Option<usize>,
}

/// Plays the plan's steps over `files` with a run after each (alternately on 1 and 2 threads),
/// then checks the result against a fresh run over every file; then removes the plan's
/// `removed` file, runs, and checks against a fresh run without it. With `every_step`, each
/// intermediate state is checked against a fresh run too. Returns the profiles once every
/// file is in.
fn check(files: &[BatchFile], plan: &Plan, every_step: bool) -> String {
    let p = project("incr");
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (n, &step) in plan.steps.iter().enumerate() {
        let (i, bytes) = match step {
            Step::Add(i) | Step::Complete(i) => (i, files[i].text.as_bytes()),
            Step::Partial(i, len) => (i, &files[i].text.as_bytes()[..len]),
        };
        write(&p.0, &files[i].path, bytes);
        data.insert(files[i].path.clone(), bytes.to_vec());
        if plan.crashes.get(n) == Some(&true) {
            crashed_run(&p.0);
        }
        run(&p.0, false, 1 + n % 2);
        if every_step {
            let what = format!("after step {n}: {step:?} of {files:?}");
            assert_same(&outcome(&p.0), &fresh_outcome(&data), &what);
        }
    }
    let all: BTreeMap<String, Vec<u8>> =
        files.iter().map(|f| (f.path.clone(), f.text.clone().into_bytes())).collect();
    assert_eq!(data, all, "the steps must end with every file whole");
    let complete = outcome(&p.0);
    assert_same(&complete, &fresh_outcome(&all), "after adding every file");
    if let Some(r) = plan.removed {
        std::fs::remove_file(p.0.join(&files[r].path)).unwrap();
        data.remove(&files[r].path);
        run(&p.0, false, 2);
        assert_same(&outcome(&p.0), &fresh_outcome(&data), &format!("after removing {}", files[r].path));
    }
    complete.profiles
}

/// The profiles of a fresh run over the lines unsplit (one batch per dataset), computed once.
/// Cutting a file into parts whose names sort in line order keeps the ingestion order, and
/// every batch has the same ingestion time, so the profiles must not change.
fn unsplit_profiles() -> &'static str {
    static PROFILES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| {
        let sources = sources();
        let files = split(&sources, &vec![vec![]; sources.len()]);
        let data = files.iter().map(|f| (f.path.clone(), f.text.clone().into_bytes())).collect();
        fresh_outcome(&data).profiles
    })
}

fn assert_unsplit(profiles: &str) {
    if profiles != unsplit_profiles() {
        let (a, b) = (profiles.lines(), unsplit_profiles().lines());
        let (n, (a, b)) = a.zip(b).enumerate().find(|(_, (a, b))| a != b).unwrap_or((0, ("(length)", "")));
        panic!(
            "split files give other profiles than unsplit ones at line {}\nsplit:   {a}\nunsplit: {b}",
            n + 1
        );
    }
}

/// Each dataset cut in three parts.
fn thirds(sources: &[Source]) -> Vec<BatchFile> {
    let cuts: Vec<Vec<usize>> =
        sources.iter().map(|s| vec![s.lines.len() / 3, 2 * s.lines.len() / 3]).collect();
    split(sources, &cuts)
}

/// A fixed split added newest file first, checked after every step, then the first web part
/// removed: the readable case to start from when this fails.
#[test]
fn reversed_batches_equal_fresh_at_every_step() {
    let files = thirds(&sources());
    let steps: Vec<Step> = (0..files.len()).rev().map(Step::Add).collect();
    let removed = files.iter().position(|f| f.path == "data/web/part-0001.jsonl");
    assert_unsplit(&check(&files, &Plan { steps, crashes: vec![], removed }, true));
}

/// Files that first appear cut short (mid-line, and for the crm part mid-way through "ö")
/// are read again when complete: their rejected partial lines go, their records count once.
#[test]
fn half_written_files_are_read_again_when_complete() {
    let all = thirds(&sources());
    let pick = |path: &str| all.iter().find(|f| f.path == path).unwrap().clone();
    let files = vec![
        pick("data/crm/part-0002.jsonl"),
        pick("data/loyalty/part-0001.csv"),
        pick("data/web/part-0003.jsonl"),
    ];
    let mid_o = files[0].text.find('ö').unwrap() + 1;
    let steps = vec![
        Step::Partial(0, mid_o),
        Step::Partial(1, files[1].text.len() / 2),
        Step::Add(2),
        Step::Complete(0),
        Step::Complete(1),
    ];
    // The second run is killed after committing the half-written loyalty part.
    check(&files, &Plan { steps, crashes: vec![false, true], removed: None }, true);
}

/// Policies that change between incremental runs: a new attribute and audience read paths
/// no earlier policy read, and a namespace's normalization changes every dataset's
/// identities. Runs before, at and after the change equal fresh runs under the new policies.
#[test]
fn policy_changes_between_runs_equal_fresh() {
    let files = thirds(&sources());
    let p = project("policy");
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let arrive = |f: &BatchFile, data: &mut BTreeMap<String, Vec<u8>>| {
        write(&p.0, &f.path, f.text.as_bytes());
        data.insert(f.path.clone(), f.text.clone().into_bytes());
        run(&p.0, false, 2);
    };
    for f in files.iter().step_by(2) {
        arrive(f, &mut data);
    }
    let identity = std::fs::read_to_string(p.0.join("policies/identity.yaml")).unwrap();
    let changed =
        identity.replace("{code: ECID, type: cookie,", "{code: ECID, type: cookie, normalize: [uppercase],");
    assert_ne!(identity, changed);
    write(&p.0, "policies/identity.yaml", changed.as_bytes());
    write(&p.0, "policies/later.yaml", LATER_POLICIES.as_bytes());
    run(&p.0, false, 2);
    let fresh = |data: &BTreeMap<String, Vec<u8>>| {
        let q = project("policy-fresh");
        write(&q.0, "policies/identity.yaml", changed.as_bytes());
        write(&q.0, "policies/later.yaml", LATER_POLICIES.as_bytes());
        for (path, bytes) in data {
            write(&q.0, path, bytes);
        }
        run(&q.0, true, 2);
        outcome(&q.0)
    };
    let after_change = outcome(&p.0);
    assert!(after_change.profiles.contains("\"currencies\""), "the new attribute is evaluated");
    assert_same(&after_change, &fresh(&data), "after the policy change");
    for f in files.iter().skip(1).step_by(2) {
        arrive(f, &mut data);
    }
    assert_same(&outcome(&p.0), &fresh(&data), "after the rest of the files");
}

/// Added by `policy_changes_between_runs_equal_fresh` after the first runs.
const LATER_POLICIES: &str = r#"kind: ComputedAttribute
name: currencies
expression: xEvent[eventType = "commerce.purchases"].map(commerce.order.currencyCode).distinct().count()
---
kind: Audience
name: lundOrMalmo
expression: homeAddress.city in ["Lund", "Malmö"]
"#;

/// The steps for files arriving in `order`: a file with a `partial` choice first arrives cut
/// at a byte offset and is completed at a later step.
fn steps_of(files: &[BatchFile], order: &[usize], partial: &[Option<(Index, Index)>]) -> Vec<Step> {
    let mut steps: Vec<Step> = order.iter().map(|&i| Step::Add(i)).collect();
    for (i, choice) in partial.iter().enumerate() {
        let (Some((cut, when)), false) = (choice, files[i].text.is_empty()) else { continue };
        let at = steps.iter().position(|&s| s == Step::Add(i)).unwrap();
        steps[at] = Step::Partial(i, cut.index(files[i].text.len()));
        steps.insert(at + 1 + when.index(steps.len() - at), Step::Complete(i));
    }
    steps
}

/// Any split (up to three parts per dataset, empty parts allowed), any order of arrival, some
/// files first half-written, some runs killed, and optionally one file removed at the end.
fn scenario() -> impl Strategy<Value = (Vec<BatchFile>, Plan)> {
    let lens: Vec<usize> = sources().iter().map(|s| s.lines.len()).collect();
    let cuts: Vec<_> = lens.iter().map(|&n| prop::collection::vec(0..=n, 0..=2)).collect();
    cuts.prop_flat_map(|cuts| {
        let files = split(&sources(), &cuts);
        let n = files.len();
        let order: Vec<usize> = (0..n).collect();
        let partial = prop::collection::vec(prop::option::weighted(0.15, any::<(Index, Index)>()), n);
        let crashes = prop::collection::vec(prop::bool::weighted(0.1), 2 * n);
        (Just(files), Just(order).prop_shuffle(), partial, crashes, prop::option::of(0..n))
    })
    .prop_map(|(files, order, partial, crashes, removed)| {
        let steps = steps_of(&files, &order, &partial);
        (files, Plan { steps, crashes, removed })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn any_split_and_order_equals_fresh((files, plan) in scenario()) {
        assert_unsplit(&check(&files, &plan, false));
    }
}
