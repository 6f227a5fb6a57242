//! The profile store in `.mosaic/store.redb`: the batch manifest, each batch's extracted records,
//! events and rejections, and the last profiles written.
//!
//! Architecture Invariant: a batch and its manifest entry are written in one transaction, so a
//! kill at any point leaves either the whole batch or nothing of it; a run recomputes stitching,
//! merging and evaluation from everything stored, so it equals a fresh run over the same files.
//! redb is used because it is pure Rust, transactional (crash-safe commits) and maintained.

mod codec;
pub use codec::VERSION as BATCH_LAYOUT;
pub mod components;
mod packed;
mod pages;
pub use packed::PackedJson;
pub use profiles::RunOutput;
mod profiles;
mod staging;
mod wire;

use crate::ingest::Batch;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const MANIFEST: TableDefinition<&str, &[u8]> = TableDefinition::new("manifest");
/// Each stored batch (`codec`), in pieces of at most [`PIECE_BYTES`]: (batch id, piece number)
/// → bytes.
const BATCH_PIECES: TableDefinition<(&str, u32), &[u8]> = TableDefinition::new("batchPieces");
/// Batches stored whole, one value each, as mosaic stored them before pieces. redb gives a
/// value a page of the next power of two: a 7 MB batch took 8 MB, a 17 MB one 32 MB, all
/// written to disk. Read while they are there; each goes when its batch is stored again or
/// removed.
const OLD_BATCHES: TableDefinition<&str, &[u8]> = TableDefinition::new("batches");
/// The size of a batch's pieces: 1 MiB pages, less room for redb's leaf header and the key.
const PIECE_BYTES: usize = (1 << 20) - 1024;
/// Export and delete job records (`ops::jobs`), keyed by zero-padded id.
const JOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs");
/// Small JSON values: the options of the last run (`lastRun`), the job counter.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// redb's page cache. Its default (1 GiB) keeps every batch a run writes in memory; a run
/// reads each stored batch once, so a small cache costs no speed and most of the peak memory.
/// Pages a commit wrote stay in it: 64 MB of cache cost a run 50 MB more peak memory than 32.
const CACHE_BYTES: usize = 32 << 20;

/// The most a write transaction of large values should hold. redb keeps a transaction's new
/// pages in a write buffer of half its cache (`CACHE_BYTES`); past that it writes pages out
/// early, and a page written early is written again when the transaction rewrites it (a B-tree
/// leaf is copied on the next insert after it): with a 64 MB cache, a 130 MB transaction of 64
/// KiB pages wrote 262 MB and took 2.7 times as long as the same pages in transactions of 26
/// MB. Writers of many large values (batches, the run's profiles and components) commit at
/// about this size.
pub const TRANSACTION_BYTES: usize = 12 << 20;

/// How long opening the store waits while another process holds it: a `mosaic` process that
/// was killed lets go of its lock a moment after it is gone, and an operation started then
/// should not fail for that.
const BUSY_PATIENCE: std::time::Duration = std::time::Duration::from_secs(5);

/// Manifest status of a batch removed by `mosaic delete`: never re-ingested (unless `--fresh`).
pub const DELETED: &str = "deleted";

/// Errors of the store, with the file they concern.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("profile store {path}: {source}")]
    Db { path: PathBuf, source: redb::Error },
    #[error(
        "profile store {path} is in use by another mosaic process (a run, an operation, or an \
         evaluation of `mosaic watch`); try again when it has finished"
    )]
    Busy { path: PathBuf },
    #[error("profile store {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("profile store {path}: unreadable entry for `{key}` (run with --fresh to rebuild it): {source}")]
    Decode { path: PathBuf, key: String, source: serde_json::Error },
    #[error("profile store {path}: unreadable batch `{key}` (run with --fresh to rebuild it): {source}")]
    Batch { path: PathBuf, key: String, source: codec::Error },
    #[error(
        "profile store {path}: unreadable component chunk {key} (run `mosaic run` to rebuild it): {source}"
    )]
    Component { path: PathBuf, key: u32, source: components::Error },
    #[error("profile store {path}: unreadable index page `{key}` of the components (run `mosaic run` to rebuild it)")]
    ComponentIndex { path: PathBuf, key: String },
    #[error("profile store {path}: unreadable page `{key}` of the stored {table} (run `mosaic run` to rebuild it)")]
    Page { path: PathBuf, table: &'static str, key: String },
}

