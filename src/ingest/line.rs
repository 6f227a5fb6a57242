//! One input line (or row) → a record, an event or a rejection.

use super::identities::{self, json_path};
// An event's `_id` is text as an identity value is: strings as they are, numbers printed.
use super::idmap::scalar_text;
use super::record::{Batch, Event, Reason, Record, Rejection};
use super::shared::Shared;
use crate::policy::{Dataset, DatasetClass, Project};
use serde_json::{Map, Value};

/// What every line of one batch is read with.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub project: &'a Project,
    pub dataset: &'a Dataset,
    /// The identity values of the run (see [`Shared`]).
    pub shared: &'a Shared,
}

/// Lines longer than this are rejected (`tooLarge`). AEP's guardrails cap a record far lower
/// for events; 1 MB keeps big profile records while stopping runaway lines.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// How much of a rejected line is kept in the rejection file.
const MAX_RAW_KEPT: usize = 4096;

/// Parses an RFC 3339 timestamp into µs since the epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    s.trim().parse::<jiff::Timestamp>().ok().map(|t| t.as_microsecond())
}

/// Records a rejection of `raw` at `line`.
pub fn reject(batch: &mut Batch, line: u32, reason: Reason, detail: impl Into<String>, raw: &str) {
    let mut cut = raw.len().min(MAX_RAW_KEPT);
    while !raw.is_char_boundary(cut) {
        cut -= 1;
    }
    batch.rejections.push(Rejection { line, reason, detail: detail.into(), raw: raw[..cut].to_string() });
}

/// Parses one JSONL line of `dataset` into `batch`. Blank lines are skipped.
/// `plan`, when given, says which parts of the line to build (see [`super::sparse`]).
pub fn ingest_json_line(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    raw: &str,
    plan: Option<&super::sparse::Plan>,
) {
    if raw.trim().is_empty() {
        return;
    }
    if raw.len() > MAX_LINE_BYTES {
        let detail = format!("line of {} bytes is over the {} byte limit", raw.len(), MAX_LINE_BYTES);
        reject(batch, line, Reason::TooLarge, detail, raw);
        return;
    }
    if let Some((plan, slots)) = plan.and_then(|p| Some((p, p.slots.as_ref()?))) {
        if let Some((values, ids)) = super::scan::scan_slots(raw, slots) {
            ingest_slots(cx, batch, line, slots, values, ids, raw);
            return;
        }
        return ingest_parsed(cx, batch, line, plan.parse(raw), raw);
    }
    let parsed = match plan {
        Some(plan) => plan.parse(raw),
        None => serde_json::from_str::<Value>(raw).map(|v| (v, None)),
    };
    ingest_parsed(cx, batch, line, parsed, raw);
}

/// A parsed line into `batch`: a record or event when it is an object, else a rejection.
fn ingest_parsed(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    parsed: serde_json::Result<(Value, Option<super::idmap::IdentityMap>)>,
    raw: &str,
) {
    match parsed {
        Ok((Value::Object(obj), ids)) => ingest_object(cx, batch, line, obj, ids, raw),
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

/// Turns a parsed object into a record or event of `batch` (or a rejection). `raw` is the text
/// the object came from, kept for the rejection file.
pub fn ingest_object(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    mut obj: Map<String, Value>,
    ids: Option<super::idmap::IdentityMap>,
    raw: &str,
) {
    let dataset = cx.dataset;
    let found = identities::extract(cx.project, dataset, &obj, ids.as_ref(), cx.shared);
    batch.dropped_identities += found.dropped;
    if found.identities.is_empty() {
        reject(batch, line, Reason::NoIdentity, "no valid identity in identityMap or identity fields", raw);
        return;
    }
    let time = json_path(&obj, &dataset.timestamp).and_then(Value::as_str).and_then(parse_timestamp);
    match dataset.class {
        DatasetClass::Event => {
            let Some(time) = time else {
                return reject_time(cx, batch, line, raw);
            };
            let id = obj.get("_id").and_then(scalar_text);
            let (identities, primary) = (found.identities, found.primary as u32);
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
            batch.records.push(Record {
                line,
                time,
                identities: found.identities,
                primary: found.primary as u32,
                body: Value::Object(obj),
            });
        }
    }
}

/// An event line read by slots (`ingest::direct`): the same event, or the same rejection, as
/// [`ingest_object`] makes of the slim parse of the line, with its fields taken already.
fn ingest_slots(
    cx: &Context,
    batch: &mut Batch,
    line: u32,
    slots: &super::direct::Slots,
    mut values: Vec<Option<Value>>,
    ids: Option<super::idmap::IdentityMap>,
    raw: &str,
) {
    let fields = slots.identity_fields.iter().map(|&s| values.get(s).and_then(Option::as_ref));
    let found = identities::extract_from(cx.project, cx.dataset, ids.as_ref(), fields, cx.shared);
    batch.dropped_identities += found.dropped;
    if found.identities.is_empty() {
        reject(batch, line, Reason::NoIdentity, "no valid identity in identityMap or identity fields", raw);
        return;
    }
    let time =
        values.get(slots.time).and_then(Option::as_ref).and_then(Value::as_str).and_then(parse_timestamp);
    let Some(time) = time else {
        return reject_time(cx, batch, line, raw);
    };
    let id = values.get(slots.id).and_then(Option::as_ref).and_then(scalar_text);
    // Field slots are distinct (`Slots::new`), and the others are read already: each is moved.
    let fields =
        slots.fields.iter().map(|&s| values.get_mut(s).and_then(Option::take).unwrap_or(Value::Null));
    let fields = fields.collect();
    let (identities, primary) = (found.identities, found.primary as u32);
    batch.events.push(Event { line, id, time, identities, primary, body: Value::Null, fields, offset: None });
}

/// Rejects an event line without a valid time at the dataset's time path.
fn reject_time(cx: &Context, batch: &mut Batch, line: u32, raw: &str) {
    let detail = format!("event has no valid RFC 3339 `{}`", cx.dataset.timestamp);
    reject(batch, line, Reason::InvalidTimestamp, detail, raw);
}
