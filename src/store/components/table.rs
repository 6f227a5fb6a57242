//! The store's tables of identity components: written by every run, read by `profile` and
//! `explain` (the encoding of one component is in the parent module).

use super::{Component, Error as Layout, Part};
use crate::store::staging::{staged, Staged, Staging};
use crate::store::{Error, Store, META};
use rayon::prelude::*;
use redb::{ReadableDatabase, TableDefinition};

/// The data of the plain identity components (`components.rs`), written by every run for
/// `profile` and `explain`: chunk number → encoded components, one after the other. Chunks of
/// about [`CHUNK_BYTES`], because redb writes a few large values much faster than 100,000
/// small ones.
pub(in crate::store) const COMPONENTS: TableDefinition<u32, &[u8]> = CHUNKS_STAGED.live();
/// [`COMPONENTS`] as a run writes it (see `store::staging`).
pub(in crate::store) const CHUNKS_STAGED: Staged = staged!("componentChunks");
/// `NS:VALUE` of every identity the last run saw → where its component is (chunk, byte
/// offset, byte length), packed into pages stored under their first key (`keys.rs`).
pub(in crate::store) const COMPONENT_INDEX: TableDefinition<&str, &[u8]> = INDEX_STAGED.live();
/// [`COMPONENT_INDEX`] as a run writes it.
pub(in crate::store) const INDEX_STAGED: Staged = staged!("componentKeyPages");
/// The same index one row per identity, as stores before layout 4 kept it: removed when the
/// components are next written.
const OLD_COMPONENT_INDEX: TableDefinition<&str, (u32, u32, u32)> = TableDefinition::new("componentPlaces");
/// The size a chunk of [`COMPONENTS`] is closed at (a larger component is a chunk alone).
const CHUNK_BYTES: usize = 1 << 20;

/// The stored identity components (see `components.rs` and `runtime::components`).
/// Encoded components packed into chunks, as [`COMPONENTS`] stores them.
#[derive(Debug, Default)]
pub struct Chunked {
    /// Chunk number → its bytes.
    pub chunks: Vec<Vec<u8>>,
    /// Component number → (chunk, byte offset, byte length).
    pub places: Vec<(u32, u32, u32)>,
}

/// One message of a run's component stream to [`super::super::RunOutput::finish`]: the chunks in
/// order, then where each component landed and the identity index.
#[derive(Debug)]
pub enum Streamed {
    Chunk(Vec<u8>),
    Done {
        /// The store state the components describe (`runtime::components::stamp`).
        stamp: String,
        /// The run's batch ids, in order: what the blobs' batch indexes refer to.
        batches: Vec<String>,
        /// The pages of the identity index (`NS:VALUE` → place), by first key ([`super::keys`]).
        keys: Vec<(String, Vec<u8>)>,
    },
}

/// How many components are encoded by one task: tasks are cut by count, not by thread, so the
/// chunks come out the same on any number of threads.
const GROUP: usize = 4096;
/// How many groups are encoded at once before their chunks are handed on (what bounds the
/// memory of a stream).
const WINDOW: usize = 4;

