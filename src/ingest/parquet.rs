//! Parquet batches: each row becomes a JSON object (groups → objects, lists → arrays,
//! timestamps → RFC 3339 strings, dates → `YYYY-MM-DD`), then goes the way of a JSON line.

use super::line::{ingest_object, reject, Context};
use super::record::{Batch, Reason};
use crate::output::{format_date, format_timestamp};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::{Field, Row};
use serde_json::{Map, Number, Value};
use std::path::Path;

/// Reads a whole Parquet file into `batch`; rows are numbered from 1.
pub fn ingest_parquet(cx: &Context, batch: &mut Batch, path: &Path) {
    let reader = match std::fs::File::open(path)
        .map_err(|e| e.to_string())
        .and_then(|f| SerializedFileReader::try_from(f).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => return reject(batch, 0, Reason::UnreadableFile, e, ""),
    };
    let rows = match reader.get_row_iter(None) {
        Ok(rows) => rows,
        Err(e) => return reject(batch, 0, Reason::UnreadableFile, e.to_string(), ""),
    };
    for (i, row) in rows.enumerate() {
        let line = i as u32 + 1;
        match row {
            Ok(row) => {
                let obj = row_to_json(&row);
                let raw = Value::Object(obj.clone()).to_string();
                if raw.len() > super::line::MAX_LINE_BYTES {
                    reject(batch, line, Reason::TooLarge, "row is over the size limit", &raw);
                    continue;
                }
                ingest_object(cx, batch, line, obj, None, &raw);
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
    let Ok(rows) = reader.get_row_iter(None) else { return Vec::new() };
    rows.take(max).map_while(Result::ok).map(|row| row_to_json(&row)).collect()
}

fn row_to_json(row: &Row) -> Map<String, Value> {
    row.get_column_iter().map(|(k, v)| (k.clone(), field_to_json(v))).collect()
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

fn field_to_json(f: &Field) -> Value {
    match f {
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
        Field::Group(row) => Value::Object(row_to_json(row)),
        Field::ListInternal(list) => Value::Array(list.elements().iter().map(field_to_json).collect()),
        Field::MapInternal(map) => Value::Object(
            map.entries()
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Field::Str(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (key, field_to_json(v))
                })
                .collect(),
        ),
    }
}
