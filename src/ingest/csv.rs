//! CSV batches: a header row of dotted paths, each row becomes a nested JSON object.

use super::line::{ingest_object, reject, Context, Deferred};
use super::record::{Batch, Reason};
use crate::policy::{Dataset, SchemaType};
use serde_json::{Map, Number, Value};

/// Reads a whole CSV file into `batch`, the rows' identities left to `deferred`.
pub fn ingest_csv(cx: &Context, batch: &mut Batch, bytes: &[u8], deferred: &mut Deferred) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let columns = match reader.headers() {
        Ok(h) => Columns::of(cx.dataset, h),
        Err(e) => {
            reject(batch, 1, Reason::InvalidCsv, e.to_string(), "");
            return;
        }
    };
    let headers = &columns.headers;
    if let Some(problem) = clashing_columns(headers) {
        reject(batch, 1, Reason::InvalidCsv, problem, &headers.join(","));
        return;
    }
    let mut row = csv::StringRecord::new();
    loop {
        let start = reader.position().byte() as usize;
        match reader.read_record(&mut row) {
            Ok(false) => break,
            Ok(true) => {
                let line = row.position().map_or(0, |p| p.line() as u32);
                let raw = row.iter().collect::<Vec<_>>().join(",");
                let end = reader.position().byte() as usize;
                let span = bytes.get(start..end).unwrap_or_default();
                if let Some(problem) = malformed(&row, headers, span, end >= bytes.len()) {
                    // An unclosed quote's row is shown as it is in the file: the rest of it.
                    let text = String::from_utf8_lossy(span);
                    let shown = if problem.whole_rest { text.trim_end() } else { &raw };
                    reject(batch, line, Reason::InvalidCsv, problem.detail, shown);
                    continue;
                }
                if super::line::reject_too_large(batch, line, "row", raw.len(), &raw) {
                    continue;
                }
                ingest_object(cx, batch, line, columns.object(&row), None, &raw, deferred);
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as u32);
                reject(batch, line, Reason::InvalidCsv, e.to_string(), "");
            }
        }
    }
}

/// The first `max` rows of a CSV file as ingest reads them, for the type sampler: best effort,
/// so rows that do not read are skipped, and a file whose header ingest refuses gives none.
pub fn sample(dataset: &Dataset, input: impl std::io::Read, max: usize) -> Vec<Value> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let Ok(columns) = reader.headers().map(|h| Columns::of(dataset, h)) else { return Vec::new() };
    if clashing_columns(&columns.headers).is_some() {
        return Vec::new();
    }
    let rows = reader.records().filter_map(Result::ok).take(max);
    rows.map(|row| Value::Object(columns.object(&row))).collect()
}

/// A file's columns: each header cell's path (trimmed) and how its cells are read.
struct Columns {
    headers: Vec<String>,
    kinds: Vec<CellKind>,
}

impl Columns {
    fn of(dataset: &Dataset, header: &csv::StringRecord) -> Columns {
        let headers: Vec<String> = header.iter().map(|s| s.trim().to_string()).collect();
        let kinds = headers.iter().map(|h| cell_kind(dataset, h)).collect();
        Columns { headers, kinds }
    }

    /// A row as the object its dotted headers build (an unnamed column's cells are left out).
    fn object(&self, row: &csv::StringRecord) -> Map<String, Value> {
        let mut obj = Map::new();
        let cells = self.headers.iter().zip(&self.kinds).zip(row.iter());
        for ((h, kind), cell) in cells.filter(|((h, _), _)| !h.is_empty()) {
            if let Some(v) = convert(*kind, cell) {
                insert_path(&mut obj, h, v);
            }
        }
        obj
    }
}

/// Two header cells that would write the same place of a row's object: the same path twice, or
/// a path and one inside it (`address` and `address.city`). Either would lose one cell of every
/// row silently, so the file is refused at its header.
fn clashing_columns(headers: &[String]) -> Option<String> {
    for (i, a) in headers.iter().enumerate().filter(|(_, a)| !a.is_empty()) {
        for b in headers[i + 1..].iter().filter(|b| !b.is_empty()) {
            let inside =
                |outer: &str, inner: &str| inner.strip_prefix(outer).is_some_and(|r| r.starts_with('.'));
            if a == b {
                return Some(format!("the header names the column `{a}` twice"));
            }
            if inside(a, b) || inside(b, a) {
                return Some(format!("the header's columns `{a}` and `{b}` overlap: one holds the other"));
            }
        }
    }
    None
}

/// Why a row cannot be read as its header says.
struct Malformed {
    detail: String,
    /// The row runs to the end of the file (an unclosed quote).
    whole_rest: bool,
}

