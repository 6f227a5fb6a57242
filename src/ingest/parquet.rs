//! Parquet batches: each row becomes a JSON object (groups → objects, lists → arrays,
//! timestamps → RFC 3339 strings, dates → `YYYY-MM-DD`, decimals → numbers, UUIDs → their
//! text), then goes the way of a JSON line.
//!
//! The parquet crate's row reader hands UUIDs over as 16 raw bytes and nanosecond timestamps
//! (what pandas writes by default) as plain integers; [`Columns`] finds those columns in the
//! file's schema, so their values are converted by what the column is.

use super::line::{ingest_object, reject, Context, Deferred};
use super::record::{Batch, Reason};
use crate::output::{format_date, format_timestamp};
use parquet::basic::{ConvertedType, LogicalType, TimeUnit};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use parquet::schema::types::Type;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// Reads a whole Parquet file into `batch`; rows are numbered from 1, their identities left to
/// `deferred`.
pub fn ingest_parquet(cx: &Context, batch: &mut Batch, path: &Path, deferred: &mut Deferred) {
    let reader = match std::fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| SerializedFileReader::try_from(f).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => return reject(batch, 0, Reason::UnreadableFile, e, ""),
    };
    let columns = Columns::of(reader.metadata().file_metadata().schema());
    let rows = match reader.get_row_iter(None) {
        Ok(rows) => rows,
        Err(e) => return reject(batch, 0, Reason::UnreadableFile, e.to_string(), ""),
    };
    for (i, row) in rows.enumerate() {
        let line = i as u32 + 1;
        match row {
            Ok(row) => {
                let obj = columns.row(&row);
                let raw = Value::Object(obj.clone()).to_string();
                if super::line::reject_too_large(batch, line, "row", raw.len(), &raw) {
                    continue;
                }
                ingest_object(cx, batch, line, obj, None, &raw, deferred);
            }
            // A corrupt page ends the file: later rows cannot be located reliably.
            Err(e) => return reject(batch, line, Reason::UnreadableFile, e.to_string(), ""),
        }
    }
}

/// The first `max` rows of a Parquet file as JSON objects, as ingest reads them, for the schema
/// sampler: best effort, so the rows before the first that cannot be read (none when the file
/// cannot be opened).
pub fn read_rows(path: &Path, max: usize) -> Vec<Map<String, Value>> {
    let Ok(file) = std::fs::File::open(path) else { return Vec::new() };
    let Ok(reader) = SerializedFileReader::try_from(file) else { return Vec::new() };
    let columns = Columns::of(reader.metadata().file_metadata().schema());
    let Ok(rows) = reader.get_row_iter(None) else { return Vec::new() };
    rows.take(max).map_while(Result::ok).map(|row| columns.row(&row)).collect()
}

/// What a column holds beyond what the row reader says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 16 bytes of a UUID.
    Uuid,
    /// An integer of nanoseconds since the epoch.
    Nanos,
}

/// The columns of a file that need converting by their type, by their path in a row: field
/// names from the top, joined by `\u{1}` (a list adds no name: its elements sit at its path).
/// Columns inside maps are not followed; they are rare, and a map's keys are data.
struct Columns(HashMap<String, Kind>);

impl Columns {
    fn of(schema: &Type) -> Columns {
        let mut found = HashMap::new();
        for field in schema.get_fields() {
            walk(field, field.name().to_string(), &mut found);
        }
        Columns(found)
    }

    /// A row as a JSON object.
    fn row(&self, row: &Row) -> Map<String, Value> {
        self.group(row, &mut String::new())
    }

    fn group(&self, row: &Row, path: &mut String) -> Map<String, Value> {
        let mut out = Map::new();
        for (name, field) in row.get_column_iter() {
            let len = path.len();
            if len > 0 {
                path.push('\u{1}');
            }
            path.push_str(name);
            out.insert(name.clone(), self.field(field, path));
            path.truncate(len);
        }
        out
    }

