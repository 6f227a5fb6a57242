//! The incremental-equals-fresh harness: batch files cut from whole files, a plan of how they
//! arrive, runs of the real binary after each step, and outcomes compared with fresh runs.

use crate::common::{copy_dir, TempDir};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

pub const AS_OF: &str = "2026-10-01T12:00:00Z";
/// Records without a time take their batch's ingestion time: the same on both sides.
pub const INGEST_TIME: &str = "2026-09-20T00:00:00Z";

/// One file's lines, to be cut into batch files `<prefix>NNNN.<ext>`.
pub struct Source {
    /// The parts' path inside the project up to their number, e.g. `data/crm/part-`.
    pub prefix: String,
    pub ext: String,
    /// The CSV header, repeated at the top of every part.
    pub header: Option<String>,
    pub lines: Vec<String>,
}

impl Source {
    /// The lines of `text`, cut into parts named `<prefix>NNNN.<ext>`.
    pub fn new(prefix: &str, ext: &str, text: &str) -> Source {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let header = (ext == "csv" && !lines.is_empty()).then(|| lines.remove(0));
        Source { prefix: prefix.to_string(), ext: ext.to_string(), header, lines }
    }
}

/// A batch file: its path inside the project and its text.
#[derive(Clone)]
pub struct BatchFile {
    pub path: String,
    pub text: String,
}

/// The path and line count: failing cases print short.
impl std::fmt::Debug for BatchFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} lines)", self.path, self.text.lines().count())
    }
}

/// Cuts every source at its cut points (line indices; equal points make an empty part) into
/// parts numbered so that their names sort in line order.
pub fn split(sources: &[Source], cuts: &[Vec<usize>]) -> Vec<BatchFile> {
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
            let path = format!("{}{:04}.{}", source.prefix, n + 1, source.ext);
            files.push(BatchFile { path, text });
        }
    }
    files
}

/// A new project folder: a copy of `template` (policies, no data).
pub fn project(template: &Path, tag: &str) -> TempDir {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("mosaic-incr-{}-{tag}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(template, &root);
    TempDir(root)
}

pub fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// `mosaic run`, which must succeed.
pub fn run(root: &Path, fresh: bool, threads: usize) {
    let out = command(root, fresh, threads).output().unwrap();
    assert!(
        out.status.success(),
        "run failed in {}:\n{}{}",
        root.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn command(root: &Path, fresh: bool, threads: usize) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.arg("run").arg(root).args(["--as-of", AS_OF, "--threads", &threads.to_string()]);
    if fresh {
        cmd.arg("--fresh");
    }
    cmd.env("MOSAIC_TEST_INGEST_TIME", INGEST_TIME);
    cmd
}

/// A `mosaic run` killed right after committing its first new batch, before any output.
pub fn crashed_run(root: &Path) {
    let before = std::fs::read(root.join("out/profiles.jsonl")).ok();
    let out = command(root, false, 2).env("MOSAIC_TEST_CRASH_AFTER_BATCHES", "1").output().unwrap();
    assert!(!out.status.success(), "the run was to be killed after its first batch");
    assert_eq!(std::fs::read(root.join("out/profiles.jsonl")).ok(), before, "a killed run wrote output");
}

/// What a run leaves that must not depend on how the batches arrived.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub profiles: String,
    /// report.json without timings, engine and the new/stored batch split of this run.
    pub report: serde_json::Value,
    /// `.mosaic/rejected/<dataset>.jsonl` by file name.
    pub rejected: BTreeMap<String, String>,
}

pub fn outcome(root: &Path) -> Outcome {
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
pub fn assert_same(incremental: &Outcome, fresh: &Outcome, what: &str) {
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

/// A fresh run over exactly `data` (path → bytes) in a new copy of `template`.
pub fn fresh_outcome(template: &Path, data: &BTreeMap<String, Vec<u8>>) -> Outcome {
    let p = project(template, "fresh");
    for (path, bytes) in data {
        write(&p.0, path, bytes);
    }
    run(&p.0, true, 2);
    outcome(&p.0)
}

/// How one file arrives in the incremental project; a run follows each step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// The whole file at once.
    Add(usize),
    /// Its first bytes only, as a copier or a crash leaves it (possibly mid-line, mid-character).
    Partial(usize, usize),
    /// The rest of a partial file.
    Complete(usize),
}

/// How the files of a case arrive.
#[derive(Debug, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Steps whose first run is killed after committing the batch (then run again); a
    /// missing entry is `false`.
    pub crashes: Vec<bool>,
    /// A file (index into the files) removed after the last step.
    pub removed: Option<usize>,
}

/// Plays the plan's steps over `files` with a run after each (alternately on 1 and 2 threads),
/// then checks the result against a fresh run over every file; then removes the plan's
/// `removed` file, runs, and checks against a fresh run without it. With `every_step`, each
/// intermediate state is checked against a fresh run too. Returns the profiles once every
/// file is in.
pub fn check(template: &Path, files: &[BatchFile], plan: &Plan, every_step: bool) -> String {
    let p = project(template, "incr");
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
            assert_same(&outcome(&p.0), &fresh_outcome(template, &data), &what);
        }
    }
    let all: BTreeMap<String, Vec<u8>> =
        files.iter().map(|f| (f.path.clone(), f.text.clone().into_bytes())).collect();
    assert_eq!(data, all, "the steps must end with every file whole");
    let complete = outcome(&p.0);
    assert_same(&complete, &fresh_outcome(template, &all), "after adding every file");
    if let Some(r) = plan.removed {
        std::fs::remove_file(p.0.join(&files[r].path)).unwrap();
        data.remove(&files[r].path);
        run(&p.0, false, 2);
        assert_same(
            &outcome(&p.0),
            &fresh_outcome(template, &data),
            &format!("after removing {}", files[r].path),
        );
    }
    complete.profiles
}
