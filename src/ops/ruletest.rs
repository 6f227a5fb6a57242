//! `mosaic test`: the project's rule tests (`tests/*.yaml`), each run in isolation through the
//! runtime and compared with its snapshot `tests/snapshots/<case>.snap` (readable YAML).
//!
//! Decisions: each case runs in a fresh temporary project with the same policies, where every
//! dataset listed under `records` reads one JSONL batch written from the case (whatever the
//! dataset's declared format); batches are ingested in batch-id order, so records of
//! different datasets are ordered by dataset name, records of one dataset in the order given.
//! A record without its timestamp takes the case's `asOf` as its batch ingestion time (through
//! the runtime's `MOSAIC_TEST_INGEST_TIME` hook), not the wall clock, so snapshots never change
//! from run to run. A listed identity without a profile is `null`.

use super::yaml::to_yaml;
use super::Error;
use crate::diag::FileId;
use crate::engine::{self, EngineKind};
use crate::intern::Interner;
use crate::ir;
use crate::policy::yaml::{self as pyaml, Kind, Node, Style};
use crate::policy::{Format, Project};
use crate::runtime;
use crate::store::Store;
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The runtime's hook for the ingestion time of new batches (see `runtime::batches`).
const INGEST_TIME_ENV: &str = "MOSAIC_TEST_INGEST_TIME";

/// The outcome of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// Written by `--update` (new or changed).
    Updated,
    /// The unified diff (expected → actual), or why there is no snapshot.
    Failed(String),
}

/// Runs every case of the project; returns (case name, outcome) in file-name order.
pub fn run_all(
    project: &Project,
    program: &ir::Program,
    update: bool,
    kind: EngineKind,
) -> Result<Vec<(String, Outcome)>, Error> {
    let dir = project.root.join("tests");
    let io = |source| Error::Io { path: dir.clone(), source };
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(io(e)),
    };
    files.retain(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"));
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_stem().map_or_else(String::new, |s| s.to_string_lossy().to_string());
        let actual = match run_case(project, program, &file, &name, kind) {
            Ok(text) => text,
            Err(msg) => {
                out.push((name, Outcome::Failed(msg)));
                continue;
            }
        };
        let snap = dir.join("snapshots").join(format!("{name}.snap"));
        let expected = std::fs::read_to_string(&snap).ok();
        let outcome = match (expected, update) {
            (Some(e), _) if e == actual => Outcome::Passed,
            (_, true) => {
                crate::output::write_atomic(&snap, actual.as_bytes()).map_err(io)?;
                Outcome::Updated
            }
            (Some(e), false) => Outcome::Failed(unified_diff(&e, &actual)),
            (None, false) => Outcome::Failed(format!(
                "no snapshot {}: run `mosaic test --update` to write it",
                snap.strip_prefix(&project.root).unwrap_or(&snap).display()
            )),
        };
        out.push((name, outcome));
    }
    Ok(out)
}

/// YAML (as parsed by the policy loader) as JSON: plain scalars typed as YAML 1.2 does.
pub(crate) fn node_json(n: &Node) -> Json {
    match &n.kind {
        Kind::Mapping(m) => Json::Object(
            m.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), node_json(v))).collect(),
        ),
        Kind::Sequence(items) => Json::Array(items.iter().map(node_json).collect()),
        Kind::Scalar { value, style: Style::Plain } => {
            if n.is_null() {
                Json::Null
            } else if let Ok(i) = value.parse::<i64>() {
                json!(i)
            } else if let Some(d) = value.parse::<f64>().ok().filter(|d| d.is_finite()) {
                json!(d)
            } else if value == "true" || value == "false" {
                Json::Bool(value == "true")
            } else {
                Json::String(value.clone())
            }
        }
        Kind::Scalar { value, .. } => Json::String(value.clone()),
    }
}

