//! The ingest stage: new batch files are read in parallel and committed to the store by one
//! writer (each batch whole with its manifest entry); stored batches are loaded back, so later
//! stages see every batch.

use super::prepare::Part;
use super::Error;
use crate::ingest::{self, Batch, BatchFile};
use crate::output::report::RunStats;
use crate::policy::Project;
use crate::store::{BatchEntry, Store};
use rayon::prelude::*;
use std::collections::HashMap;

/// Test hook: abort the process after this many committed batches (kill-and-resume tests).
const CRASH_ENV: &str = "MOSAIC_TEST_CRASH_AFTER_BATCHES";
/// Test hook: the ingestion time of new batches (RFC 3339) instead of the wall clock.
const INGEST_TIME_ENV: &str = "MOSAIC_TEST_INGEST_TIME";

/// A batch's manifest entry and its flattened data.
type Flat = (BatchEntry, Part);

/// Ingests the files not stored yet (or changed since) and returns every batch, sorted by id,
/// each already passed through `flatten` with its index in that list (so whole batches never
/// pile up in memory). `keep` says what ingest extracts from events.
pub fn ingest_all(
    project: &Project,
    store: &Store,
    keep: &ingest::Keep,
    now: i64,
    progress: &(dyn Fn(u64, u64) + Sync),
    flatten: &(dyn Fn(u32, &BatchEntry, Batch) -> Part + Sync),
) -> Result<(Vec<(BatchEntry, Part)>, RunStats), Error> {
    let plan = Reconciled::open(project, store, keep, now)?;
    // The batch list: every file read now or stored before (not deleted), in id order.
    let listed: Vec<(&BatchFile, bool)> = plan
        .files
        .iter()
        .filter_map(|f| match plan.is_fresh(f) {
            true => Some((f, true)),
            false => plan.is_stored(f).then_some((f, false)),
        })
        .collect();
    let index: HashMap<&str, u32> =
        listed.iter().enumerate().map(|(i, (f, _))| (f.id.as_str(), i as u32)).collect();
    let fresh: Vec<&BatchFile> = listed.iter().filter(|(_, fresh)| *fresh).map(|(f, _)| *f).collect();
    let total = fresh.len() as u64;
    // Each worker reads, encodes and flattens one batch at a time, so at most one whole batch
    // per worker is in memory. Every batch is a task of its own (`with_max_len(1)`): rayon
    // otherwise hands each worker a run of batches that no other worker can take over, and
    // on 2 threads one worker read alone for the last second of ingest. The encoded batches go
    // to one writer thread, which commits what has arrived in one transaction while the
    // workers go on reading: they never wait on the disk flush of a commit, only on a full
    // queue. A kill loses at most the batches not yet committed. The writer is a thread of its
    // own, not a rayon task: it blocks on the queue.
    let (send, receive) = std::sync::mpsc::sync_channel::<(BatchEntry, Vec<u8>)>(QUEUED);
    let plan = &plan;
    let (fresh, stored) = std::thread::scope(|scope| {
        let writer = scope.spawn(move || store_batches(store, plan, &receive, total, progress));
        let fresh: Vec<Option<(&str, Flat)>> = fresh
            .par_iter()
            .with_max_len(1)
            .map(|f| {
                let batch = ingest::read_batch(project, f, keep);
                let entry = plan.entry(f);
                // A failed writer drops the queue; its error is the one reported.
                send.send((entry.clone(), store.encode_batch(&batch))).ok()?;
                let part = flatten(index[f.id.as_str()], &entry, batch);
                Some((f.id.as_str(), (entry, part)))
            })
            .collect();
        drop(send);
        (fresh, writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    stored?;
    let mut parts: HashMap<&str, Flat> = HashMap::with_capacity(listed.len());
    parts.extend(fresh.into_iter().flatten());
    // Batches stored by earlier runs are decoded and flattened in parallel (redb reads do not
    // block each other).
    let earlier: Vec<Result<(&str, Flat), Error>> = listed
        .par_iter()
        .with_max_len(1)
        .filter(|(_, fresh)| !fresh)
        .filter_map(|(f, _)| Some((f, plan.manifest.get(&f.id)?)))
        .map(|(f, entry)| {
            // A batch missing from the store (it should not be) counts as empty.
            let batch = store.batch(&f.id)?.unwrap_or_else(|| Batch {
                id: f.id.clone(),
                dataset: f.dataset.clone(),
                ..Batch::default()
            });
            Ok((f.id.as_str(), (entry.clone(), flatten(index[f.id.as_str()], entry, batch))))
        })
        .collect();
    for e in earlier {
        let (id, part) = e?;
        parts.insert(id, part);
    }
    let all: Vec<(BatchEntry, Part)> =
        listed.iter().filter_map(|(f, _)| parts.remove(f.id.as_str())).collect();
    let stats = RunStats { ingested_batches: total, stored_batches: all.len() as u64 - total };
    Ok((all, stats))
}

/// How many encoded batches may wait for the store writer: enough to keep the workers reading
/// through a commit's disk flush, few enough to bound the memory they hold.
const QUEUED: usize = 4;
/// The store writer of [`ingest_all`]: commits the batches of `queue` as they arrive, each
/// time all that has arrived in one transaction, as long as it stays within
/// [`TRANSACTION_BYTES`](crate::store::TRANSACTION_BYTES) (a larger batch is a transaction
/// alone), and reports progress.
fn store_batches(
    store: &Store,
    plan: &Reconciled,
    queue: &std::sync::mpsc::Receiver<(BatchEntry, Vec<u8>)>,
    total: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<(), Error> {
    let mut committed = 0u64;
    // A batch taken from the queue that did not fit the last group: it opens the next one.
    let mut carried = None;
    while let Some(first) = carried.take().or_else(|| queue.recv().ok()) {
        let mut bytes = first.1.len();
        let mut group = vec![first];
        while group.len() < plan.commit_limit(committed) {
            let Ok(next) = queue.try_recv() else { break };
            if bytes + next.1.len() > crate::store::TRANSACTION_BYTES {
                carried = Some(next);
                break;
            }
            bytes += next.1.len();
            group.push(next);
        }
        store.put_encoded_batches(&group)?;
        committed += group.len() as u64;
        progress(committed, total);
        plan.crash_hook(committed);
    }
    Ok(())
}

/// A project's batch files checked against the store's manifest, with the rules for what is
/// read again and how it is recorded: shared by a run's ingest and `watch`'s.
pub(super) struct Reconciled<'p> {
    pub files: Vec<BatchFile>,
    pub manifest: HashMap<String, BatchEntry>,
    /// Ids of the stored batches whose file is gone (already removed from the store), sorted.
    pub removed: Vec<String>,
    /// The ingestion time of batches stored now.
    ingested_at: i64,
    crash_after: Option<u64>,
    fingerprints: HashMap<&'p str, String>,
}

impl<'p> Reconciled<'p> {
    /// Lists the batch files and forgets the stored batches whose file is gone.
    pub fn open(project: &'p Project, store: &Store, keep: &ingest::Keep, now: i64) -> Result<Self, Error> {
        let files = ingest::list_batches(project)
            .map_err(|source| Error::Io { path: project.root.clone(), source })?;
        let manifest: HashMap<String, BatchEntry> =
            store.manifest()?.into_iter().map(|e| (e.id.clone(), e)).collect();
        let listed: std::collections::HashSet<&str> = files.iter().map(|f| f.id.as_str()).collect();
        let mut removed: Vec<String> =
            manifest.keys().filter(|id| !listed.contains(id.as_str())).cloned().collect();
        removed.sort();
        store.remove_batches(&removed)?;
        let ingested_at = std::env::var(INGEST_TIME_ENV)
            .ok()
            .and_then(|t| ingest::line::parse_timestamp(&t))
            .unwrap_or(now);
        let crash_after = std::env::var(CRASH_ENV).ok().and_then(|v| v.parse().ok());
        let fingerprints =
            project.datasets.iter().map(|d| (d.name.value.as_str(), fingerprint(project, d, keep))).collect();
        Ok(Reconciled { files, manifest, removed, ingested_at, crash_after, fingerprints })
    }

    fn fingerprint_of(&self, f: &BatchFile) -> String {
        self.fingerprints.get(f.dataset.as_str()).cloned().unwrap_or_default()
    }

    /// Whether `f` must be read: new, changed (size, mtime) or extracted under another
    /// fingerprint. A batch removed by `mosaic delete` stays removed, even when its file changes.
    pub fn is_fresh(&self, f: &BatchFile) -> bool {
        self.manifest.get(&f.id).is_none_or(|e| {
            e.status != crate::store::DELETED
                && (e.size != f.size || e.mtime != f.mtime || e.fingerprint != self.fingerprint_of(f))
        })
    }

    /// Whether `f`'s batch was stored before (and not deleted).
    pub fn is_stored(&self, f: &BatchFile) -> bool {
        self.manifest.get(&f.id).is_some_and(|e| e.status != crate::store::DELETED)
    }

    /// The manifest entry of `f` stored now. A changed file keeps the time mosaic first saw it.
    pub fn entry(&self, f: &BatchFile) -> BatchEntry {
        BatchEntry {
            id: f.id.clone(),
            size: f.size,
            mtime: f.mtime,
            ingested_at: self.manifest.get(&f.id).map_or(self.ingested_at, |e| e.ingested_at),
            status: "committed".into(),
            fingerprint: self.fingerprint_of(f),
        }
    }

    /// How many batches the next commit may hold after `committed`: any number, but with the
    /// crash hook set, never past the batch it aborts after.
    pub fn commit_limit(&self, committed: u64) -> usize {
        self.crash_after.map_or(usize::MAX, |at| at.saturating_sub(committed).max(1) as usize)
    }

    /// Test hook: aborts the process after the `committed`-th batch stored by this process.
    pub fn crash_hook(&self, committed: u64) {
        if self.crash_after == Some(committed) {
            std::process::abort();
        }
    }
}

/// A digest of everything extraction depends on for `dataset`: its class, format, time path,
/// identity fields and schema, the namespaces (normalization, patterns, priorities), for
/// event datasets the event paths kept (a rule reading a new path re-reads the files), and the
/// store's batch layout (a store written by an older mosaic is re-read, not refused).
fn fingerprint(project: &Project, dataset: &crate::policy::Dataset, keep: &ingest::Keep) -> String {
    let kept = match dataset.class {
        crate::policy::DatasetClass::Event => keep.event_paths.as_ref(),
        crate::policy::DatasetClass::Profile => None,
    };
    let text = format!(
        "{:?}|{:?}|{}|{:?}|{:?}|{:?}|{:?}|layout {}|reading {}",
        dataset.class,
        dataset.format,
        dataset.timestamp,
        dataset.identities,
        dataset.schema,
        project.identity.namespaces,
        kept,
        crate::store::BATCH_LAYOUT,
        crate::ingest::READING,
    );
    let mut hash = crate::fnv::Fnv::default();
    hash.bytes(text.as_bytes());
    hash.hex()
}

/// Writes `.mosaic/rejected/<dataset>.jsonl` for every dataset from the stored batches (the
/// files are rebuilt each run, so a resumed run never writes a rejection twice).
pub fn write_rejections(project: &Project, batches: &[(BatchEntry, Part)]) -> Result<(), Error> {
    let dir = crate::store::state_dir(&project.root).join("rejected");
    let mut by_dataset: std::collections::BTreeMap<&str, String> = Default::default();
    for (_, b) in batches {
        for r in &b.rejections {
            let line = serde_json::json!({
                "batch": b.id, "line": r.line, "reason": r.reason.as_str(), "detail": r.detail, "raw": r.raw,
            });
            let text = by_dataset.entry(b.dataset.as_str()).or_default();
            text.push_str(&line.to_string());
            text.push('\n');
        }
    }
    let io = |source| Error::Io { path: dir.clone(), source };
    std::fs::create_dir_all(&dir).map_err(io)?;
    for ds in &project.datasets {
        let path = dir.join(format!("{}.jsonl", ds.name.value));
        match by_dataset.get(ds.name.value.as_str()) {
            Some(text) => crate::output::write_atomic(&path, text.as_bytes()).map_err(io)?,
            None if path.exists() => std::fs::remove_file(&path).map_err(io)?,
            None => {}
        }
    }
    Ok(())
}