/// The manifest entry of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchEntry {
    pub id: String,
    pub size: u64,
    /// ns since the epoch.
    pub mtime: i128,
    /// When mosaic first saw the file (µs); never changes afterwards.
    pub ingested_at: i64,
    /// `committed` once the batch is stored whole.
    pub status: String,
    /// What the extraction depended on (the dataset's definition and the namespaces): a batch
    /// stored under another fingerprint is read again.
    #[serde(default)]
    pub fingerprint: String,
}

impl BatchEntry {
    /// Adds the entry to a stamp of stored data (`Store::data_stamp`, the components' stamp):
    /// its batch, file, ingestion and what it was extracted with.
    pub fn stamp_into(&self, h: &mut crate::fnv::Fnv) {
        h.piece(&self.id);
        let (size, mtime, ingested_at) = (self.size, self.mtime, self.ingested_at);
        h.piece(&format!("{size}|{mtime}|{ingested_at}|{}|{}", self.status, self.fingerprint));
    }
}

/// An open store.
pub struct Store {
    db: Database,
    path: PathBuf,
}

/// The `.mosaic` folder of a project.
pub fn state_dir(root: &Path) -> PathBuf {
    root.join(".mosaic")
}

impl Store {
    /// The store's file, for errors about what it holds.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Opens (or creates) the store of the project at `root`; `fresh` deletes it first. While
    /// another process holds the store, waits for it for up to [`BUSY_PATIENCE`], then fails
    /// with [`Error::Busy`].
    pub fn open(root: &Path, fresh: bool) -> Result<Store, Error> {
        Store::open_with_patience(root, fresh, BUSY_PATIENCE)
    }

    /// [`Store::open`], waiting at most `patience` for another process to let go of the store.
    pub fn open_with_patience(
        root: &Path,
        fresh: bool,
        patience: std::time::Duration,
    ) -> Result<Store, Error> {
        let dir = state_dir(root);
        let path = dir.join("store.redb");
        let io = |source| Error::Io { path: path.clone(), source };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let started = std::time::Instant::now();
        let db = loop {
            // A fresh store is removed only when no other process holds it (the probe does not
            // repair a store left by a kill: it is about to go).
            if fresh && path.exists() {
                let probe = Database::builder().set_repair_callback(|r| r.abort()).create(&path);
                if !matches!(probe, Err(redb::DatabaseError::DatabaseAlreadyOpen)) {
                    drop(probe);
                    std::fs::remove_file(&path).map_err(io)?;
                }
            }
            match Database::builder().set_cache_size(CACHE_BYTES).create(&path) {
                Ok(db) => break db,
                Err(redb::DatabaseError::DatabaseAlreadyOpen) if started.elapsed() < patience => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(Error::Busy { path }),
                Err(e) => return Err(Error::Db { path: path.clone(), source: e.into() }),
            }
        };
        let store = Store { db, path };
        store.write(|txn| {
            txn.open_table(MANIFEST)?;
            txn.open_table(BATCH_PIECES)?;
            txn.open_table(profiles::PROFILE_PAGES)?;
            txn.open_table(profiles::IDENTITY_PAGES)?;
            txn.open_table(JOBS)?;
            txn.open_table(META)?;
            txn.open_table(components::COMPONENTS)?;
            txn.open_table(components::COMPONENT_INDEX)?;
            Ok(())
        })?;
        Ok(store)
    }

    fn db_err(&self, e: impl Into<redb::Error>) -> Error {
        Error::Db { path: self.path.clone(), source: e.into() }
    }

