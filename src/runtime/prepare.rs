//! Flattening stored batches into ordered records and events: ingestion order, record times,
//! event de-duplication by `_id`, and the links between identities.

use super::rows::Rows;
use crate::ingest::typed::{project_path, to_value};
use crate::ingest::{Batch, Ident, Rejection};
use crate::ir::{EventPath, Type};
use crate::store::{BatchEntry, PackedJson};
use crate::value::Value;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

/// A profile record with everything the later stages need.
#[derive(Debug, Clone)]
pub struct Rec {
    /// Index into `Project.datasets`.
    pub dataset: u32,
    /// Index of its batch in the sorted batch list.
    pub batch: u32,
    pub line: u32,
    /// Ingestion order: batches in id order, lines in file order.
    pub seq: u64,
    /// Record time (µs), the batch's ingestion time when the record has none.
    pub time: i64,
    pub primary: Ident,
    /// The record as ingested, packed (see [`PackedJson`]).
    pub body: PackedJson,
}

/// An experience event.
#[derive(Debug, Clone)]
pub struct Ev {
    pub dataset: u32,
    pub batch: u32,
    pub line: u32,
    pub seq: u64,
    pub time: i64,
    pub primary: Ident,
    /// The whole event when `offset` is `None` (see `ingest::Event::body`).
    pub body: Option<Box<serde_json::Value>>,
    /// The event's value at each event path of the program, in that order, typed as the
    /// program reads it (strings of one batch share their text).
    pub fields: Box<[Value]>,
    /// How many of those values had the wrong type (and became null), for the report.
    pub mismatches: u32,
    /// Byte offset of the event's line in its JSONL batch file.
    pub offset: Option<u64>,
}

/// Two identities seen in one record or event.
#[derive(Debug, Clone)]
pub struct Link {
    pub a: Ident,
    pub b: Ident,
    pub time: i64,
    pub seq: u64,
    pub dataset: u32,
    pub batch: u32,
    pub line: u32,
}

/// Everything flattened, in ingestion order.
#[derive(Debug, Default)]
pub struct Prepared {
    pub records: Rows<Rec>,
    /// De-duplicated events.
    pub events: Rows<Ev>,
    pub links: Rows<Link>,
    pub duplicate_events: u64,
    /// Whether some stored events lack a path asked for (ingested for other policies and not
    /// re-read since): their values are missing, so results would be wrong.
    pub missing_fields: bool,
}

/// The sequence number of a line: batch order first, then line order.
pub fn seq_of(batch: u32, line: u32) -> u64 {
    (u64::from(batch) << 32) | u64::from(line)
}

/// One batch flattened: what the later stages need of it, and what the report says of it.
/// A batch is flattened as soon as it is read, so the whole batches never pile up in memory.
#[derive(Debug, Default)]
pub struct Part {
    /// Batch id and dataset name.
    pub id: String,
    pub dataset: String,
    /// Records and events read (before de-duplication), identities dropped as invalid.
    pub record_count: u64,
    pub event_count: u64,
    pub dropped_identities: u64,
    pub rejections: Vec<Rejection>,
    records: Vec<Rec>,
    events: Vec<Ev>,
    /// The `_id` of each event, in `id_text`.
    ids: Vec<Option<EventId>>,
    /// The `_id`s of the batch's events, one after the other (one allocation per batch).
    id_text: String,
    links: Vec<Link>,
    missing_fields: bool,
}

/// Where an event's `_id` is in its part's `id_text`, and its hash.
#[derive(Debug, Clone, Copy)]
struct EventId {
    hash: u64,
    start: usize,
    end: usize,
}

/// Joins the parts of every batch (in batch order) and de-duplicates events by `_id` in
/// ingestion order: the duplicates are found first, in parallel ([`duplicates`]); each then
/// takes the place of the first event with its id and leaves its own. No other row moves: the
/// parts' rows become the chunks of the run's.
pub fn merge(mut parts: Vec<Part>) -> Prepared {
    // Events are numbered across parts, in ingestion order.
    let starts: Vec<usize> = parts
        .iter()
        .scan(0, |n, p| {
            let start = *n;
            *n += p.events.len();
            Some(start)
        })
        .collect();
    let dups = duplicates(&parts, &starts);
    let locate = |g: usize| locate(&starts, g);
    let mut left: Vec<Vec<usize>> = vec![Vec::new(); parts.len()];
    for &(dup, first) in &dups {
        // Same `_id` in the same dataset: the last ingested wins, in the first one's place
        // (SPEC 4). Dups come in ingestion order, so a later one replaces an earlier one.
        let ((pd, id), (pf, i_f)) = (locate(dup), locate(first));
        match pd == pf {
            true => parts[pd].events.swap(i_f, id),
            false => {
                let (head, tail) = parts.split_at_mut(pd);
                if let (Some(f), Some(d)) = (head[pf].events.get_mut(i_f), tail[0].events.get_mut(id)) {
                    std::mem::swap(f, d);
                }
            }
        }
        left[pd].push(id);
    }
    let mut out = Prepared { duplicate_events: dups.len() as u64, ..Prepared::default() };
    for (mut part, left) in parts.into_iter().zip(left) {
        out.missing_fields |= part.missing_fields;
        if !left.is_empty() {
            let mut at = 0;
            let mut left = left.iter().peekable();
            part.events.retain(|_| {
                at += 1;
                left.next_if(|&&i| i == at - 1).is_none()
            });
        }
        out.records.append(part.records);
        out.events.append(part.events);
        out.links.append(part.links);
    }
    out
}

