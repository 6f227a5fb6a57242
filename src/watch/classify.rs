//! The pure change classifier: recorded file-system events → what changed in the project.
//!
//! It knows nothing of `notify` or the clock, so editors' save dances, copies that arrive in
//! pieces and renames into place are unit-tested from recorded sequences (tests/watch/).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// What happened to the paths of one file-system event, reduced to what matters here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Create,
    /// Content written.
    Modify,
    /// Permissions, times …: a `touch` or the end of a copy.
    Metadata,
    Remove,
    /// The path a file was renamed away from.
    RenameFrom,
    /// The path a file was renamed to.
    RenameTo,
    /// A rename seen whole: `paths` = [from, to].
    RenameBoth,
    /// A read: our own reads cause these, so they are ignored.
    Access,
    Other,
}

/// One file-system event as recorded (paths absolute or relative to the project folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub kind: EventKind,
    pub paths: Vec<PathBuf>,
}

/// Where things live in a project, relative to its folder.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The project folder (the prefix stripped from absolute event paths).
    pub root: PathBuf,
    /// Dataset name → its data folder (relative).
    pub datasets: Vec<(String, PathBuf)>,
    /// The output folder when it lies inside the project (relative); its files are ours.
    pub out: Option<PathBuf>,
}

impl Layout {
    /// The layout of a loaded project writing to `out`.
    pub fn of(project: &crate::policy::Project, out: &Path) -> Layout {
        let root = project.root.clone();
        let datasets =
            project.datasets.iter().map(|d| (d.name.value.clone(), normalize(Path::new(&d.path)))).collect();
        let out = out.strip_prefix(&root).ok().map(normalize);
        Layout { root, datasets, out }
    }
}

/// One thing to act on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "change")]
pub enum Change {
    /// A policy file (mosaic.yaml or under policies/) was written, created or removed.
    Policy { path: PathBuf, removed: bool },
    /// A batch file was written, created, renamed into place or removed.
    Batch { dataset: String, path: PathBuf, removed: bool },
    /// A dataset folder itself appeared or went away (e.g. renamed into place): rescan it.
    Dataset { dataset: String },
}

/// Classifies a burst of events: the last state of each path decides (created then removed
/// is a removal; a file renamed away and another renamed over it is a write), temporary and
/// hidden files are ignored, and so are mosaic's own folders. The result is sorted and free
/// of repeats.
pub fn classify(events: &[RecordedEvent], layout: &Layout) -> Vec<Change> {
    // Path → removed? (the last event on it wins).
    let mut last: BTreeMap<PathBuf, bool> = BTreeMap::new();
    for e in events {
        let paths = e.paths.iter().map(|p| relative(p, &layout.root));
        match e.kind {
            EventKind::Access | EventKind::Other => {}
            EventKind::Create | EventKind::Modify | EventKind::Metadata | EventKind::RenameTo => {
                for p in paths.flatten() {
                    last.insert(p, false);
                }
            }
            EventKind::Remove | EventKind::RenameFrom => {
                for p in paths.flatten() {
                    last.insert(p, true);
                }
            }
            EventKind::RenameBoth => {
                let mut paths: Vec<Option<PathBuf>> = paths.collect();
                let to = if paths.len() >= 2 { paths.pop().flatten() } else { None };
                for p in paths.into_iter().flatten() {
                    last.insert(p, true);
                }
                if let Some(p) = to {
                    last.insert(p, false);
                }
            }
        }
    }
    let mut out: Vec<Change> =
        last.into_iter().filter_map(|(p, removed)| change_of(&p, removed, layout)).collect();
    out.sort();
    out.dedup();
    out
}

/// The paths (relative) whose last event in `events` renamed a file onto them: a writer that
/// renames a finished file into place is done with it, so it need not settle.
pub fn renamed_into_place(events: &[RecordedEvent], layout: &Layout) -> Vec<PathBuf> {
    let mut last: BTreeMap<PathBuf, bool> = BTreeMap::new();
    for e in events {
        let mut paths: Vec<PathBuf> = e.paths.iter().filter_map(|p| relative(p, &layout.root)).collect();
        let renamed_to = match e.kind {
            EventKind::Access | EventKind::Other => continue,
            EventKind::RenameTo => true,
            EventKind::RenameBoth => {
                if let Some(to) = paths.pop() {
                    last.insert(to, true);
                }
                false
            }
            _ => false,
        };
        for p in paths {
            last.insert(p, renamed_to);
        }
    }
    last.into_iter().filter(|(_, renamed)| *renamed).map(|(p, _)| p).collect()
}

fn change_of(path: &Path, removed: bool, layout: &Layout) -> Option<Change> {
    let first = path.components().next()?;
    if first == Component::Normal(".mosaic".as_ref()) {
        return None;
    }
    if layout.out.as_ref().is_some_and(|o| !o.as_os_str().is_empty() && path.starts_with(o)) {
        return None;
    }
    let name = path.file_name()?.to_string_lossy();
    if crate::ingest::is_temporary(&name) {
        return None;
    }
    if path == Path::new("mosaic.yaml") {
        return Some(Change::Policy { path: path.to_path_buf(), removed });
    }
    if path.starts_with("policies") {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        return match ext.as_deref() {
            Some("yaml" | "yml" | "json") => Some(Change::Policy { path: path.to_path_buf(), removed }),
            // A folder of policies deleted or renamed away: its files went with it.
            None if removed || path == Path::new("policies") => {
                Some(Change::Policy { path: path.to_path_buf(), removed })
            }
            _ => None,
        };
    }
    for (dataset, dir) in &layout.datasets {
        if path == dir {
            return Some(Change::Dataset { dataset: dataset.clone() });
        }
        // Batches are the files directly in the dataset folder (ingest does not recurse).
        if path.parent() == Some(dir.as_path()) {
            return Some(Change::Batch { dataset: dataset.clone(), path: path.to_path_buf(), removed });
        }
    }
    None
}

/// `path` relative to `root`, with `.` parts dropped; `None` outside the project.
fn relative(path: &Path, root: &Path) -> Option<PathBuf> {
    if path.is_absolute() {
        if let Ok(rel) = path.strip_prefix(root) {
            return Some(normalize(rel));
        }
        return None;
    }
    Some(normalize(path))
}

fn normalize(path: &Path) -> PathBuf {
    path.components().filter(|c| !matches!(c, Component::CurDir)).collect()
}

/// Converts a `notify` event (`None` for kinds that never matter).
pub fn record(event: &notify::Event) -> Option<RecordedEvent> {
    use notify::event::{EventKind as K, ModifyKind, RenameMode};
    let kind = match event.kind {
        K::Access(_) => return None,
        K::Create(_) => EventKind::Create,
        K::Remove(_) => EventKind::Remove,
        K::Modify(ModifyKind::Name(RenameMode::From)) => EventKind::RenameFrom,
        K::Modify(ModifyKind::Name(RenameMode::To)) => EventKind::RenameTo,
        K::Modify(ModifyKind::Name(RenameMode::Both)) => EventKind::RenameBoth,
        // A rename of unknown direction: the path's existence tells.
        K::Modify(ModifyKind::Name(_)) => match event.paths.first() {
            Some(p) if p.exists() => EventKind::RenameTo,
            _ => EventKind::RenameFrom,
        },
        K::Modify(ModifyKind::Metadata(_)) => EventKind::Metadata,
        K::Modify(_) => EventKind::Modify,
        K::Any | K::Other => EventKind::Other,
    };
    Some(RecordedEvent { kind, paths: event.paths.clone() })
}