/// A row with a value in a cell the header names no column for (past its columns, or under an
/// empty header cell: the value would be lost), or one whose quoted field is never closed (the
/// csv crate reads the rest of the file into it, so the rows after it would silently become part
/// of one value). `span` is the row's bytes in the file, `last` whether it ends the file. Empty
/// cells past the header (trailing commas) are fine.
fn malformed(row: &csv::StringRecord, headers: &[String], span: &[u8], last: bool) -> Option<Malformed> {
    let columns = headers.len();
    if row.iter().skip(columns).any(|cell| !cell.is_empty()) {
        let detail = format!("{} cells, but the header names {columns} columns", row.len());
        return Some(Malformed { detail, whole_rest: false });
    }
    if let Some(at) = row.iter().zip(headers).position(|(cell, h)| h.is_empty() && !cell.is_empty()) {
        let detail = format!("a value in column {}, which the header leaves unnamed", at + 1);
        return Some(Malformed { detail, whole_rest: false });
    }
    // Only the last row can hold an unclosed quote (any other ended at a closing one).
    let unclosed = last && ends_quoted(span);
    unclosed.then(|| Malformed {
        detail: "a quoted field is never closed: the rest of the file was read as one value".into(),
        whole_rest: true,
    })
}

/// Whether `row` (a row's bytes) ends inside a quoted field, read as the csv crate reads it: a
/// field that starts with `"` is quoted up to a `"` not doubled; in any other field, and after
/// the closing quote, a `"` is text.
fn ends_quoted(row: &[u8]) -> bool {
    let (mut quoted, mut field_start, mut i) = (false, true, 0);
    while i < row.len() {
        let b = row[i];
        if quoted {
            if b == b'"' {
                if row.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if field_start && b == b'"' {
            quoted = true;
        }
        field_start = !quoted && matches!(b, b',' | b'\n' | b'\r');
        i += 1;
    }
    quoted
}

/// How a column's cells are read.
#[derive(Debug, Clone, Copy)]
enum CellKind {
    /// Kept as text (declared strings, identities, times and dates, which are parsed later).
    Text,
    Int,
    Double,
    Bool,
    /// JSON text (declared objects and arrays).
    Json,
    /// No declared type: int, double or bool when the cell reads as one, else text.
    Infer,
}

fn cell_kind(dataset: &Dataset, header: &str) -> CellKind {
    if header == dataset.timestamp || dataset.identities.iter().any(|f| f.path == header) {
        return CellKind::Text;
    }
    match dataset.schema.iter().find(|(p, _)| p == header).map(|(_, t)| *t) {
        Some(SchemaType::String | SchemaType::Timestamp | SchemaType::Date) => CellKind::Text,
        Some(SchemaType::Int) => CellKind::Int,
        Some(SchemaType::Double) => CellKind::Double,
        Some(SchemaType::Bool) => CellKind::Bool,
        Some(SchemaType::Object | SchemaType::Array) => CellKind::Json,
        None => CellKind::Infer,
    }
}

/// A cell's value; an empty cell is absent and the bare word `null` is an explicit null (which
/// removes the field in an upsert dataset: CSV has no other way to say it). A cell that does not
/// read as its declared type is kept as text, so evaluation counts it as a type mismatch rather
/// than losing it silently.
fn convert(kind: CellKind, cell: &str) -> Option<Value> {
    if cell.is_empty() {
        return None;
    }
    if cell == "null" {
        return Some(Value::Null);
    }
    let text = || Some(Value::String(cell.to_string()));
    let int = || cell.trim().parse::<i64>().ok().map(|i| Value::Number(i.into()));
    let double = || cell.trim().parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number);
    let boolean = || match cell.trim() {
        "true" | "TRUE" | "True" => Some(Value::Bool(true)),
        "false" | "FALSE" | "False" => Some(Value::Bool(false)),
        _ => None,
    };
    match kind {
        CellKind::Text => text(),
        CellKind::Int => int().or_else(text),
        CellKind::Double => double().or_else(text),
        CellKind::Bool => boolean().or_else(text),
        CellKind::Json => serde_json::from_str(cell).ok().or_else(text),
        CellKind::Infer => int().or_else(double).or_else(boolean).or_else(text),
    }
}

/// Sets `a.b.c` in `obj`, creating objects on the way (a scalar in the way is replaced).
fn insert_path(obj: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts = path.split('.').peekable();
    let mut cur = obj;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            cur.insert(p.to_string(), value);
            return;
        }
        let entry = cur.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        cur = next;
    }
}