    fn write(&self, f: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>) -> Result<(), Error> {
        let txn = self.db.begin_write().map_err(|e| self.db_err(e))?;
        f(&txn).map_err(|e| self.db_err(e))?;
        txn.commit().map_err(|e| self.db_err(e))
    }

    fn decode<T: serde::de::DeserializeOwned>(&self, key: &str, bytes: &[u8]) -> Result<T, Error> {
        serde_json::from_slice(bytes).map_err(|source| Error::Decode {
            path: self.path.clone(),
            key: key.to_string(),
            source,
        })
    }

    /// Names the data the store holds: its [live](Store::live_manifest) batches, each as its
    /// manifest entry says. A run records it with the profiles it stores (`lastRun.data`), so a
    /// lookup can tell whether they describe the batches stored now: batches committed since
    /// (by a run killed before its end) do not show in them.
    pub fn data_stamp(&self) -> Result<String, Error> {
        let mut h = crate::fnv::Fnv::default();
        self.live_manifest()?.iter().for_each(|e| e.stamp_into(&mut h));
        Ok(h.hex())
    }

    /// The manifest entries of the batches whose data is stored (all but the deleted ones),
    /// sorted by batch id.
    pub fn live_manifest(&self) -> Result<Vec<BatchEntry>, Error> {
        Ok(self.manifest()?.into_iter().filter(|e| e.status != DELETED).collect())
    }

    /// Every manifest entry, sorted by batch id.
    pub fn manifest(&self) -> Result<Vec<BatchEntry>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(MANIFEST).map_err(|e| self.db_err(e))?;
        let mut out = Vec::new();
        for item in table.iter().map_err(|e| self.db_err(e))? {
            let (k, v) = item.map_err(|e| self.db_err(e))?;
            out.push(self.decode(k.value(), v.value())?);
        }
        Ok(out)
    }

    /// Stores a batch and its manifest entry in one transaction.
    pub fn put_batch(&self, entry: &BatchEntry, batch: &Batch) -> Result<(), Error> {
        self.put_encoded_batches(&[(entry.clone(), self.encode_batch(batch))])
    }

    /// A batch as [`Store::put_batch`] stores it; encoding needs no transaction, so callers can
    /// encode several batches in parallel and store them with [`Store::put_encoded_batches`].
    pub fn encode_batch(&self, batch: &Batch) -> Vec<u8> {
        codec::encode(batch)
    }

    /// Stores batches encoded by [`Store::encode_batch`] with their manifest entries in one
    /// transaction: all of them, or none after a crash.
    pub fn put_encoded_batches(&self, batches: &[(BatchEntry, Vec<u8>)]) -> Result<(), Error> {
        let entries: Vec<Vec<u8>> = batches
            .iter()
            .map(|(entry, _)| {
                serde_json::to_vec(entry).map_err(|source| Error::Decode {
                    path: self.path.clone(),
                    key: entry.id.clone(),
                    source,
                })
            })
            .collect::<Result<_, _>>()?;
        self.write(|txn| {
            let (mut stored, mut manifest) = (BatchTables::open(txn)?, txn.open_table(MANIFEST)?);
            for ((entry, bytes), entry_bytes) in batches.iter().zip(&entries) {
                stored.put(&entry.id, bytes)?;
                manifest.insert(entry.id.as_str(), entry_bytes.as_slice())?;
            }
            Ok(())
        })
    }

    /// Removes batches (files that disappeared) with their manifest entries.
    pub fn remove_batches(&self, ids: &[String]) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(|txn| {
            let (mut stored, mut manifest) = (BatchTables::open(txn)?, txn.open_table(MANIFEST)?);
            for id in ids {
                stored.remove(id)?;
                manifest.remove(id.as_str())?;
            }
            Ok(())
        })
    }

    /// Loads one stored batch.
    pub fn batch(&self, id: &str) -> Result<Option<Batch>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let pieces = txn.open_table(BATCH_PIECES).map_err(|e| self.db_err(e))?;
        let of_batch = || pieces.range((id, 0)..=(id, u32::MAX)).map_err(|e| self.db_err(e));
        // Sized once by the last piece's number (every piece but the last is whole); a number
        // no memory holds (a corrupt store) just leaves the buffer to grow.
        let last = of_batch()?.next_back().transpose().map_err(|e| self.db_err(e))?;
        let mut bytes = Vec::new();
        let _ = bytes.try_reserve(last.map_or(0, |(key, _)| key.value().1 as usize + 1) * PIECE_BYTES);
        for piece in of_batch()? {
            let (_, piece) = piece.map_err(|e| self.db_err(e))?;
            bytes.extend_from_slice(piece.value());
        }
        let decoded = |bytes: &[u8]| {
            let source = |source| Error::Batch { path: self.path.clone(), key: id.to_string(), source };
            codec::decode(bytes).map(Some).map_err(source)
        };
        if !bytes.is_empty() {
            return decoded(&bytes);
        }
        match txn.open_table(OLD_BATCHES) {
            Ok(old) => match old.get(id).map_err(|e| self.db_err(e))? {
                Some(v) => decoded(v.value()),
                None => Ok(None),
            },
            Err(redb::TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(self.db_err(e)),
        }
    }
}

