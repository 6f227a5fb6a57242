//! Single batches for `mosaic watch`'s incremental evaluation: store only what is new (under
//! the same manifest rules as a run) and flatten one batch at a fixed place in ingestion order.

use super::batches::Reconciled;
use super::prepare::{self, Prepared};
use super::Error;
use crate::ingest::{self, Batch};
use crate::ir::EventPath;
use crate::policy::Project;
use crate::store::{BatchEntry, Store};
use std::collections::HashMap;

/// What [`ingest_new`] changed in the store.
#[derive(Debug, Default)]
pub struct Ingested {
    /// Batches stored by this call (new files and changed ones), sorted by id.
    pub added: Vec<(BatchEntry, Batch)>,
    /// Ids of the batches whose files are gone (removed from the store).
    pub removed: Vec<String>,
}

/// Stores the batch files not stored yet (or changed since) and forgets the ones whose file is
/// gone, exactly as a run's ingest stage does (same manifest entries, fingerprints, ingestion
/// times and crash hook), but without loading the batches already stored.
pub fn ingest_new(
    project: &Project,
    store: &Store,
    keep: &ingest::Keep,
    now: i64,
) -> Result<Ingested, Error> {
    let plan = Reconciled::open(project, store, keep, now)?;
    let mut added = Vec::new();
    for f in plan.files.iter().filter(|f| plan.is_fresh(f)) {
        let batch = ingest::read_batch(project, f, keep);
        let entry = plan.entry(f);
        store.put_batch(&entry, &batch)?;
        plan.crash_hook(added.len() as u64 + 1);
        added.push((entry, batch));
    }
    Ok(Ingested { added, removed: plan.removed })
}

/// One batch flattened at `rank` in the ingestion order.
#[derive(Debug, Default)]
pub struct Flat {
    /// Records, de-duplicated events and links, numbered `batch = rank`,
    /// `seq = rank << 32 | line`.
    pub prepared: Prepared,
    /// The `_id` of each event of `prepared.events`, for de-duplication across batches.
    pub ids: Vec<Option<std::sync::Arc<str>>>,
}

/// Flattens one batch with [`prepare::flatten`] at `rank` (its `batch`; `seq = rank << 32 |
/// line`). Every comparison of the later stages looks at the order of `batch` and `seq`, never
/// at their values, so any ranks in batch-id order give the results of a run's dense numbering.
pub fn flatten_batch(
    entry: BatchEntry,
    batch: Batch,
    dataset_index: &HashMap<&str, u32>,
    paths: &[EventPath],
    rank: u32,
) -> Flat {
    // Shared strings, made here on the worker that flattens the batch: the session keeps
    // each id twice (with its event and in its index of ids).
    let id_of: HashMap<u32, std::sync::Arc<str>> =
        batch.events.iter().filter_map(|e| Some((e.line, e.id.as_deref()?.into()))).collect();
    let part = prepare::flatten(rank, dataset_index, &entry, batch, paths);
    let prepared = prepare::merge(vec![part]);
    let ids = prepared.events.iter().map(|e| id_of.get(&e.line).cloned()).collect();
    Flat { prepared, ids }
}
