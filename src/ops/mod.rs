//! Operations over the profile store written by `mosaic run`: profile lookup, explain, export,
//! preview reports, delete jobs, the job list and rule tests (SPEC 8).
//!
//! Architecture Invariant: an operation reads the store, never the batch files; when it needs
//! more than the stored profiles (events, provenance, another merge policy, a delete) it
//! rebuilds profiles from the stored batches with the runtime's own stage functions
//! ([`world::World`]), so its answers equal what `mosaic run` writes.

pub mod delete;
pub mod explain;
pub mod explain_text;
pub mod export;
pub mod export_parquet;
pub mod jobs;
pub mod preview;
pub mod profile;
pub mod ruletest;
pub mod world;
pub mod yaml;

#[cfg(test)]
mod tests;

use crate::ingest::Ident;
use crate::policy::Project;
use crate::store::Store;
use crate::{diag, frontend, ir};
use std::path::{Path, PathBuf};

/// Errors of the operations, with what they concern.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no profile store in {0}: run `mosaic run` first")]
    NoStore(PathBuf),
    #[error("the policies have errors:\n{0}")]
    Policy(String),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error(transparent)]
    Runtime(#[from] crate::runtime::Error),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the policies read event fields the profile store does not hold yet (they changed since the last run): run `mosaic run` first")]
    Stale,
    #[error("no profile holds identity `{0}`")]
    UnknownIdentity(String),
    #[error("no merge policy named `{0}`")]
    UnknownPolicy(String),
    #[error("no dataset named `{0}`")]
    UnknownDataset(String),
    #[error("no stored batch `{0}` (a batch id is `<dataset>/<file name>`)")]
    UnknownBatch(String),
    #[error("no audience named `{0}`")]
    UnknownAudience(String),
    #[error("no job with id `{0}`")]
    UnknownJob(String),
    /// AEP's message for a batch delete in a record dataset.
    #[error("Batch can only be specified for EE type '{0}'")]
    RecordBatch(String),
    /// A malformed argument: exit status 2.
    #[error("{0}")]
    Usage(String),
    /// Rule tests that failed (their diffs were printed).
    #[error("{0} of {1} rule tests failed")]
    TestsFailed(usize, usize),
}

impl Error {
    /// Whether the error is a usage error (exit 2) rather than a failure of the work (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(self, Error::Usage(_))
    }
}

/// A loaded project with its compiled program and its store.
pub struct Session {
    pub project: Project,
    pub program: ir::Program,
    pub store: Store,
    /// The engine that evaluates expressions (`--engine`; native code unless told otherwise).
    pub engine: crate::engine::EngineKind,
    /// Rendered warnings of the front end (printed to stderr by the CLI).
    pub warnings: String,
}

/// The options of the last `mosaic run` (stored by the runtime under `lastRun`).
#[derive(Debug, Clone)]
pub struct LastRun {
    pub as_of: i64,
    pub policy: String,
    pub out: PathBuf,
    /// The fingerprint of the policy files it ran with (`Project::policies`); `None` for a
    /// store written before runs recorded it.
    pub policies: Option<String>,
    /// The [data stamp](crate::store::Store::data_stamp) of the batches its stored profiles
    /// are computed from; `None` for a store written before runs recorded it.
    pub data: Option<String>,
}

impl LastRun {
    /// Whether the profiles it stored are what the project's rules make of the stored batches
    /// now: the policy files are the ones it ran with and no batch was stored or removed since
    /// (a run killed after storing some). Commands answer from them only then.
    pub fn profiles_current(&self, project: &Project, store: &crate::store::Store) -> Result<bool, Error> {
        let same_rules = self.policies.as_deref() == Some(project.policies.as_str());
        Ok(same_rules && self.data == Some(store.data_stamp()?))
    }
}

/// Compiles the project's policies.
pub fn load(root: &Path) -> Result<(Project, ir::Program, String), Error> {
    let fe = frontend::compile_project(root);
    let rendered = diag::render_human(&fe.files, &fe.diagnostics);
    if fe.has_errors() {
        return Err(Error::Policy(rendered));
    }
    match (fe.project, fe.program) {
        (Some(project), Some(program)) => Ok((project, program, rendered)),
        _ => Err(Error::Policy(format!("could not load the project at {}", root.display()))),
    }
}

/// Compiles the project and opens its existing store.
pub fn open(root: &Path, engine: crate::engine::EngineKind) -> Result<Session, Error> {
    let (project, program, warnings) = load(root)?;
    let store = Store::open_existing(&project.root)?.ok_or_else(|| Error::NoStore(project.root.clone()))?;
    Ok(Session { project, program, store, engine, warnings })
}

impl Session {
    /// The options of the last run.
    pub fn last_run(&self) -> Result<LastRun, Error> {
        last_run(&self.project, &self.store)
    }
}