/// The tables of stored batches within a write transaction: the pieces, and the batches
/// stored whole, when the store was written before pieces (a newer store has no such table,
/// and none is created).
struct BatchTables<'t> {
    pieces: redb::Table<'t, (&'static str, u32), &'static [u8]>,
    whole: Option<redb::Table<'t, &'static str, &'static [u8]>>,
}

impl<'t> BatchTables<'t> {
    fn open(txn: &'t redb::WriteTransaction) -> Result<BatchTables<'t>, redb::Error> {
        let name = redb::TableHandle::name(&OLD_BATCHES);
        let has_whole = txn.list_tables()?.any(|t| redb::TableHandle::name(&t) == name);
        let whole = if has_whole { Some(txn.open_table(OLD_BATCHES)?) } else { None };
        Ok(BatchTables { pieces: txn.open_table(BATCH_PIECES)?, whole })
    }

    /// Removes the stored data of batch `id` (in pieces, or whole as stored before).
    fn remove(&mut self, id: &str) -> Result<(), redb::Error> {
        self.pieces.retain_in((id, 0)..=(id, u32::MAX), |_, _| false)?;
        if let Some(whole) = &mut self.whole {
            whole.remove(id)?;
        }
        Ok(())
    }

    /// Stores batch `id`'s encoding in pieces, in place of what was stored for it.
    fn put(&mut self, id: &str, bytes: &[u8]) -> Result<(), redb::Error> {
        self.remove(id)?;
        for (n, piece) in bytes.chunks(PIECE_BYTES).enumerate() {
            self.pieces.insert((id, n as u32), piece)?;
        }
        Ok(())
    }
}

/// Writes `meta` values (key, JSON text) within `txn`.
fn insert_meta(txn: &redb::WriteTransaction, meta: &[(&str, String)]) -> Result<(), redb::Error> {
    let mut table = txn.open_table(META)?;
    for (key, value) in meta {
        table.insert(*key, value.as_bytes())?;
    }
    Ok(())
}

impl Store {
    /// Opens the store of the project at `root` only when one exists (`None` otherwise).
    pub fn open_existing(root: &Path) -> Result<Option<Store>, Error> {
        if !state_dir(root).join("store.redb").exists() {
            return Ok(None);
        }
        Store::open(root, false).map(Some)
    }