/// The part and index of event number `g`, parts' events numbered from `starts` (an empty
/// part starts where the next one does).
fn locate(starts: &[usize], g: usize) -> (usize, usize) {
    let p = starts.partition_point(|&s| s <= g).saturating_sub(1);
    (p, g - starts.get(p).copied().unwrap_or(0))
}

/// The events that repeat the `(dataset, _id)` of an earlier one, as (event, first event with
/// that id), numbered from `starts`, sorted. Events are split by the hash of their `_id` among
/// the workers; each looks its share up by hash and compares the text, and keeps two different
/// ids with one hash (practically never) apart in a second table keyed by the text.
fn duplicates(parts: &[Part], starts: &[usize]) -> Vec<(usize, usize)> {
    let shards = rayon::current_num_threads().max(1) as u64;
    let with_id = parts.iter().flat_map(|p| &p.ids).filter(|id| id.is_some()).count();
    let mut dups: Vec<(usize, usize)> = (0..shards)
        .into_par_iter()
        .flat_map_iter(|shard| {
            let capacity = with_id / shards as usize + 16;
            // (dataset, hash) → the number of the first event with that hash. Its part and id
            // are found again from the number when a later event has the same hash (rarely
            // more than once per id): the table is largest at the run's peak of memory.
            let mut by_hash: FxHashMap<(u32, u64), usize> =
                FxHashMap::with_capacity_and_hasher(capacity, Default::default());
            let first_id = |g: usize| {
                let (p, i) = locate(starts, g);
                let part = parts.get(p)?;
                let id = (*part.ids.get(i)?)?;
                part.id_text.get(id.start..id.end)
            };
            let mut by_text: FxHashMap<(u32, &str), usize> = FxHashMap::default();
            let mut found = Vec::new();
            for (part, start) in parts.iter().zip(starts) {
                let text = |id: &EventId| part.id_text.get(id.start..id.end).unwrap_or_default();
                for ((g, id), ev) in (*start..).zip(&part.ids).zip(&part.events) {
                    let Some(id) = id.filter(|id| id.hash % shards == shard) else { continue };
                    let own = text(&id);
                    if let Some(&first) = by_text.get(&(ev.dataset, own)) {
                        found.push((g, first));
                        continue;
                    }
                    match by_hash.entry((ev.dataset, id.hash)) {
                        Entry::Occupied(slot) => {
                            let first = *slot.get();
                            match first_id(first) == Some(own) {
                                true => found.push((g, first)),
                                false => {
                                    by_text.insert((ev.dataset, own), g);
                                }
                            }
                        }
                        Entry::Vacant(slot) => {
                            slot.insert(g);
                        }
                    }
                }
            }
            found
        })
        .collect();
    dups.sort_unstable();
    dups
}