/// The options of the last run; a store written before they were recorded gets the default
/// policy and the epoch.
pub fn last_run(project: &Project, store: &Store) -> Result<LastRun, Error> {
    let meta = store.meta("lastRun")?;
    let get = |k: &str| meta.as_ref().and_then(|m| m.get(k).cloned());
    let default_policy = project.merge_policy(None).map(|p| p.name.value.clone()).unwrap_or_default();
    Ok(LastRun {
        as_of: get("asOf").and_then(|v| v.as_i64()).unwrap_or(0),
        policy: get("policy").and_then(|v| v.as_str().map(String::from)).unwrap_or(default_policy),
        out: get("out")
            .and_then(|v| v.as_str().map(PathBuf::from))
            .unwrap_or_else(|| project.root.join("out")),
        policies: get("policies").and_then(|v| v.as_str().map(String::from)),
        data: get("data").and_then(|v| v.as_str().map(String::from)),
    })
}

/// Loads the policies without compiling expressions or sampling data, and opens the store:
/// all a lookup of stored profiles needs (the fast path of `mosaic profile`).
pub fn open_stored(root: &Path) -> Result<(Project, Store), Error> {
    let (files, project, diags) = crate::policy::load_project(root);
    if diags.iter().any(|d| d.is_error()) {
        return Err(Error::Policy(diag::render_human(&files, &diags)));
    }
    let project =
        project.ok_or_else(|| Error::Policy(format!("could not load the project at {}", root.display())))?;
    let store = Store::open_existing(&project.root)?.ok_or_else(|| Error::NoStore(project.root.clone()))?;
    Ok((project, store))
}

/// Parses `NS:VALUE`: the namespace is matched case-insensitively and the value normalized as
/// at ingest, so `crmid: C-1 ` finds `CRMID:c-1`.
pub fn parse_identity(project: &Project, text: &str) -> Result<Ident, Error> {
    let Some((ns, value)) = text.split_once(':') else {
        return Err(Error::Usage(format!("identity `{text}` is not NAMESPACE:VALUE (e.g. CRMID:c-1)")));
    };
    let Some(namespace) = project.identity.namespaces.iter().find(|n| n.code.eq_ignore_ascii_case(ns.trim()))
    else {
        return Err(Error::Usage(format!("unknown identity namespace `{ns}` in `{text}`")));
    };
    let id = crate::identity::normalize_identity(namespace, value)
        .map_err(|r| Error::Usage(format!("identity `{text}` is invalid: {}", r.reason())))?;
    Ok(Ident::new(&namespace.code, &id))
}

/// Parses a time argument: RFC 3339, or a date `YYYY-MM-DD` (its midnight UTC).
pub fn parse_time(flag: &str, text: &str) -> Result<i64, Error> {
    if let Some(us) = crate::ingest::line::parse_timestamp(text) {
        return Ok(us);
    }
    if let Some(days) = crate::ingest::typed::parse_date(text) {
        return Ok(i64::from(days) * 86_400_000_000);
    }
    Err(Error::Usage(format!(
        "{flag} `{text}` is not an RFC 3339 timestamp or a date (e.g. 2026-10-01T12:00:00Z or 2026-10-01)"
    )))
}

/// Parses `--fields a,b.c`: dotted paths of letters, digits and `_`.
pub fn parse_fields(text: &str) -> Result<Vec<Vec<String>>, Error> {
    let valid = |seg: &str| {
        !seg.is_empty()
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !seg.starts_with(|c: char| c.is_ascii_digit())
    };
    text.split(',')
        .map(|f| {
            let segs: Vec<String> = f.trim().split('.').map(String::from).collect();
            if f.trim().is_empty() {
                Err(Error::Usage(format!("--fields: an empty field path in `{text}`")))
            } else if segs.iter().all(|s| valid(s)) {
                Ok(segs)
            } else {
                Err(Error::Usage(format!("--fields: `{f}` is not a dotted field path (e.g. person.name)")))
            }
        })
        .collect()
}

/// Keeps only `fields` of a JSON object (each a path into it); objects on the way are kept
/// with only the selected members.
pub fn select_fields(entity: &serde_json::Value, fields: &[Vec<String>]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for path in fields {
        if let Some(v) = field_at(entity, path) {
            insert_path(&mut out, path, v.clone());
        }
    }
    serde_json::Value::Object(out)
}

/// The value at `path` (a `--fields` path) in a JSON object, when it is there.
pub fn field_at<'v>(entity: &'v serde_json::Value, path: &[String]) -> Option<&'v serde_json::Value> {
    path.iter().try_fold(entity, |v, seg| v.get(seg))
}

fn insert_path(into: &mut serde_json::Map<String, serde_json::Value>, path: &[String], v: serde_json::Value) {
    let Some((first, rest)) = path.split_first() else { return };
    if rest.is_empty() {
        into.insert(first.clone(), v);
        return;
    }
    let slot = into.entry(first.clone()).or_insert_with(|| serde_json::Value::Object(Default::default()));
    if let serde_json::Value::Object(m) = slot {
        insert_path(m, rest, v);
    }
}

/// Milliseconds since the epoch of the wall clock (job records).
pub fn now_ms() -> i64 {
    crate::runtime::wall_clock_us() / 1000
}