    /// Removes the data of `ids` and marks their manifest entries [`DELETED`], in one
    /// transaction, so that the next run does not ingest the files again.
    pub fn delete_batches(&self, ids: &[String]) -> Result<(), Error> {
        let mut entries = Vec::new();
        for e in self.manifest()?.into_iter().filter(|e| ids.contains(&e.id)) {
            let entry = BatchEntry { status: DELETED.into(), ..e };
            let bytes = serde_json::to_vec(&entry).map_err(|source| Error::Decode {
                path: self.path.clone(),
                key: entry.id.clone(),
                source,
            })?;
            entries.push((entry.id, bytes));
        }
        self.write(|txn| {
            let (mut stored, mut manifest) = (BatchTables::open(txn)?, txn.open_table(MANIFEST)?);
            for (id, bytes) in &entries {
                stored.remove(id)?;
                manifest.insert(id.as_str(), bytes.as_slice())?;
            }
            Ok(())
        })
    }

    /// A small JSON value stored under `key` (see `META`).
    pub fn meta(&self, key: &str) -> Result<Option<serde_json::Value>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(META).map_err(|e| self.db_err(e))?;
        match table.get(key).map_err(|e| self.db_err(e))? {
            Some(v) => Ok(Some(self.decode(key, v.value())?)),
            None => Ok(None),
        }
    }

    /// Stores a small JSON value under `key`.
    pub fn put_meta(&self, key: &str, value: &serde_json::Value) -> Result<(), Error> {
        let bytes = value.to_string();
        self.write(|txn| {
            txn.open_table(META)?.insert(key, bytes.as_bytes())?;
            Ok(())
        })
    }

    /// Stores a job record under its integer `id`.
    pub fn put_job(&self, id: u64, job: &serde_json::Value) -> Result<(), Error> {
        let (key, bytes) = (format!("{id:012}"), job.to_string());
        self.write(|txn| {
            txn.open_table(JOBS)?.insert(key.as_str(), bytes.as_bytes())?;
            Ok(())
        })
    }

