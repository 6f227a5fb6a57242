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
use crate::diag::{Code, Diagnostic, FileId, Files};
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

/// Runs one case; returns the snapshot text, or why the case could not run (a problem in the
/// case file as diagnostics at its place in the file, E0013).
fn run_case(
    project: &Project,
    program: &ir::Program,
    file: &Path,
    name: &str,
    kind: EngineKind,
) -> Result<String, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut files = Files::new();
    let id = files.add(file.strip_prefix(&project.root).unwrap_or(file).display().to_string(), text.as_str());
    let (docs, mut diags) = pyaml::parse(id, &text);
    let case = match diags.is_empty() {
        true => Case::read(project, id, docs.first(), &mut diags),
        false => None,
    };
    let Some(case) = case.filter(|_| diags.is_empty()) else {
        crate::diag::sort(&mut diags);
        return Err(crate::diag::render_human(&files, &diags).trim_end().to_string());
    };
    let tmp = std::env::temp_dir().join(format!("mosaic-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = run_in(project, program, &case, &tmp, name, kind);
    let _ = std::fs::remove_dir_all(&tmp);
    let profiles = result?;
    let header = format!("# {name}: {}\n", case.description.split_whitespace().collect::<Vec<_>>().join(" "));
    Ok(header + &to_yaml(&profiles))
}

/// The keys of a case (README of the example project, "Rule tests").
const CASE_KEYS: [&str; 6] = ["name", "description", "asOf", "policy", "records", "identities"];

/// A case file, checked against the project: every problem is a diagnostic at its place.
struct Case {
    description: String,
    as_of: i64,
    policy: Option<String>,
    /// Dataset name and its records (JSON objects), in the order given.
    records: Vec<(String, Vec<Json>)>,
    /// Each listed identity as written, and as the store keys it.
    identities: Vec<(String, String)>,
}

impl Case {
    fn read(
        project: &Project,
        file: FileId,
        doc: Option<&Node>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Case> {
        let problem = |node: &Node, message: String, label: &str| {
            Diagnostic::new(Code::BadTestCase, message).at(file, node.span.clone(), label)
        };
        let Some(doc) = doc.filter(|d| d.as_mapping().is_some()) else {
            let at = doc.map_or(0..0, |d| d.span.clone());
            let message = "a rule test case is a mapping of name, asOf, records and identities";
            diags.push(Diagnostic::new(Code::BadTestCase, message).at(file, at, "not a mapping"));
            return None;
        };
        for (key, _) in doc.as_mapping().unwrap_or_default() {
            let k = key.as_str().unwrap_or_default();
            if !CASE_KEYS.contains(&k) {
                let label = did_you_mean(k, CASE_KEYS, &format!("a case has {}", CASE_KEYS.join(", ")));
                diags.push(problem(key, format!("unknown key `{k}` in a rule test case"), &label));
            }
        }
        let as_of = match doc.get("asOf") {
            None => {
                let first = doc.as_mapping().and_then(<[_]>::first).map_or(doc, |(k, _)| k);
                diags.push(problem(first, "the case has no `asOf`".into(), "add `asOf:` (RFC 3339)"));
                None
            }
            Some(v) => {
                let t = v.as_str().and_then(crate::ingest::line::parse_timestamp);
                if t.is_none() {
                    diags.push(problem(
                        v,
                        "`asOf` must be an RFC 3339 timestamp".into(),
                        "e.g. 2026-10-01T12:00:00Z",
                    ));
                }
                t
            }
        };
        let policy = doc.get("policy").map(|v| {
            let name = v.as_str().unwrap_or_default().to_string();
            if project.merge_policy(Some(&name)).is_none() {
                let names = project.merge_policies.iter().map(|p| p.name.value.as_str());
                let label = did_you_mean(&name, names, "not a merge policy of the project");
                diags.push(problem(v, format!("no merge policy named `{name}`"), &label));
            }
            name
        });
        let mut records = Vec::new();
        match doc.get("records").map(|r| (r, r.as_mapping())) {
            None => {}
            Some((r, None)) => diags.push(problem(
                r,
                "`records` maps dataset names to lists of records".into(),
                "not a mapping",
            )),
            Some((_, Some(by_dataset))) => {
                for (key, list) in by_dataset {
                    let dataset = key.as_str().unwrap_or_default().to_string();
                    if project.dataset(&dataset).is_none() {
                        let names = project.datasets.iter().map(|d| d.name.value.as_str());
                        let label = did_you_mean(&dataset, names, "not a dataset of the project");
                        diags.push(problem(key, format!("no dataset named `{dataset}`"), &label));
                    }
                    let Kind::Sequence(items) = &list.kind else {
                        diags.push(problem(
                            list,
                            format!("the records of `{dataset}` must be a list"),
                            "not a list",
                        ));
                        continue;
                    };
                    for item in items.iter().filter(|i| i.as_mapping().is_none()) {
                        diags.push(problem(
                            item,
                            "a record is a mapping (a JSON object)".into(),
                            "not a mapping",
                        ));
                    }
                    records.push((dataset, items.iter().map(node_json).collect()));
                }
            }
        }
        let mut identities = Vec::new();
        match doc.get("identities").map(|i| (i, &i.kind)) {
            None => {}
            Some((_, Kind::Sequence(items))) => {
                for item in items {
                    let text = item.as_str().unwrap_or_default();
                    match super::parse_identity(project, text) {
                        Ok(ident) => identities.push((text.to_string(), ident.to_string())),
                        Err(e) => diags.push(problem(item, e.to_string(), "not an identity of the project")),
                    }
                }
            }
            Some((i, _)) => {
                diags.push(problem(i, "`identities` is a list of NAMESPACE:VALUE".into(), "not a list"))
            }
        }
        let description = doc.get("description").and_then(Node::as_str).unwrap_or_default().to_string();
        Some(Case { description, as_of: as_of?, policy, records, identities })
    }
}

/// "did you mean `x`?" for the candidate closest to `name`, else `otherwise`.
fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>, otherwise: &str) -> String {
    crate::diag::suggest::closest(name, candidates)
        .map_or_else(|| otherwise.to_string(), |s| format!("did you mean `{s}`?"))
}

/// Writes the case's records as batches of a temporary project, runs it, and reads back the
/// profiles of the listed identities.
fn run_in(
    project: &Project,
    program: &ir::Program,
    case: &Case,
    tmp: &Path,
    name: &str,
    kind: EngineKind,
) -> Result<Json, String> {
    let mut proj = project.clone();
    proj.root = tmp.to_path_buf();
    for ds in &mut proj.datasets {
        ds.path = PathBuf::from("data").join(&ds.name.value);
        ds.format = Some(Format::Jsonl);
    }
    for (dataset, list) in &case.records {
        let ds = proj.dataset(dataset).ok_or_else(|| format!("{name}: no dataset named `{dataset}`"))?;
        let mut body = String::new();
        for r in list {
            body.push_str(&r.to_string());
            body.push('\n');
        }
        let path = tmp.join(&ds.path).join(format!("{name}.jsonl"));
        crate::output::write_atomic(&path, body.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    std::env::set_var(INGEST_TIME_ENV, crate::output::format_timestamp(case.as_of));
    let interner = Arc::new(Interner::new());
    let engine = engine::compile(program, kind, &interner);
    let opts = runtime::Options {
        as_of: case.as_of,
        policy: case.policy.clone(),
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
    for (text, key) in &case.identities {
        let line = store
            .profile_of_identity(key)
            .and_then(|p| p.map_or(Ok(None), |p| store.profile(&p)))
            .map_err(|e| format!("{name}: {e}"))?;
        let profile = line.and_then(|l| serde_json::from_str(&l).ok()).unwrap_or(Json::Null);
        out.insert(text.clone(), profile);
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
