//! Hot reload: policies are compiled on a thread of their own, off the hot path, and the
//! result is swapped in whole between batches; a failed compile keeps the last good program.

use crate::engine::{Compiled, EngineKind};
use crate::intern::Interner;
use crate::policy::Project;
use crate::{diag, frontend, ir};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::Arc;

/// A compiled policy set: everything one evaluation needs. It is shared behind an `Arc` and
/// replaced whole, so no batch is ever evaluated half by old and half by new policies;
/// dropping the last `Arc` frees the engine (and with it any native code).
pub struct Loaded {
    pub project: Project,
    pub program: ir::Program,
    pub engine: Arc<dyn Compiled>,
    pub interner: Arc<Interner>,
}

/// Why a compile gave no program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The diagnostics, rendered as `mosaic check` renders them.
    Diagnostics(String),
    /// The merge policy chosen with `--policy` is gone.
    UnknownPolicy(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Diagnostics(text) => f.write_str(text),
            Failure::UnknownPolicy(name) => write!(f, "error: no merge policy named `{name}`"),
        }
    }
}

/// Loads, checks and compiles the project at `root`. Warnings are returned rendered too, so
/// the caller can print them on success.
pub fn compile(
    root: &Path,
    kind: EngineKind,
    policy: Option<&str>,
) -> (Result<Loaded, Failure>, Option<String>) {
    let fe = frontend::compile_project(root);
    let rendered = (!fe.diagnostics.is_empty()).then(|| diag::render_human(&fe.files, &fe.diagnostics));
    if fe.has_errors() {
        return (Err(Failure::Diagnostics(rendered.unwrap_or_default())), None);
    }
    let (Some(project), Some(program)) = (fe.project, fe.program) else {
        let text =
            rendered.unwrap_or_else(|| format!("error: could not load the project at {}", root.display()));
        return (Err(Failure::Diagnostics(text)), None);
    };
    if let Some(name) = policy {
        if project.merge_policy(Some(name)).is_none() {
            return (Err(Failure::UnknownPolicy(name.to_string())), rendered);
        }
    }
    let interner = Arc::new(Interner::new());
    let engine = crate::engine::compile(&program, kind, &interner);
    (Ok(Loaded { project, program, engine, interner }), rendered)
}

/// The outcome of a background compile, sent to the watch loop.
pub struct Outcome {
    pub result: Result<Loaded, Failure>,
    pub warnings: Option<String>,
    /// How long loading, checking and compiling took (ms), for the log.
    pub millis: u128,
}

/// Starts a compile of `root` on a new thread; the result arrives through `tx` wrapped by
/// `wrap`. The loop keeps ingesting with the current program meanwhile.
pub fn spawn<M: Send + 'static>(
    root: PathBuf,
    kind: EngineKind,
    policy: Option<String>,
    tx: Sender<M>,
    wrap: fn(Outcome) -> M,
) -> std::io::Result<()> {
    std::thread::Builder::new().name("mosaic-reload".into()).spawn(move || {
        let started = std::time::Instant::now();
        let (result, warnings) = compile(&root, kind, policy.as_deref());
        let millis = started.elapsed().as_millis();
        // The loop may have stopped meanwhile; then nobody needs the result.
        let _ = tx.send(wrap(Outcome { result, warnings, millis }));
    })?;
    Ok(())
}

/// What a reload changed in the program, for the log line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProgramDiff {
    pub attributes: NameDiff,
    pub audiences: NameDiff,
    /// Merge policies, datasets, identity settings or the time zone changed.
    pub other: Vec<&'static str>,
}

/// Names added, removed and changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NameDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl ProgramDiff {
    /// Compares two compiled policy sets.
    pub fn between(old: &Loaded, new: &Loaded) -> ProgramDiff {
        let attributes = name_diff(&old.program.attributes, &new.program.attributes, |a| &a.name);
        let audiences = name_diff(&old.program.audiences, &new.program.audiences, |a| &a.name);
        let mut other = Vec::new();
        // Spans are part of the Debug text; strip nothing: a moved definition is reported as
        // changed, which costs only a word in the log.
        let (o, n) = (&old.project, &new.project);
        if format!("{:?}", o.merge_policies) != format!("{:?}", n.merge_policies) {
            other.push("merge policies");
        }
        if format!("{:?}", o.datasets) != format!("{:?}", n.datasets) {
            other.push("datasets");
        }
        if format!("{:?}", o.identity) != format!("{:?}", n.identity) {
            other.push("identity settings");
        }
        if o.timezone != n.timezone {
            other.push("timezone");
        }
        ProgramDiff { attributes, audiences, other }
    }
}

fn name_diff<T: PartialEq>(old: &[T], new: &[T], name: impl Fn(&T) -> &String) -> NameDiff {
    let mut d = NameDiff::default();
    for n in new {
        match old.iter().find(|o| name(o) == name(n)) {
            None => d.added.push(name(n).clone()),
            Some(o) if o != n => d.changed.push(name(n).clone()),
            Some(_) => {}
        }
    }
    for o in old {
        if !new.iter().any(|n| name(n) == name(o)) {
            d.removed.push(name(o).clone());
        }
    }
    d
}

impl fmt::Display for ProgramDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (what, d) in [("attribute", &self.attributes), ("audience", &self.audiences)] {
            for (sign, names) in [('+', &d.added), ('-', &d.removed), ('~', &d.changed)] {
                if !names.is_empty() {
                    let plural = if names.len() == 1 { "" } else { "s" };
                    parts.push(format!("{sign}{} {what}{plural} ({})", names.len(), names.join(", ")));
                }
            }
        }
        for o in &self.other {
            parts.push(format!("~{o}"));
        }
        if parts.is_empty() {
            parts.push("no rule changes".into());
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarizes_a_reload_in_one_line() {
        let attributes =
            NameDiff { added: vec!["x".into()], removed: vec![], changed: vec!["a".into(), "b".into()] };
        let audiences = NameDiff { added: vec![], removed: vec!["y".into()], changed: vec![] };
        let diff = ProgramDiff { attributes, audiences, other: vec!["merge policies"] };
        assert_eq!(
            diff.to_string(),
            "+1 attribute (x), ~2 attributes (a, b), -1 audience (y), ~merge policies"
        );
        assert_eq!(ProgramDiff::default().to_string(), "no rule changes");
    }

    #[test]
    fn name_diff_finds_added_removed_and_changed() {
        let old = [("a".to_string(), 1), ("b".to_string(), 2)];
        let new = [("b".to_string(), 3), ("c".to_string(), 4)];
        let d = name_diff(&old, &new, |t| &t.0);
        assert_eq!(d.added, ["c"]);
        assert_eq!(d.removed, ["a"]);
        assert_eq!(d.changed, ["b"]);
    }
}