/// Runs one case; returns the snapshot text, or why the case could not run.
fn run_case(
    project: &Project,
    program: &ir::Program,
    file: &Path,
    name: &str,
    kind: EngineKind,
) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (docs, diags) = pyaml::parse(FileId(0), &text);
    let case = match (docs.first(), diags.is_empty()) {
        (Some(doc), true) => node_json(doc),
        _ => return Err(format!("{}: not a valid YAML test case", file.display())),
    };
    let as_of = case["asOf"]
        .as_str()
        .and_then(crate::ingest::line::parse_timestamp)
        .ok_or_else(|| format!("{name}: `asOf` must be an RFC 3339 timestamp"))?;
    let policy = case["policy"].as_str().map(String::from);
    if let Some(p) = &policy {
        project.merge_policy(Some(p)).ok_or_else(|| format!("{name}: no merge policy named `{p}`"))?;
    }
    let tmp = std::env::temp_dir().join(format!("mosaic-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = run_in(project, program, &case, &tmp, as_of, policy, name, kind);
    let _ = std::fs::remove_dir_all(&tmp);
    let profiles = result?;
    let header = format!(
        "# {name}: {}\n",
        case["description"].as_str().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
    );
    Ok(header + &to_yaml(&profiles))
}

/// Writes the case's records as batches of a temporary project, runs it, and reads back the
/// profiles of the listed identities.
#[allow(clippy::too_many_arguments)] // the case, where to run it, and the run options
fn run_in(
    project: &Project,
    program: &ir::Program,
    case: &Json,
    tmp: &Path,
    as_of: i64,
    policy: Option<String>,
    name: &str,
    kind: EngineKind,
) -> Result<Json, String> {
    let mut proj = project.clone();
    proj.root = tmp.to_path_buf();
    let records = case["records"].as_object().cloned().unwrap_or_default();
    for ds in &mut proj.datasets {
        ds.path = PathBuf::from("data").join(&ds.name.value);
        ds.format = Some(Format::Jsonl);
    }
    for (dataset, list) in &records {
        let ds = proj.dataset(dataset).ok_or_else(|| format!("{name}: no dataset named `{dataset}`"))?;
        let mut body = String::new();
        for r in list.as_array().into_iter().flatten() {
            body.push_str(&r.to_string());
            body.push('\n');
        }
        let path = tmp.join(&ds.path).join(format!("{name}.jsonl"));
        crate::output::write_atomic(&path, body.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    std::env::set_var(INGEST_TIME_ENV, crate::output::format_timestamp(as_of));
    let interner = Arc::new(Interner::new());
    let engine = engine::compile(program, kind, &interner);
    let opts = runtime::Options {
        as_of,
        policy,
        out: tmp.join("out"),
        threads: Some(1),
        engine: kind,
        fresh: true,
        progress: false,
    };
    runtime::run(&proj, program, Some(engine.as_ref()), interner, &opts)
        .map_err(|e| format!("{name}: {e}"))?;
    let store = Store::open(tmp, false).map_err(|e| format!("{name}: {e}"))?;
    let mut out = serde_json::Map::new();
    for id in case["identities"].as_array().into_iter().flatten() {
        let text = id.as_str().unwrap_or_default();
        let ident = super::parse_identity(project, text).map_err(|e| format!("{name}: {e}"))?;
        let line = store
            .profile_of_identity(&ident.to_string())
            .and_then(|p| p.map_or(Ok(None), |p| store.profile(&p)))
            .map_err(|e| format!("{name}: {e}"))?;
        let profile = line.and_then(|l| serde_json::from_str(&l).ok()).unwrap_or(Json::Null);
        out.insert(text.to_string(), profile);
    }
    Ok(Json::Object(out))
}

/// How many unchanged lines a diff shows around each change.
const CONTEXT: usize = 3;

/// A unified diff of two texts by lines (longest common subsequence): `-` expected, `+`
/// actual, with [`CONTEXT`] unchanged lines around each change and `@@` between hunks.
pub fn unified_diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut ops: Vec<(char, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(('-', a[i]));
            i += 1;
        } else {
            ops.push(('+', b[j]));
            j += 1;
        }
    }
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| ops[k].0 != ' ').collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= CONTEXT);
    let mut out = String::from("--- expected\n+++ actual\n");
    let mut gap = true;
    for (k, (op, line)) in ops.iter().enumerate() {
        if near(k) {
            if gap {
                out.push_str("@@\n");
            }
            out.push_str(&format!("{op}{line}\n"));
            gap = false;
        } else {
            gap = true;
        }
    }
    out
}
