//! Ingest: batch files → records, events and identities, with rejections.
//!
//! One file is one batch (`<dataset>/<file name>`). A batch is read whole into a [`Batch`]; no
//! bad line stops it: each becomes a [`Rejection`] with its line number and reason.

pub mod array;
mod csv;
pub mod direct;
pub mod identities;
pub mod idmap;
pub mod line;
pub mod parquet;
pub mod record;
pub mod sample;
pub mod scan;
pub mod sparse;
pub mod text;
pub mod typed;

pub use record::{Batch, Event, Ident, Reason, Record, Rejection};
pub use text::Text;

use crate::policy::{Dataset, Format, Project};
use std::path::{Path, PathBuf};

/// Bumped whenever reading a file changes what is extracted from it: part of every batch's
/// fingerprint (`runtime::batches`), so a store of an earlier mosaic reads its files again.
/// 1: a file holding one JSON array of records is read element by element ([`array`](mod@array)).
pub const READING: u32 = 1;

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

/// Whether a file named `name` is no batch: hidden files and editors' swap and backup files and
/// copiers' partial files, which become batches when renamed into place. `run`, `watch` and
/// the type sampler all skip them.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name == "4913" // vim probes whether it may write the folder with this name
        || [".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload", ".partial"].iter().any(|s| name.ends_with(s))
        || name.contains(".tmp-")
}

