//! Output: profiles as JSON lines (SPEC 8 "Profile output"), the run report, atomic writes.

pub mod report;

use crate::civil;
use crate::ingest::Ident;
use crate::value::{Map, Value};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Number, Value as Json};
use std::borrow::Cow;
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

/// µs in a day.
const DAY_US: i64 = 86_400_000_000;
/// The days from 1970-01-01 to 0001-01-01 and to 9999-01-01: the dates written directly.
const FIRST_DAY: i64 = civil::days_from_civil(1, 1, 1);
const END_DAY: i64 = civil::days_from_civil(9999, 1, 1);

/// Formats µs since the epoch as RFC 3339 UTC with milliseconds (dropping the rest, as jiff's
/// `%.3f` does): `2026-10-01T12:00:00.000Z`. Times from 1970 to 9998 are written directly (a
/// profile line has several; jiff's `strftime` read its format each time), the rest by jiff.
pub fn format_timestamp(us: i64) -> String {
    if (0..END_DAY * DAY_US).contains(&us) {
        let (days, in_day) = (us / DAY_US, us % DAY_US);
        let mut out = format_date_days(days);
        let seconds = in_day / 1_000_000;
        out.push('T');
        civil::push_digits(&mut out, seconds / 3600, 2);
        out.push(':');
        civil::push_digits(&mut out, seconds / 60 % 60, 2);
        out.push(':');
        civil::push_digits(&mut out, seconds % 60, 2);
        out.push('.');
        civil::push_digits(&mut out, in_day % 1_000_000 / 1000, 3);
        out.push('Z');
        return out;
    }
    match jiff::Timestamp::from_microsecond(us) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => us.to_string(),
    }
}

/// Formats days since 1970-01-01 as `YYYY-MM-DD`.
pub fn format_date(days: i32) -> String {
    let days = i64::from(days);
    if (FIRST_DAY..END_DAY).contains(&days) {
        return format_date_days(days);
    }
    // Past jiff's range (a date computed by a rule can be), the day count itself: `days` on a
    // span panics there, `try_days` says so.
    jiff::Span::new()
        .try_days(days)
        .and_then(|span| jiff::civil::date(1970, 1, 1).checked_add(span))
        .map_or_else(|_| days.to_string(), |d| d.to_string())
}

/// `YYYY-MM-DD` of a day in years 1–9998, with room for a time after it.
fn format_date_days(days: i64) -> String {
    let (year, month, day) = civil::civil_from_days(days);
    let mut out = String::with_capacity(24);
    civil::push_digits(&mut out, year, 4);
    out.push('-');
    civil::push_digits(&mut out, month, 2);
    out.push('-');
    civil::push_digits(&mut out, day, 2);
    out
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
        // Serialized straight from the profile, without building a `Json` tree first: the same
        // bytes as `self.to_json().to_string()`, with far fewer allocations.
        serde_json::to_string(&LineOf(self)).unwrap_or_else(|_| self.to_json().to_string())
    }
}

/// What commands read of a profile line without its entity, which is skipped unparsed: the
/// store's profiles are lines of `profiles.jsonl`, and reading back a whole one builds a JSON
/// tree for nothing. Strings borrow from the line where they hold no escapes.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LineHead<'a> {
    #[serde(borrow)]
    pub profile_id: Cow<'a, str>,
    #[serde(borrow)]
    pub identities: Vec<LineIdentity<'a>>,
    #[serde(borrow)]
    pub sources: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    pub audiences: Vec<Cow<'a, str>>,
}

/// An identity of a [`LineHead`].
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LineIdentity<'a> {
    #[serde(borrow)]
    pub namespace: Cow<'a, str>,
    #[serde(borrow)]
    pub id: Cow<'a, str>,
}

impl<'a> LineHead<'a> {
    pub fn parse(line: &'a str) -> serde_json::Result<LineHead<'a>> {
        serde_json::from_str(line)
    }
}

/// A profile serialized as its output line (the fields and order of [`Profile::to_json`]).
struct LineOf<'a>(&'a Profile);

/// A runtime value serialized as [`to_json`] converts it.
struct ValueOf<'a>(&'a Value);

/// An identity serialized as `{"namespace": …, "id": …}`.
struct IdentOf<'a>(&'a Ident);

impl Serialize for LineOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.0;
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("profileId", &p.profile_id)?;
        m.serialize_entry("identities", &p.identities.iter().map(IdentOf).collect::<Vec<_>>())?;
        m.serialize_entry("entity", &MapOf(&p.entity))?;
        m.serialize_entry("audiences", &p.audiences)?;
        m.serialize_entry("sources", &p.sources)?;
        m.serialize_entry("lastModifiedAt", &p.last_modified.map(format_timestamp))?;
        m.end()
    }
}

impl Serialize for IdentOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("namespace", &self.0.namespace)?;
        m.serialize_entry("id", &self.0.id)?;
        m.end()
    }
}