    /// Every job record, by id.
    pub fn jobs(&self) -> Result<Vec<serde_json::Value>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let table = txn.open_table(JOBS).map_err(|e| self.db_err(e))?;
        let mut out = Vec::new();
        for item in table.iter().map_err(|e| self.db_err(e))? {
            let (k, v) = item.map_err(|e| self.db_err(e))?;
            out.push(self.decode(k.value(), v.value())?);
        }
        Ok(out)
    }

    /// The next job id (1, 2, …), never reused.
    pub fn next_job_id(&self) -> Result<u64, Error> {
        let next = self.meta("jobCounter")?.and_then(|v| v.as_u64()).unwrap_or(0) + 1;
        self.put_meta("jobCounter", &serde_json::json!(next))?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A batch of `n` rejections of `size` bytes each: any size a test needs.
    fn big_batch(id: &str, n: u32, size: usize) -> (BatchEntry, Batch) {
        let entry = crate::runtime::fixture::entry(id);
        let rejections = (0..n)
            .map(|line| crate::ingest::Rejection {
                line,
                reason: crate::ingest::Reason::InvalidJson,
                detail: format!("line {line}"),
                raw: format!("{line}{}", "r".repeat(size)),
            })
            .collect();
        let dataset = id.split('/').next().unwrap_or_default().to_string();
        (entry, Batch { id: id.into(), dataset, rejections, ..Batch::default() })
    }

    /// Batch `id` as stored, encoded (batches compare by their encoding).
    fn stored(store: &Store, id: &str) -> Option<Vec<u8>> {
        store.batch(id).expect("read").map(|b| codec::encode(&b))
    }

    /// A batch of several MB is stored in pieces of at most a page and read back whole; a
    /// batch whose id begins like another's keeps its own pieces; removing one leaves the other.
    #[test]
    fn large_batches_are_stored_in_pieces_and_read_back_whole() {
        let root = project("pieces");
        let store = Store::open(&root, true).expect("store");
        let (entry, batch) = big_batch("web/a.jsonl", 5, 1 << 20);
        let (other_entry, other) = big_batch("web/a.jsonl.1", 2, 3000);
        store.put_batch(&entry, &batch).expect("put");
        store.put_batch(&other_entry, &other).expect("put");
        {
            let txn = store.db.begin_read().expect("read");
            let pieces = txn.open_table(BATCH_PIECES).expect("table");
            let mine = pieces.range(("web/a.jsonl", 0)..=("web/a.jsonl", u32::MAX)).expect("range");
            let sizes: Vec<usize> = mine.map(|p| p.expect("piece").1.value().len()).collect();
            assert!(sizes.len() >= 5, "{sizes:?}");
            assert!(sizes.iter().all(|&n| n <= PIECE_BYTES), "{sizes:?}");
        }
        assert_eq!(stored(&store, "web/a.jsonl"), Some(codec::encode(&batch)));
        assert_eq!(stored(&store, "web/a.jsonl.1"), Some(codec::encode(&other)));
        // Stored again smaller: no piece of the larger one is left over.
        let (_, small) = big_batch("web/a.jsonl", 1, 10);
        store.put_batch(&entry, &small).expect("put");
        assert_eq!(stored(&store, "web/a.jsonl"), Some(codec::encode(&small)));
        store.remove_batches(&["web/a.jsonl".to_string()]).expect("remove");
        assert_eq!(stored(&store, "web/a.jsonl"), None);
        assert_eq!(stored(&store, "web/a.jsonl.1"), Some(codec::encode(&other)));
    }

    /// A store written before pieces holds each batch whole: it is still read, and the whole
    /// value goes once the batch is stored again.
    #[test]
    fn batches_stored_whole_by_an_older_mosaic_are_read_and_replaced() {
        let root = project("old-batches");
        let store = Store::open(&root, true).expect("store");
        let (entry, batch) = big_batch("crm/old.jsonl", 3, 100);
        // A store of this version has no table of whole batches, even once one is removed.
        store.put_batch(&entry, &batch).expect("put");
        store.remove_batches(std::slice::from_ref(&entry.id)).expect("remove");
        let names = |store: &Store| -> Vec<String> {
            let txn = store.db.begin_read().expect("read");
            txn.list_tables().expect("list").map(|t| redb::TableHandle::name(&t).to_string()).collect()
        };
        assert!(!names(&store).contains(&"batches".to_string()), "{:?}", names(&store));
        let txn = store.db.begin_write().expect("write");
        txn.open_table(OLD_BATCHES)
            .expect("table")
            .insert("crm/old.jsonl", codec::encode(&batch).as_slice())
            .expect("insert");
        txn.commit().expect("commit");
        assert_eq!(stored(&store, "crm/old.jsonl"), Some(codec::encode(&batch)));
        let (_, newer) = big_batch("crm/old.jsonl", 1, 100);
        store.put_batch(&entry, &newer).expect("put");
        assert_eq!(stored(&store, "crm/old.jsonl"), Some(codec::encode(&newer)));
        let txn = store.db.begin_read().expect("read");
        assert!(txn.open_table(OLD_BATCHES).expect("table").get("crm/old.jsonl").expect("get").is_none());
    }

    fn project(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mosaic-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A store another process (here: another handle) holds is refused with a message that
    /// says so, and `--fresh` does not delete it from under its holder.
    #[test]
    fn a_held_store_is_busy_and_not_removed_by_fresh() {
        let root = project("busy");
        let held = Store::open(&root, true).expect("store");
        held.put_meta("mark", &serde_json::json!("kept")).expect("write");
        for fresh in [false, true] {
            let refused = Store::open_with_patience(&root, fresh, Duration::ZERO);
            let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains("is in use by another mosaic process"), "{message}");
        }
        drop(held);
        let again = Store::open_with_patience(&root, false, Duration::ZERO).expect("free again");
        assert_eq!(again.meta("mark").expect("read"), Some(serde_json::json!("kept")));
        drop(again);
        let fresh = Store::open_with_patience(&root, true, Duration::ZERO).expect("fresh");
        assert_eq!(fresh.meta("mark").expect("read"), None, "a fresh store is empty");
        drop(fresh);
        let _ = std::fs::remove_dir_all(&root);
    }
}
