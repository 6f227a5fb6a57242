//! One input line (or row) → a record, an event or a rejection.

use super::identities::{self, json_path};
// An event's `_id` is text as an identity value is: strings as they are, numbers printed.
use super::idmap::scalar_text;
use super::record::{Batch, Event, Ident, Reason, Record, Rejection};
use super::text::Text;
use crate::policy::{Dataset, DatasetClass, Project};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What every line of one batch is read with.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub project: &'a Project,
    pub dataset: &'a Dataset,
}

/// Lines longer than this are rejected (`tooLarge`). AEP's guardrails cap a record far lower
/// for events; 1 MB keeps big profile records while stopping runaway lines.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// How much of a rejected line is kept in the rejection file.
const MAX_RAW_KEPT: usize = 4096;

/// Parses an RFC 3339 timestamp into µs since the epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let s = s.trim();
    utc_micros(s.as_bytes()).or_else(|| s.parse::<jiff::Timestamp>().ok().map(|t| t.as_microsecond()))
}

/// The shape nearly every event time has, `YYYY-MM-DDTHH:MM:SS[.fraction]Z` in 1970–9998,
/// read directly: jiff's general parser was a tenth of ingest's parsing time. Anything else
/// (offsets, a lowercase `t` or `z`, a space for `T`, leap seconds, other years (jiff's range
/// ends late in 9999), invalid dates) is `None` and left to jiff; for what it reads, the result
/// is jiff's (a property test compares them). Digits of the fraction past µs are dropped, as
/// `as_microsecond` does from 1970 on.
fn utc_micros(b: &[u8]) -> Option<i64> {
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1, b'T', h0, h1, b':', n0, n1, b':', s0, s1, rest @ ..] = b
    else {
        return None;
    };
    let digits = |ds: &[u8]| {
        ds.iter().try_fold(0i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let (year, month, day) = (digits(&[*y0, *y1, *y2, *y3])?, digits(&[*m0, *m1])?, digits(&[*d0, *d1])?);
    let (hour, minute, second) = (digits(&[*h0, *h1])?, digits(&[*n0, *n1])?, digits(&[*s0, *s1])?);
    let (micros, zone) = match rest {
        [b'.', fraction @ ..] => {
            let n = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&n) {
                return None;
            }
            let kept = &fraction[..n.min(6)];
            (digits(kept)? * 10i64.pow(6 - kept.len() as u32), &fraction[n..])
        }
        _ => (0, rest),
    };
    let valid = zone == b"Z"
        && (1970..=9998).contains(&year)
        && (1..=12).contains(&month)
        && (1..=crate::civil::days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| {
        (((crate::civil::days_from_civil(year, month, day) * 24 + hour) * 60 + minute) * 60 + second)
            * 1_000_000
            + micros
    })
}

/// Records a rejection of `raw` at `line`.
pub fn reject(batch: &mut Batch, line: u32, reason: Reason, detail: impl Into<String>, raw: &str) {
    let mut cut = raw.len().min(MAX_RAW_KEPT);
    while !raw.is_char_boundary(cut) {
        cut -= 1;
    }
    batch.rejections.push(Rejection { line, reason, detail: detail.into(), raw: raw[..cut].to_string() });
}

/// The identity values of the records and events read so far whose texts are not interned
/// yet: ingest interns them many at a time ([`Deferred::intern`], with `Text::intern_all`;
/// JSONL files a chunk of lines at a time, other files whole), which finds them in the table
/// several times faster than one at a time as each line is read. Until then those records and
/// events have no identities.
#[derive(Debug, Default)]
pub struct Deferred {
    /// The values, one after another.
    text: String,
    /// Per value: its row in the batch, namespace and place in `text`.
    values: Vec<(Row, Text, std::ops::Range<usize>)>,
}

/// A record or an event of a batch, by index.
#[derive(Debug, Clone, Copy)]
enum Row {
    Record(usize),
    Event(usize),
}