/// An object serialized key by key, in the map's (sorted) order.
struct MapOf<'a>(&'a Map);

impl Serialize for MapOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, ValueOf(v))))
    }
}

impl Serialize for ValueOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            // A non-finite double, which JSON cannot hold, is null (as in `to_json`).
            Value::Double(d) if d.is_finite() => s.serialize_f64(*d),
            Value::Double(_) => s.serialize_unit(),
            Value::String(v) => s.serialize_str(v),
            Value::Timestamp(t) => s.serialize_str(&format_timestamp(*t)),
            Value::Date(d) => s.serialize_str(&format_date(*d)),
            Value::Array(a) => s.collect_seq(a.iter().map(ValueOf)),
            Value::Object(m) => MapOf(m).serialize(s),
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, then a rename, so
/// a reader never sees half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// [`write_atomic`] with the content streamed by `fill` (through a buffer), so that a large
/// file is never built whole in memory.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_pending(path, fill)?.finish()
}

/// The first half of [`write_atomic_with`]: the content is written to a temporary file next to
/// `path`, which [`Pending::finish`] syncs and renames to `path` (reading it back meanwhile
/// needs no wait for the disk).
pub fn write_pending(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<Pending> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().map_or_else(|| "out".into(), |n| n.to_string_lossy().to_string());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let pending = Pending { tmp, path: path.into(), finished: false };
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&pending.tmp)?);
    fill(&mut f)?;
    f.into_inner().map_err(std::io::IntoInnerError::into_error)?;
    Ok(pending)
}

/// A file written under a temporary name, not yet in place. Dropped unfinished (an error on
/// the way), it leaves no temporary file behind.
#[derive(Debug)]
pub struct Pending {
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
    finished: bool,
}

impl Pending {
    /// Where the content is until [`Pending::finish`].
    pub fn written(&self) -> &Path {
        &self.tmp
    }

    /// Syncs the content to disk and renames it to its path.
    pub fn finish(mut self) -> std::io::Result<()> {
        std::fs::File::open(&self.tmp)?.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes profiles (already sorted by profileId) as JSON lines.
pub fn write_profiles<'a>(path: &Path, lines: impl Iterator<Item = &'a str>) -> std::io::Result<()> {
    write_atomic_with(path, |f| {
        for l in lines {
            f.write_all(l.as_bytes())?;
            f.write_all(b"\n")?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_pending_file_is_in_place_once_finished_and_gone_if_dropped() {
        let dir = crate::runtime::fixture::temp_dir("pending");
        let path = dir.join("out.jsonl");
        let pending = write_pending(&path, |f| f.write_all(b"one\n")).expect("written");
        let tmp = pending.written().to_path_buf();
        assert!(!path.exists() && tmp.exists());
        // Open before the rename, read after it.
        let mut opened = std::fs::File::open(&tmp).expect("open");
        pending.finish().expect("placed");
        assert!(!tmp.exists());
        let mut text = String::new();
        std::io::Read::read_to_string(&mut opened, &mut text).expect("read");
        assert_eq!((text.as_str(), std::fs::read_to_string(&path).ok().as_deref()), ("one\n", Some("one\n")));
        let dropped = write_pending(&dir.join("other.jsonl"), |f| f.write_all(b"x")).expect("written");
        let tmp = dropped.written().to_path_buf();
        drop(dropped);
        assert!(!tmp.exists() && !dir.join("other.jsonl").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn by_jiff(us: i64) -> String {
        match jiff::Timestamp::from_microsecond(us) {
            Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            Err(_) => us.to_string(),
        }
    }

    #[test]
    fn timestamps_and_dates_read_as_jiff_writes_them() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp(1_790_000_000_123_999), by_jiff(1_790_000_000_123_999));
        for us in [-1, -86_400_000_000, END_DAY * DAY_US - 1, END_DAY * DAY_US, i64::MAX, i64::MIN] {
            assert_eq!(format_timestamp(us), by_jiff(us), "{us}");
        }
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_date(-2_500), "1963-02-27");
        // Past jiff's range: the day count, not a panic.
        assert_eq!(format_date(i32::MAX), i32::MAX.to_string());
        assert_eq!(format_date(i32::MIN), i32::MIN.to_string());
    }

    proptest! {
        #[test]
        fn format_timestamp_agrees_with_jiff(us in prop_oneof![0i64..4_000_000_000_000_000, -100_000_000_000_000i64..0, 253_370_000_000_000_000i64..253_402_400_000_000_000]) {
            prop_assert_eq!(format_timestamp(us), by_jiff(us));
        }

        #[test]
        fn format_date_agrees_with_jiff(days in -800_000i32..3_000_000) {
            let by_jiff = jiff::Span::new()
                .try_days(i64::from(days))
                .and_then(|span| jiff::civil::date(1970, 1, 1).checked_add(span))
                .map_or_else(|_| days.to_string(), |d| d.to_string());
            prop_assert_eq!(format_date(days), by_jiff);
        }
    }
}
