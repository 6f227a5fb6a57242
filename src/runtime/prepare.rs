//! Flattening stored batches into ordered records and events: ingestion order, record times,
//! event de-duplication by `_id`, and the links between identities.

use crate::ingest::{Batch, Ident};
use crate::store::BatchEntry;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

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
    pub body: serde_json::Value,
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
    /// The whole event when `offset` is `None` (see `ingest::Event::body`), else `Null`.
    pub body: serde_json::Value,
    /// The event's value at each path asked of [`prepare`], in that order.
    pub fields: Vec<serde_json::Value>,
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
    pub records: Vec<Rec>,
    /// De-duplicated events.
    pub events: Vec<Ev>,
    pub links: Vec<Link>,
    pub duplicate_events: u64,
    /// Whether some stored events lack a path asked for (ingested for other policies and not
    /// re-read since): their values are missing, so results would be wrong.
    pub missing_fields: bool,
}

/// The sequence number of a line: batch order first, then line order.
fn seq_of(batch: u32, line: u32) -> u64 {
    (u64::from(batch) << 32) | u64::from(line)
}

/// One batch flattened, before de-duplication across batches.
#[derive(Default)]
struct Part {
    records: Vec<Rec>,
    /// Each event with its `_id`.
    events: Vec<(Option<String>, Ev)>,
    links: Vec<Link>,
    missing_fields: bool,
}

/// Flattens `batches` (sorted by id). `dataset_index` maps dataset names to indexes; batches of
/// datasets no longer declared are skipped. Each event's values at `paths` (the program's
/// event paths) land in [`Ev::fields`], taken from what ingest extracted. Batches are
/// flattened in parallel; only the de-duplication by `_id` runs in ingestion order.
pub fn prepare(
    batches: Vec<(BatchEntry, Batch)>,
    dataset_index: &HashMap<&str, u32>,
    paths: &[Vec<String>],
) -> Prepared {
    let parts: Vec<Part> = batches
        .into_par_iter()
        .enumerate()
        .map(|(bi, (entry, batch))| match dataset_index.get(batch.dataset.as_str()) {
            Some(&dataset) => flatten(bi as u32, dataset, &entry, batch, paths),
            None => Part::default(),
        })
        .collect();
    let mut out = Prepared {
        records: Vec::with_capacity(parts.iter().map(|p| p.records.len()).sum()),
        events: Vec::with_capacity(parts.iter().map(|p| p.events.len()).sum()),
        links: Vec::with_capacity(parts.iter().map(|p| p.links.len()).sum()),
        ..Prepared::default()
    };
    let mut event_ids: FxHashMap<(u32, String), usize> = FxHashMap::default();
    for part in parts {
        out.missing_fields |= part.missing_fields;
        out.records.extend(part.records);
        out.links.extend(part.links);
        for (id, ev) in part.events {
            let Some(id) = id else {
                out.events.push(ev);
                continue;
            };
            match event_ids.entry((ev.dataset, id)) {
                // Same `_id` in the same dataset: the last ingested wins (SPEC 4).
                Entry::Occupied(at) => {
                    out.events[*at.get()] = ev;
                    out.duplicate_events += 1;
                }
                Entry::Vacant(slot) => {
                    slot.insert(out.events.len());
                    out.events.push(ev);
                }
            }
        }
    }
    out
}

/// Flattens batch number `bi` of `dataset`.
fn flatten(bi: u32, dataset: u32, entry: &BatchEntry, batch: Batch, paths: &[Vec<String>]) -> Part {
    let mut out = Part::default();
    // Where each asked path is among the batch's extracted ones.
    let at: Vec<Option<usize>> = paths
        .iter()
        .map(|p| batch.paths.as_ref().and_then(|kept| kept.iter().position(|k| k == p)))
        .collect();
    for r in batch.records {
        let seq = seq_of(bi, r.line);
        let time = r.time.unwrap_or(entry.ingested_at);
        let Some(primary) = r.identities.get(r.primary as usize).cloned() else { continue };
        links_of(&mut out.links, &r.identities, &primary, time, seq, (dataset, bi, r.line));
        out.records.push(Rec { dataset, batch: bi, line: r.line, seq, time, primary, body: r.body });
    }
    for mut e in batch.events {
        let seq = seq_of(bi, e.line);
        let fields = paths
            .iter()
            .zip(&at)
            .map(|(p, at)| match at.and_then(|i| e.fields.get_mut(i)) {
                Some(v) => std::mem::take(v),
                None if e.offset.is_none() => crate::ingest::typed::project_path(&e.body, p),
                None => {
                    out.missing_fields = true;
                    serde_json::Value::Null
                }
            })
            .collect();
        let Some(primary) = e.identities.get(e.primary as usize).cloned() else { continue };
        links_of(&mut out.links, &e.identities, &primary, e.time, seq, (dataset, bi, e.line));
        let (line, time, offset, body) = (e.line, e.time, e.offset, e.body);
        out.events.push((e.id, Ev { dataset, batch: bi, line, seq, time, primary, body, fields, offset }));
    }
    out
}

/// Links the primary identity with every other identity of the record (a star: the graph's
/// components are the same as with every pair, with fewer links).
fn links_of(links: &mut Vec<Link>, ids: &[Ident], primary: &Ident, time: i64, seq: u64, at: (u32, u32, u32)) {
    for other in ids.iter().filter(|i| *i != primary) {
        let (dataset, batch, line) = at;
        links.push(Link { a: primary.clone(), b: other.clone(), time, seq, dataset, batch, line });
    }
}