impl Deferred {
    fn add(&mut self, row: Row, values: &[(Text, Cow<'_, str>)]) {
        for (namespace, value) in values {
            let start = self.text.len();
            self.text.push_str(value);
            self.values.push((row, *namespace, start..self.text.len()));
        }
    }

    /// Gives the records and events in `batch` their identities, in the order their values
    /// were added.
    pub fn intern(&mut self, batch: &mut Batch) {
        if self.values.is_empty() {
            return;
        }
        let values: Vec<&str> = self.values.iter().map(|(_, _, at)| &self.text[at.clone()]).collect();
        let texts = Text::intern_all(&values);
        for (&(row, namespace, _), id) in self.values.iter().zip(texts) {
            let identities = match row {
                Row::Record(i) => batch.records.get_mut(i).map(|r| &mut r.identities),
                Row::Event(i) => batch.events.get_mut(i).map(|e| &mut e.identities),
            };
            if let Some(identities) = identities {
                identities.push(Ident { namespace, id });
            }
        }
        self.text.clear();
        self.values.clear();
    }
}

/// Parses one JSONL line of `dataset` into `batch`. Blank lines are skipped.
/// `plan`, when given, says which parts of the line to build (see [`super::sparse`]). Its record
/// or event gets its identities once `deferred` is interned.
pub fn ingest_json_line(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    raw: &str,
    plan: Option<&super::sparse::Plan>,
    deferred: &mut Deferred,
) {
    if raw.trim().is_empty() {
        return;
    }
    if reject_too_large(batch, line, "line", raw.len(), raw) {
        return;
    }
    if let Some((plan, slots)) = plan.and_then(|p| Some((p, p.slots.as_ref()?))) {
        if let Some((values, ids)) = super::scan::scan_slots(raw, slots) {
            ingest_slots(cx, batch, line, slots, values, ids, raw, deferred);
            return;
        }
        return ingest_parsed(cx, batch, line, plan.parse(raw), raw, deferred);
    }
    let parsed = match plan {
        Some(plan) => plan.parse(raw),
        None => serde_json::from_str::<Value>(raw).map(|v| (v, None)),
    };
    ingest_parsed(cx, batch, line, parsed, raw, deferred);
}

/// A parsed line into `batch`: a record or event when it is an object (its identities left to
/// `deferred`), else a rejection.
pub(super) fn ingest_parsed(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    parsed: serde_json::Result<(Value, Option<super::idmap::IdentityMap>)>,
    raw: &str,
    deferred: &mut Deferred,
) {
    match parsed {
        Ok((Value::Object(obj), ids)) => ingest_object(cx, batch, line, obj, ids, raw, deferred),
        Ok((other, _)) => {
            let detail = format!("a record must be a JSON object, not {}", json_kind(&other));
            reject(batch, line, Reason::NotAnObject, detail, raw);
        }
        Err(e) => reject(batch, line, Reason::InvalidJson, e.to_string(), raw),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Turns a parsed object into a record or event of `batch` (or a rejection), its identities
/// left to `deferred`. `raw` is the text the object came from, kept for the rejection file.
pub fn ingest_object(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    mut obj: Map<String, Value>,
    ids: Option<super::idmap::IdentityMap>,
    raw: &str,
    deferred: &mut Deferred,
) {
    let dataset = cx.dataset;
    let is_event = matches!(dataset.class, DatasetClass::Event);
    let time = json_path(&obj, &dataset.timestamp).and_then(Value::as_str).and_then(parse_timestamp);
    let row = if is_event { Row::Event(batch.events.len()) } else { Row::Record(batch.records.len()) };
    // The identities, read while the object is borrowed; handed to `deferred` once the row is
    // sure to be kept.
    let (has_identities, kept, primary, count) = {
        // The identity map as the parse read it, else from the object.
        let parsed =
            if ids.is_none() { obj.get("identityMap").and_then(super::idmap::from_value) } else { None };
        let fields = dataset.identities.iter().map(|field| json_path(&obj, &field.path));
        let found = identities::candidates(cx.project, dataset, ids.as_ref().or(parsed.as_ref()), fields);
        batch.dropped_identities += found.dropped;
        let has_identities = !found.values.is_empty();
        let kept = has_identities && (time.is_some() || !is_event);
        if kept {
            deferred.add(row, &found.values);
        }
        (has_identities, kept, found.primary as u32, found.values.len())
    };
    if !has_identities {
        return reject_no_identity(batch, line, raw);
    }
    let identities = Vec::with_capacity(count);
    match dataset.class {
        DatasetClass::Event => {
            // An event without a time was not kept: its identities were not handed on.
            let (Some(time), true) = (time, kept) else {
                return reject_time(cx, batch, line, raw);
            };
            let id = obj.get("_id").and_then(scalar_text);
            let body = Value::Object(obj);
            batch.events.push(Event {
                line,
                id,
                time,
                identities,
                primary,
                body,
                fields: Vec::new(),
                offset: None,
            });
        }
        DatasetClass::Profile => {
            obj.remove("identityMap");
            let body = crate::store::PackedJson::new(&Value::Object(obj));
            batch.records.push(Record { line, time, identities, primary, body });
        }
    }
}

/// An event line read by slots (`ingest::direct`): the same event, or the same rejection, as
/// [`ingest_object`] makes of the slim parse of the line, with its fields taken already and
/// its identities left to `deferred`.
#[allow(clippy::too_many_arguments)]
fn ingest_slots(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    slots: &super::direct::Slots,
    mut values: Vec<Option<Value>>,
    ids: Option<super::idmap::IdentityMap>,
    raw: &str,
    deferred: &mut Deferred,
) {
    let fields = slots.identity_fields.iter().map(|&s| values.get(s).and_then(Option::as_ref));
    let found = identities::candidates(cx.project, cx.dataset, ids.as_ref(), fields);
    batch.dropped_identities += found.dropped;
    if found.values.is_empty() {
        return reject_no_identity(batch, line, raw);
    }
    let time =
        values.get(slots.time).and_then(Option::as_ref).and_then(Value::as_str).and_then(parse_timestamp);
    let Some(time) = time else {
        return reject_time(cx, batch, line, raw);
    };
    let id = values.get(slots.id).and_then(Option::as_ref).and_then(scalar_text);
    deferred.add(Row::Event(batch.events.len()), &found.values);
    let (identities, primary) = (Vec::with_capacity(found.values.len()), found.primary as u32);
    drop(found);
    // Field slots are distinct (`Slots::new`), and the others are read already: each is moved.
    let fields =
        slots.fields.iter().map(|&s| values.get_mut(s).and_then(Option::take).unwrap_or(Value::Null));
    let fields = fields.collect();
    batch.events.push(Event { line, id, time, identities, primary, body: Value::Null, fields, offset: None });
}

/// Rejects a row of `size` bytes when that is over [`MAX_LINE_BYTES`] (`what` it is: a line, a
/// row, an array element), and says whether it did.
pub fn reject_too_large(batch: &mut Batch, line: u32, what: &str, size: usize, raw: &str) -> bool {
    if size <= MAX_LINE_BYTES {
        return false;
    }
    let detail = format!("{what} of {size} bytes is over the {MAX_LINE_BYTES} byte limit");
    reject(batch, line, Reason::TooLarge, detail, raw);
    true
}

/// Rejects a line with no valid identity.
fn reject_no_identity(batch: &mut Batch, line: u32, raw: &str) {
    reject(batch, line, Reason::NoIdentity, "no valid identity in identityMap or identity fields", raw);
}

/// Rejects an event line without a valid time at the dataset's time path.
fn reject_time(cx: &Context, batch: &mut Batch, line: u32, raw: &str) {
    let detail = format!("event has no valid RFC 3339 `{}`", cx.dataset.timestamp);
    reject(batch, line, Reason::InvalidTimestamp, detail, raw);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn by_jiff(s: &str) -> Option<i64> {
        s.trim().parse::<jiff::Timestamp>().ok().map(|t| t.as_microsecond())
    }

    #[test]
    fn the_direct_reading_is_jiffs() {
        for s in [
            "2026-07-06T22:41:04Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59.999999999Z",
            "2000-03-01T00:00:00.5Z",
            "9998-12-31T23:59:59.123456Z",
        ] {
            assert_eq!(utc_micros(s.as_bytes()), by_jiff(s), "{s}");
            assert!(utc_micros(s.as_bytes()).is_some(), "{s} is read directly");
        }
        // Left to jiff: invalid dates, leap seconds, offsets and other spellings, early years.
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-07-06T24:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-07-06T22:41:04+02:00",
            "2026-07-06t22:41:04z",
            "2026-07-06 22:41:04Z",
            "1969-12-31T23:59:59.5Z",
            "9999-12-31T23:59:59Z",
            "2026-07-06T22:41:04.Z",
            "2026-07-06T22:41:04.1234567890Z",
            "2026-07-06T22:41:04ZZ",
        ] {
            assert_eq!(utc_micros(s.as_bytes()), None, "{s}");
            assert_eq!(parse_timestamp(s), by_jiff(s), "{s}");
        }
    }

    proptest! {
        #[test]
        fn parse_timestamp_agrees_with_jiff(
            (year, month, day) in (prop_oneof![1960i64..2100, 9990i64..10000], 0i64..14, 0i64..33),
            (hour, minute, second) in (0i64..26, 0i64..62, 0i64..62),
            fraction in proptest::option::of("[0-9]{1,10}"),
            zone in prop_oneof![Just("Z"), Just("z"), Just("+01:00"), Just("")],
        ) {
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            let s = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{zone}");
            prop_assert_eq!(parse_timestamp(&s), by_jiff(&s), "{}", s);
        }
    }
}