/// Flattens batch number `bi` (its index in the sorted batch list). `dataset_index` maps
/// dataset names to indexes; a batch of a dataset no longer declared keeps only its counts.
/// Each event's values at `paths` (the program's event paths) land in [`Ev::fields`], taken
/// from what ingest extracted.
pub fn flatten(
    bi: u32,
    dataset_index: &HashMap<&str, u32>,
    entry: &BatchEntry,
    batch: Batch,
    paths: &[EventPath],
) -> Part {
    let mut out = Part {
        record_count: batch.records.len() as u64,
        event_count: batch.events.len() as u64,
        dropped_identities: batch.dropped_identities,
        rejections: batch.rejections,
        ..Part::default()
    };
    let Some(&dataset) = dataset_index.get(batch.dataset.as_str()) else {
        (out.id, out.dataset) = (batch.id, batch.dataset);
        return out;
    };
    // Where each asked path is among the batch's extracted ones.
    let at: Vec<Option<usize>> = paths
        .iter()
        .map(|p| batch.paths.as_ref().and_then(|kept| kept.iter().position(|k| *k == p.path)))
        .collect();
    let mut strings: FxHashSet<Arc<str>> = FxHashSet::default();
    // Every identity but the primary links to it: the links are counted first so that their
    // vector is allocated once, not grown by doubling (a copy and fresh pages each time).
    let others = |ids: &[Ident]| ids.len().saturating_sub(1);
    let links = batch.records.iter().map(|r| others(&r.identities)).sum::<usize>()
        + batch.events.iter().map(|e| others(&e.identities)).sum::<usize>();
    out.links.reserve_exact(links);
    out.records.reserve_exact(batch.records.len());
    for r in batch.records {
        let seq = seq_of(bi, r.line);
        let time = r.time.unwrap_or(entry.ingested_at);
        let Some((primary, others)) = split_primary(r.identities, r.primary) else { continue };
        links_of(&mut out.links, others, &primary, time, seq, (dataset, bi, r.line));
        out.records.push(Rec { dataset, batch: bi, line: r.line, seq, time, primary, body: r.body });
    }
    out.events.reserve_exact(batch.events.len());
    out.ids.reserve_exact(batch.events.len());
    out.id_text.reserve_exact(batch.events.iter().map(|e| e.id.as_ref().map_or(0, String::len)).sum());
    for e in batch.events {
        let seq = seq_of(bi, e.line);
        let mut mismatches = 0u64;
        let fields = paths
            .iter()
            .zip(&at)
            .map(|(p, at)| {
                let projected;
                let json = match at.and_then(|i| e.fields.get(i)) {
                    Some(v) => v,
                    None if e.offset.is_none() => {
                        projected = project_path(&e.body, &p.path);
                        &projected
                    }
                    None => {
                        out.missing_fields = true;
                        &serde_json::Value::Null
                    }
                };
                match (json, &p.ty) {
                    // A string kept as a string (what `to_value` makes of it) is looked up before
                    // it is copied: most are repeats.
                    (serde_json::Value::String(s), Type::String | Type::Any | Type::Null) => {
                        Value::String(shared_string(s, &mut strings))
                    }
                    _ => share_strings(to_value(json, &p.ty, &mut mismatches), &mut strings),
                }
            })
            .collect();
        let mismatches = u32::try_from(mismatches).unwrap_or(u32::MAX);
        let Some((primary, others)) = split_primary(e.identities, e.primary) else { continue };
        links_of(&mut out.links, others, &primary, e.time, seq, (dataset, bi, e.line));
        let body = e.offset.is_none().then(|| Box::new(e.body));
        let (line, time, offset) = (e.line, e.time, e.offset);
        let ev = Ev { dataset, batch: bi, line, seq, time, primary, body, fields, mismatches, offset };
        out.ids.push(e.id.map(|id| {
            let start = out.id_text.len();
            out.id_text.push_str(&id);
            EventId { hash: FxBuildHasher.hash_one(id.as_str()), start, end: out.id_text.len() }
        }));
        out.events.push(ev);
    }
    (out.id, out.dataset) = (batch.id, batch.dataset);
    out
}

/// The text in `strings` equal to `s`, added when new.
fn shared_string(s: &str, strings: &mut FxHashSet<Arc<str>>) -> Arc<str> {
    if let Some(shared) = strings.get(s) {
        return Arc::clone(shared);
    }
    let new: Arc<str> = s.into();
    strings.insert(Arc::clone(&new));
    new
}

/// `value` with a string top-level value replaced by the equal one already in `strings` (most
/// event values are a few strings repeated, such as event types).
fn share_strings(value: Value, strings: &mut FxHashSet<Arc<str>>) -> Value {
    match value {
        Value::String(s) => match strings.get(&s) {
            Some(shared) => Value::String(Arc::clone(shared)),
            None => {
                strings.insert(Arc::clone(&s));
                Value::String(s)
            }
        },
        other => other,
    }
}

/// A record's identities (distinct, as ingest found them) split into the primary one, at
/// `primary`, and the others in their order; `None` when there is no such identity.
fn split_primary(mut ids: Vec<Ident>, primary: u32) -> Option<(Ident, Vec<Ident>)> {
    let primary = primary as usize;
    (primary < ids.len()).then(|| (ids.remove(primary), ids))
}

/// Links the primary identity with every other identity of the record (a star: the graph's
/// components are the same as with every pair, with fewer links).
fn links_of(
    links: &mut Vec<Link>,
    others: Vec<Ident>,
    primary: &Ident,
    time: i64,
    seq: u64,
    at: (u32, u32, u32),
) {
    for other in others.into_iter().filter(|i| i != primary) {
        let (dataset, batch, line) = at;
        links.push(Link { a: *primary, b: other, time, seq, dataset, batch, line });
    }
}

#[cfg(test)]
#[path = "prepare_tests.rs"]
mod tests;
