//! Output: profiles as JSON lines (SPEC 8 "Profile output"), the run report, atomic writes.

pub mod report;

use crate::ingest::Ident;
use crate::value::{Map, Value};
use serde_json::{Number, Value as Json};
use std::io::Write;
use std::path::Path;

/// One merged, evaluated profile, ready to print.
#[derive(Debug, Clone)]
pub struct Profile {
    pub profile_id: String,
    /// Sorted by namespace, then value.
    pub identities: Vec<Ident>,
    pub entity: Map,
    /// Sorted.
    pub audiences: Vec<String>,
    /// Sorted dataset names.
    pub sources: Vec<String>,
    /// µs since the epoch.
    pub last_modified: Option<i64>,
}

/// Formats µs since the epoch as RFC 3339 UTC with milliseconds: `2026-10-01T12:00:00.000Z`.
pub fn format_timestamp(us: i64) -> String {
    match jiff::Timestamp::from_microsecond(us) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => us.to_string(),
    }
}

/// Formats days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days(days as i64))
        .map_or_else(|_| days.to_string(), |d| d.to_string())
}

/// A runtime value as JSON: timestamps and dates as strings, ints stay ints, doubles round-trip
/// (a non-finite double, which JSON cannot hold, becomes null).
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::Number((*i).into()),
        Value::Double(d) => Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::Timestamp(t) => Json::String(format_timestamp(*t)),
        Value::Date(d) => Json::String(format_date(*d)),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(m) => map_to_json(m),
    }
}

fn map_to_json(m: &Map) -> Json {
    Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
}

impl Profile {
    /// The profile as one JSON object, fields in SPEC order.
    pub fn to_json(&self) -> Json {
        let mut o = serde_json::Map::new();
        o.insert("profileId".into(), Json::String(self.profile_id.clone()));
        let ids = self
            .identities
            .iter()
            .map(|i| serde_json::json!({"namespace": i.namespace, "id": i.id}))
            .collect();
        o.insert("identities".into(), Json::Array(ids));
        o.insert("entity".into(), map_to_json(&self.entity));
        o.insert("audiences".into(), self.audiences.iter().map(|a| Json::String(a.clone())).collect());
        o.insert("sources".into(), self.sources.iter().map(|a| Json::String(a.clone())).collect());
        let lm = self.last_modified.map_or(Json::Null, |t| Json::String(format_timestamp(t)));
        o.insert("lastModifiedAt".into(), lm);
        Json::Object(o)
    }

    /// The profile as one line of `profiles.jsonl` (without the newline).
    pub fn to_line(&self) -> String {
        self.to_json().to_string()
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename, so
/// a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().to_string());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Writes profiles (already sorted by profileId) as JSON lines.
pub fn write_profiles(path: &Path, lines: &[String]) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        buf.extend_from_slice(l.as_bytes());
        buf.push(b'\n');
    }
    write_atomic(path, &buf)
}