    fn kind(&self, path: &str) -> Option<Kind> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(path).copied()
    }

    /// A value as JSON, at `path` in the row.
    fn field(&self, f: &Field, path: &mut String) -> Value {
        match f {
            Field::Bytes(b) if self.kind(path) == Some(Kind::Uuid) && b.len() == 16 => uuid(b.data()),
            Field::Long(n) if self.kind(path) == Some(Kind::Nanos) => {
                Value::String(format_timestamp(n.div_euclid(1000)))
            }
            Field::Group(row) => Value::Object(self.group(row, path)),
            Field::ListInternal(list) => {
                Value::Array(list.elements().iter().map(|e| self.field(e, path)).collect())
            }
            Field::MapInternal(map) => {
                // No column is recorded under a map (see `Columns`): its values get a path that
                // names none.
                let len = path.len();
                path.push_str("\u{1}\u{0}");
                let entries = map.entries().iter().map(|(k, v)| {
                    let key = match k {
                        Field::Str(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (key, self.field(v, path))
                });
                let object = Value::Object(entries.collect());
                path.truncate(len);
                object
            }
            Field::Null => Value::Null,
            Field::Bool(b) => Value::Bool(*b),
            Field::Byte(n) => (*n).into(),
            Field::Short(n) => (*n).into(),
            Field::Int(n) => (*n).into(),
            Field::Long(n) => (*n).into(),
            Field::UByte(n) => (*n).into(),
            Field::UShort(n) => (*n).into(),
            Field::UInt(n) => (*n).into(),
            Field::ULong(n) => (*n).into(),
            Field::Float16(n) => float(f64::from(*n)),
            Field::Float(n) => float(f64::from(*n)),
            Field::Double(n) => float(*n),
            // Decimals are numbers (money in a warehouse's export is DECIMAL): an int when they
            // have no fraction and fit one, else the double nearest their digits, as a JSON
            // number with those digits reads.
            Field::Decimal(_) => decimal(&f.to_string()),
            Field::Str(s) => Value::String(s.clone()),
            Field::Bytes(b) => Value::String(String::from_utf8_lossy(b.data()).into_owned()),
            Field::Date(d) => Value::String(format_date(*d)),
            Field::TimeMillis(t) => (*t).into(),
            Field::TimeMicros(t) => (*t).into(),
            Field::TimestampMillis(t) => Value::String(format_timestamp(t.saturating_mul(1000))),
            Field::TimestampMicros(t) => Value::String(format_timestamp(*t)),
        }
    }
}

/// Records in `found` the special columns at or under `t`, whose row path is `path`.
fn walk(t: &Type, path: String, found: &mut HashMap<String, Kind>) {
    let info = t.get_basic_info();
    if !t.is_group() {
        let kind = match info.logical_type_ref() {
            Some(LogicalType::Uuid) => Some(Kind::Uuid),
            Some(LogicalType::Timestamp(ts)) if ts.unit == TimeUnit::NANOS => Some(Kind::Nanos),
            _ => None,
        };
        if let Some(kind) = kind {
            found.insert(path, kind);
        }
        return;
    }
    let list = info.converted_type() == ConvertedType::LIST
        || matches!(info.logical_type_ref(), Some(LogicalType::List));
    let map = matches!(info.converted_type(), ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE)
        || matches!(info.logical_type_ref(), Some(LogicalType::Map));
    if map {
        return;
    }
    if list {
        // A list's repeated child is its element, or wraps it when it is a group of one field
        // (the standard three levels); either way the element sits at the list's own path.
        if let Some(repeated) = t.get_fields().first() {
            let element = match repeated.get_fields() {
                [only] if repeated.is_group() => only,
                _ => repeated,
            };
            walk(element, path, found);
        }
        return;
    }
    for field in t.get_fields() {
        walk(field, format!("{path}\u{1}{}", field.name()), found);
    }
}

/// The canonical text of a UUID's 16 bytes: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
fn uuid(bytes: &[u8]) -> Value {
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{b:02x}");
    }
    Value::String(s)
}

/// A decimal's digits (`-12.50`, `7`) as a JSON number.
fn decimal(digits: &str) -> Value {
    if let Ok(i) = digits.parse::<i64>() {
        return i.into();
    }
    digits.parse::<f64>().map_or_else(|_| Value::String(digits.to_string()), float)
}

fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}