/// Encodes `parts` (by component number) into chunks, a window of groups at a time in
/// parallel, handing each chunk to `send` in chunk order. The place of every component, or
/// `None` once `send` refuses (the receiver is gone).
pub fn stream(parts: &[Part<'_>], send: &mut dyn FnMut(Vec<u8>) -> bool) -> Option<Vec<(u32, u32, u32)>> {
    let mut places = Vec::with_capacity(parts.len());
    let mut sent = 0u32;
    for window in parts.chunks(GROUP * WINDOW) {
        let groups: Vec<Chunked> = window.par_chunks(GROUP).map(chunk_group).collect();
        for group in groups {
            let first = sent;
            places.extend(group.places.into_iter().map(|(c, offset, len)| (first + c, offset, len)));
            for chunk in group.chunks {
                if !send(chunk) {
                    return None;
                }
                sent += 1;
            }
        }
    }
    Some(places)
}

/// One group's chunks: each closed once the next component would take it past
/// [`CHUNK_BYTES`] (a larger component is a chunk alone). Chunk numbers start at 0.
fn chunk_group(parts: &[Part<'_>]) -> Chunked {
    let mut out = Chunked { chunks: Vec::new(), places: Vec::with_capacity(parts.len()) };
    let mut current: Vec<u8> = Vec::with_capacity(CHUNK_BYTES);
    for part in parts {
        let mut offset = current.len();
        current = super::encode_onto(part, current);
        if offset > 0 && current.len() > CHUNK_BYTES {
            // Too big for what was left: the component opens the next chunk.
            let moved = current.split_off(offset);
            let mut full = std::mem::replace(&mut current, moved);
            full.shrink_to_fit();
            out.chunks.push(full);
            offset = 0;
        }
        let len = current.len() - offset;
        out.places.push((out.chunks.len() as u32, offset as u32, len as u32));
    }
    if !current.is_empty() {
        current.shrink_to_fit();
        out.chunks.push(current);
    }
    out
}

/// Writes what `components` streams (see [`Streamed`]) to the staging tables of the stored
/// components ([`CHUNKS_STAGED`], [`INDEX_STAGED`]). Gives the `components` value of `meta`
/// once the stream is whole: the staged components are to be put in place with it. `None`
/// when the stream ended before its `Done` (the run had no components to store, or stopped):
/// the stored ones stay, with their stamp.
pub(in crate::store) fn put_streamed<'d>(
    mut staging: Staging<'d>,
    components: &std::sync::mpsc::Receiver<Streamed>,
) -> Result<(Staging<'d>, Option<String>), redb::Error> {
    let mut number = 0u32;
    let mut meta = None;
    for message in components {
        match message {
            Streamed::Chunk(chunk) => {
                staging = staging.insert(CHUNKS_STAGED.staging::<u32, &[u8]>(), number, &chunk)?;
                number += 1;
            }
            Streamed::Done { stamp, batches, keys } => {
                // Both tables exist once the stream is whole, empty or not.
                staging.txn().open_table(CHUNKS_STAGED.staging::<u32, &[u8]>())?;
                staging.txn().open_table(INDEX_STAGED.staging::<&str, &[u8]>())?;
                for (first, page) in keys {
                    staging = staging.insert(INDEX_STAGED.staging::<&str, &[u8]>(), first.as_str(), &page)?;
                }
                meta = Some(serde_json::json!({ "stamp": stamp, "batches": batches }).to_string());
            }
        }
    }
    Ok((staging, meta))
}

/// Removes the index of the layout before pages (within the transaction that puts new
/// components in place).
pub(in crate::store) fn drop_old_index(txn: &redb::WriteTransaction) -> Result<(), redb::Error> {
    txn.delete_table(OLD_COMPONENT_INDEX)?;
    Ok(())
}

impl Store {
    /// The stamp of the stored components (`None`: a store written before they existed).
    pub fn components_stamp(&self) -> Result<Option<String>, Error> {
        Ok(self.meta("components")?.and_then(|m| m.get("stamp")?.as_str().map(String::from)))
    }

    /// The components holding the identities `keys` (`NS:VALUE`), each once, in stored
    /// order; keys of no component are skipped. One read transaction, so all come from the same
    /// run.
    pub fn components_of(&self, keys: &[String]) -> Result<Vec<Component>, Error> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        let index = txn.open_table(COMPONENT_INDEX).map_err(|e| self.db_err(e))?;
        let mut places = Vec::new();
        for key in keys {
            let mut at_or_before = index.range::<&str>(..=key.as_str()).map_err(|e| self.db_err(e))?;
            let Some(page) = at_or_before.next_back().transpose().map_err(|e| self.db_err(e))? else {
                continue;
            };
            let (first, page) = page;
            let corrupt =
                |_| Error::ComponentIndex { path: self.path.clone(), key: first.value().to_string() };
            places.extend(super::keys::find(page.value(), key).map_err(corrupt)?);
        }
        places.sort_unstable();
        places.dedup();
        // The run's batch list, which the blobs index; read in this transaction, so it is the
        // list the blobs were written with.
        let meta = txn.open_table(META).map_err(|e| self.db_err(e))?;
        let meta = meta.get("components").map_err(|e| self.db_err(e))?;
        let meta: Option<serde_json::Value> = meta.and_then(|m| serde_json::from_slice(m.value()).ok());
        let batch_ids: Vec<String> = meta
            .and_then(|mut m| serde_json::from_value(m.get_mut("batches")?.take()).ok())
            .unwrap_or_default();
        let table = txn.open_table(COMPONENTS).map_err(|e| self.db_err(e))?;
        let mut out = Vec::with_capacity(places.len());
        for (chunk, offset, len) in places {
            let corrupt = |source| Error::Component { path: self.path.clone(), key: chunk, source };
            let Some(bytes) = table.get(chunk).map_err(|e| self.db_err(e))? else {
                return Err(corrupt(Layout::Corrupt));
            };
            let (start, len) = (offset as usize, len as usize);
            let blob = bytes.value().get(start..start.saturating_add(len)).ok_or(corrupt(Layout::Corrupt))?;
            out.push(super::decode(blob, &batch_ids).map_err(corrupt)?);
        }
        Ok(out)
    }
}