/// The folders directly inside a dataset's folder (hidden ones aside): ingest does not read
/// them, which `check` says (W0007) so that files put there are not missed unnoticed.
pub fn nested_folders(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        // The entry's type comes with the listing; only a link needs a look at its target.
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_symlink() => std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir()),
            Ok(t) => t.is_dir(),
            Err(_) => false,
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Every batch file of every dataset, sorted by batch id.
pub fn list_batches(project: &Project) -> std::io::Result<Vec<BatchFile>> {
    let mut out = Vec::new();
    for ds in &project.datasets {
        out.extend(dataset_batches(&project.root, ds)?);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The batch files of one dataset: the files directly in its folder (a link to a file is that
/// file), but [temporary](is_temporary) ones; none while the folder does not exist.
pub fn dataset_batches(root: &Path, ds: &Dataset) -> std::io::Result<Vec<BatchFile>> {
    let entries = match std::fs::read_dir(root.join(&ds.path)) {
        Ok(e) => e,
        // A dataset with no data yet is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        let meta = std::fs::metadata(entry.path()).or_else(|_| entry.metadata())?;
        if is_temporary(&name) || !meta.is_file() {
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
}

impl Keep {
    /// Keeps whole events.
    pub fn whole() -> Keep {
        Keep { event_paths: None }
    }

    /// Keeps the event paths `program` reads.
    pub fn for_program(program: &crate::ir::Program) -> Keep {
        let mut paths: Vec<Vec<String>> = program.event_paths.iter().map(|p| p.path.clone()).collect();
        paths.sort();
        paths.dedup();
        Keep { event_paths: Some(paths) }
    }

    /// How to parse a line of `dataset`: the kept paths plus what ingest itself reads
    /// (identities, time, `_id`). `None`: parse whole lines.
    fn plan(&self, dataset: &Dataset) -> Option<sparse::Plan> {
        let paths = self.event_paths.as_ref()?;
        if dataset.class != crate::policy::DatasetClass::Event {
            return None;
        }
        let identity_fields: Vec<&str> = dataset.identities.iter().map(|f| f.path.as_str()).collect();
        let mut own = vec!["_id", dataset.timestamp.as_str()];
        own.extend(&identity_fields);
        let mut plan = sparse::Plan::new(paths, &own);
        if plan.identities_apart {
            plan.slots = direct::Slots::new(&plan.trie, paths, &dataset.timestamp, &identity_fields);
        }
        Some(plan)
    }
}

/// Reads one batch file. Never fails: an unreadable file is one rejection.
pub fn read_batch(project: &Project, file: &BatchFile, keep: &Keep) -> Batch {
    let mut batch = Batch { id: file.id.clone(), dataset: file.dataset.clone(), ..Batch::default() };
    let Some(dataset) = project.dataset(&file.dataset) else {
        return batch;
    };
    let cx = line::Context { project, dataset };
    let format = format_of(dataset, &file.path);
    // The identities of the rows read, interned many at a time (a JSONL file interns its own
    // a chunk of lines at a time).
    let mut deferred = line::Deferred::default();
    let read = match format {
        // The elements of an array file, else the lines of JSON Lines.
        Some(Format::Jsonl) => {
            let elements = |all: &[array::Element]| {
                all.iter().for_each(|e| read_element(&cx, &mut batch, e, &mut deferred))
            };
            match array::with_elements(&file.path, elements) {
                Ok(None) => read_jsonl(&cx, &mut batch, &file.path, keep, &mut deferred),
                read => read.map(|_| ()),
            }
        }
        other => std::fs::read(&file.path).map(|bytes| match other {
            Some(Format::Csv) => csv::ingest_csv(&cx, &mut batch, &bytes, &mut deferred),
            Some(Format::Parquet) => parquet::ingest_parquet(&cx, &mut batch, &file.path, &mut deferred),
            _ => {
                let detail = "unknown file extension; set `format:` on the dataset";
                line::reject(&mut batch, 0, Reason::UnsupportedFormat, detail, "")
            }
        }),
    };
    deferred.intern(&mut batch);
    if let Err(e) = read {
        // An unreadable file is one rejection, whatever was read of it before the error.
        let mut batch = Batch { id: file.id.clone(), dataset: file.dataset.clone(), ..Batch::default() };
        line::reject(&mut batch, 0, Reason::UnreadableFile, e.to_string(), "");
        return batch;
    }
    if let Some(paths) = &keep.event_paths {
        // Events read back from their line (`offset`) got their fields as they were read.
        for e in batch.events.iter_mut().filter(|e| e.offset.is_none()) {
            e.fields = paths.iter().map(|p| typed::project_path(&e.body, p)).collect();
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
    let cx = line::Context { project, dataset };
    let mut deferred = line::Deferred::default();
    for (i, v) in values.iter().enumerate() {
        let line = i as u32 + 1;
        let raw = v.to_string();
        match v {
            serde_json::Value::Object(obj) => {
                line::ingest_object(&cx, &mut batch, line, obj.clone(), None, &raw, &mut deferred)
            }
            _ => line::reject(&mut batch, line, Reason::NotAnObject, "a record must be a JSON object", &raw),
        }
    }
    deferred.intern(&mut batch);
    batch
}

/// How much of a JSONL file is read at a time.
const CHUNK: u64 = 1 << 20;

/// The UTF-8 byte order mark, skipped at the start of a JSONL file (the csv crate skips it
/// in CSV files).
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One element of an array file. Its event keeps its whole body (it has no line of its own
/// to be read back from); where a parse error is, is told in the file's lines and columns.
fn read_element(
    cx: &line::Context,
    batch: &mut Batch,
    element: &array::Element,
    deferred: &mut line::Deferred,
) {
    let array::Element { line, column, text, broken } = *element;
    // Checked as UTF-8 once: the text itself when it is, else shown with replacement characters.
    let utf8 = std::str::from_utf8(text);
    let raw = utf8.map_or_else(|_| String::from_utf8_lossy(text), std::borrow::Cow::Borrowed);
    if let Some(why) = broken {
        return line::reject(
            batch,
            line,
            Reason::InvalidJson,
            format!("{why} (line {line}, column {column})"),
            &raw,
        );
    }
    if line::reject_too_large(batch, line, "element", text.len(), &raw) {
        return;
    }
    let parsed = utf8
        .map_err(|e| format!("not UTF-8: {e}"))
        .and_then(|text| serde_json::from_str(text).map_err(|e| at_place(&e, line, column)));
    match parsed {
        Ok(value) => line::ingest_parsed(cx, batch, line, Ok((value, None)), &raw, deferred),
        Err(detail) => line::reject(batch, line, Reason::InvalidJson, detail, &raw),
    }
}

/// serde_json's message for an element starting at `line` and `column` of its file, with the
/// place of the error in the file's lines and columns instead of the element's.
fn at_place(e: &serde_json::Error, line: u32, column: u32) -> String {
    let message = e.to_string();
    if e.line() == 0 {
        return format!("{message} (in the element at line {line}, column {column})");
    }
    let message = message.rfind(" at line ").map_or(message.as_str(), |at| &message[..at]);
    let (l, c) = (e.line() as u32, e.column() as u32);
    let (l, c) = if l <= 1 { (line, column + c.saturating_sub(1)) } else { (line + l - 1, c) };
    format!("{message} at line {l} column {c}")
}

/// Reads a JSONL file a chunk at a time into `batch`, so a large file is never whole in memory.
/// With a sparse plan, each event keeps its line's offset and its fields are taken from the
/// parsed line at once, so the parsed lines never pile up either.
fn read_jsonl(
    cx: &line::Context,
    batch: &mut Batch,
    path: &Path,
    keep: &Keep,
    deferred: &mut line::Deferred,
) -> std::io::Result<()> {
    use std::io::Read;
    let plan = keep.plan(cx.dataset);
    let paths = keep.event_paths.as_deref().filter(|_| plan.is_some());
    let mut file = std::fs::File::open(path)?;
    let size = file.metadata()?.len();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK as usize);
    let (mut line, mut offset, mut first) = (0u32, 0u64, true);
    // A byte order mark (as Windows tools write) is no part of the first line: the line's
    // offset, for reading it back, starts after it.
    (&mut file).take(BOM.len() as u64).read_to_end(&mut buf)?;
    if buf == BOM {
        buf.clear();
        offset = BOM.len() as u64;
    }
    loop {
        let eof = (&mut file).take(CHUNK).read_to_end(&mut buf)? == 0;
        // Complete lines only, except at the end of the file (its last line may lack `\n`).
        let end = match (eof, memchr::memrchr(b'\n', &buf)) {
            (true, _) => buf.len(),
            (false, Some(at)) => at + 1,
            (false, None) => continue,
        };
        if std::mem::take(&mut first) {
            // One event or record per line, mostly: sized once instead of grown by doubling.
            let lines = memchr::memchr_iter(b'\n', &buf[..end]).count() as u64 + 1;
            let guess = usize::try_from(lines * size / (end as u64).max(1)).unwrap_or(0);
            match cx.dataset.class {
                crate::policy::DatasetClass::Event => batch.events.reserve(guess),
                crate::policy::DatasetClass::Profile => batch.records.reserve(guess),
            }
        }
        let mut rest = &buf[..end];
        while !rest.is_empty() || eof {
            let (raw, next) = match memchr::memchr(b'\n', rest) {
                Some(at) => (&rest[..at], &rest[at + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            line += 1;
            let start = offset;
            offset += raw.len() as u64 + 1;
            read_line(cx, batch, line, raw, plan.as_ref(), deferred);
            if let (Some(paths), Some(event)) = (paths, batch.events.last_mut()) {
                if event.line == line {
                    event.offset = Some(start);
                    // A line read by slots has its fields already (and no body).
                    if event.fields.len() != paths.len() {
                        event.fields = paths.iter().map(|p| typed::project_path(&event.body, p)).collect();
                    }
                    event.body = serde_json::Value::Null;
                }
            }
            rest = next;
            if rest.is_empty() && eof {
                deferred.intern(batch);
                return Ok(());
            }
        }
        // The chunk's identities, interned together.
        deferred.intern(batch);
        buf.drain(..end);
    }
}

/// One line of a JSONL file (without its `\n`).
fn read_line(
    cx: &line::Context,
    batch: &mut Batch,
    line: u32,
    raw: &[u8],
    plan: Option<&sparse::Plan>,
    deferred: &mut line::Deferred,
) {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    match std::str::from_utf8(raw) {
        Ok(text) => line::ingest_json_line(cx, batch, line, text, plan, deferred),
        Err(e) => {
            let text = String::from_utf8_lossy(raw);
            line::reject(batch, line, Reason::InvalidJson, format!("not UTF-8: {e}"), &text);
        }
    }
}

/// The line of an open JSONL batch file starting at byte `offset` (an event's
/// [`Event::offset`]), read 1 KiB at a time (an event's line is usually shorter) with
/// positioned reads, so one file serves many readers.
pub fn read_line_from(file: &std::fs::File, offset: u64) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut chunk = [0u8; 1024];
    let mut at = offset;
    loop {
        let n = read_at(file, &mut chunk, at)?;
        let read = &chunk[..n];
        match memchr::memchr(b'\n', read) {
            Some(end) => {
                line.extend_from_slice(&read[..end]);
                break;
            }
            None if n == 0 => break,
            None => line.extend_from_slice(read),
        }
        at += n as u64;
        if line.len() > line::MAX_LINE_BYTES {
            break;
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests;
