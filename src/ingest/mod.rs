//! Ingest: batch files → records, events and identities, with rejections.
//!
//! One file is one batch (`<dataset>/<file name>`). A batch is read whole into a [`Batch`]; no
//! bad line stops it: each becomes a [`Rejection`] with its line number and reason.

mod csv;
pub mod identities;
pub mod idmap;
pub mod line;
pub mod parquet;
pub mod record;
pub mod sample;
pub mod scan;
pub mod shared;
pub mod sparse;
pub mod typed;

pub use record::{Batch, Event, Ident, Reason, Record, Rejection};

use crate::policy::{Dataset, Format, Project};
use std::path::{Path, PathBuf};

/// A batch file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFile {
    /// `<dataset>/<file name>`.
    pub id: String,
    pub dataset: String,
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, ns since the epoch (0 when unknown).
    pub mtime: i128,
}

/// Every batch file of every dataset, sorted by batch id. Hidden files are skipped, as are
/// folders inside a dataset's folder.
pub fn list_batches(project: &Project) -> std::io::Result<Vec<BatchFile>> {
    let mut out = Vec::new();
    for ds in &project.datasets {
        let dir = project.root.join(&ds.path);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            // A dataset with no data yet is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().to_string();
            let meta = entry.metadata()?;
            if name.starts_with('.') || !meta.is_file() {
                continue;
            }
            let mtime = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            out.push(BatchFile {
                id: format!("{}/{}", ds.name.value, name),
                dataset: ds.name.value.clone(),
                path: entry.path(),
                size: meta.len(),
                mtime,
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The format of a batch file: the dataset's, else from the extension.
pub fn format_of(dataset: &Dataset, path: &Path) -> Option<Format> {
    if let Some(f) = dataset.format {
        return Some(f);
    }
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "parquet" => Some(Format::Parquet),
        _ => None,
    }
}

/// What ingest keeps of each event besides its identities, time and `_id`.
///
/// Each event's values at `event_paths` are extracted into [`Event::fields`]. Lines of JSONL
/// files are parsed only as far as those paths reach (see [`sparse`]) and the event keeps the
/// byte offset of its line instead of its body: commands showing whole events read it back.
/// Events of CSV and Parquet files (small, flat) also keep their whole body.
#[derive(Debug, Clone, Default)]
pub struct Keep {
    /// The paths rules read; `None` keeps whole events.
    pub event_paths: Option<Vec<Vec<String>>>,
    /// The identity values read so far, shared by every batch read with this `Keep` (and its
    /// clones), so each distinct value is allocated once.
    pub shared: shared::Shared,
}

impl Keep {
    /// Keeps whole events.
    pub fn whole() -> Keep {
        Keep { event_paths: None, shared: shared::Shared::default() }
    }

    /// Keeps the event paths `program` reads.
    pub fn for_program(program: &crate::ir::Program) -> Keep {
        let mut paths: Vec<Vec<String>> = program.event_paths.iter().map(|p| p.path.clone()).collect();
        paths.sort();
        paths.dedup();
        Keep { event_paths: Some(paths), shared: shared::Shared::default() }
    }

    /// How to parse a line of `dataset`: the kept paths plus what ingest itself reads
    /// (identities, time, `_id`). `None`: parse whole lines.
    fn plan(&self, dataset: &Dataset) -> Option<sparse::Plan> {
        let paths = self.event_paths.as_ref()?;
        if dataset.class != crate::policy::DatasetClass::Event {
            return None;
        }
        let mut own = vec!["_id", dataset.timestamp.as_str()];
        own.extend(dataset.identities.iter().map(|f| f.path.as_str()));
        Some(sparse::Plan::new(paths, &own))
    }
}

/// Reads one batch file. Never fails: an unreadable file is one rejection.
pub fn read_batch(project: &Project, file: &BatchFile, keep: &Keep) -> Batch {
    let mut batch = Batch { id: file.id.clone(), dataset: file.dataset.clone(), ..Batch::default() };
    let Some(dataset) = project.dataset(&file.dataset) else {
        return batch;
    };
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            line::reject(&mut batch, 0, Reason::UnreadableFile, e.to_string(), "");
            return batch;
        }
    };
    let cx = line::Context { project, dataset, shared: &keep.shared };
    match format_of(dataset, &file.path) {
        Some(Format::Jsonl) => read_jsonl(&cx, &mut batch, &bytes, keep),
        Some(Format::Csv) => csv::ingest_csv(&cx, &mut batch, &bytes),
        Some(Format::Parquet) => parquet::ingest_parquet(&cx, &mut batch, &file.path),
        None => {
            let detail = "unknown file extension; set `format:` on the dataset";
            line::reject(&mut batch, 0, Reason::UnsupportedFormat, detail, "")
        }
    }
    if let Some(paths) = &keep.event_paths {
        for e in &mut batch.events {
            e.fields = paths.iter().map(|p| typed::project_path(&e.body, p)).collect();
            if e.offset.is_some() {
                e.body = serde_json::Value::Null;
            }
        }
        batch.paths = Some(paths.clone());
    }
    batch
}

/// Builds a batch from records given inline (rule tests, the HTTP API's upserts): each value is
/// one record, numbered from 1 like lines of a file.
pub fn batch_from_values(
    project: &Project,
    dataset: &Dataset,
    id: &str,
    values: &[serde_json::Value],
) -> Batch {
    let mut batch = Batch { id: id.to_string(), dataset: dataset.name.value.clone(), ..Batch::default() };
    let shared = shared::Shared::default();
    let cx = line::Context { project, dataset, shared: &shared };
    for (i, v) in values.iter().enumerate() {
        let line = i as u32 + 1;
        let raw = v.to_string();
        match v {
            serde_json::Value::Object(obj) => {
                line::ingest_object(&cx, &mut batch, line, obj.clone(), None, &raw)
            }
            _ => line::reject(&mut batch, line, Reason::NotAnObject, "a record must be a JSON object", &raw),
        }
    }
    batch
}

fn read_jsonl(cx: &line::Context, batch: &mut Batch, bytes: &[u8], keep: &Keep) {
    let plan = keep.plan(cx.dataset);
    // One event or record per line, mostly: sized once instead of grown by doubling.
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    match cx.dataset.class {
        crate::policy::DatasetClass::Event => batch.events.reserve_exact(lines),
        crate::policy::DatasetClass::Profile => batch.records.reserve_exact(lines),
    }
    let mut offset = 0u64;
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i as u32 + 1;
        let start = offset;
        offset += raw.len() as u64 + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let events = batch.events.len();
        match std::str::from_utf8(raw) {
            Ok(text) => line::ingest_json_line(cx, batch, line, text, plan.as_ref()),
            Err(e) => {
                let text = String::from_utf8_lossy(raw);
                line::reject(batch, line, Reason::InvalidJson, format!("not UTF-8: {e}"), &text);
            }
        }
        if let (Some(event), true) = (batch.events.get_mut(events), plan.is_some()) {
            event.offset = Some(start);
        }
    }
}

/// The line of a JSONL batch file starting at byte `offset` (an event's [`Event::offset`]).
pub fn read_line_at(path: &Path, offset: u64) -> std::io::Result<String> {
    use std::io::{BufRead, Seek};
    let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
    file.seek(std::io::SeekFrom::Start(offset))?;
    let mut line = String::new();
    file.read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(test)]
mod tests;
