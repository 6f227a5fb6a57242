//! The store's tables of identity components: written by every run, read by `profile` and
//! `explain` (the encoding of one component is in the parent module).

use super::{Component, Error as Layout};
use crate::store::{Error, Store, META};
use redb::{ReadableDatabase, TableDefinition};

/// The data of the plain identity components (`components.rs`), written by every run for
/// `profile` and `explain`: chunk number → encoded components, one after the other. Chunks of
/// about [`CHUNK_BYTES`], because redb writes a few large values much faster than 100,000
/// small ones.
pub(in crate::store) const COMPONENTS: TableDefinition<u32, &[u8]> = TableDefinition::new("componentChunks");
/// `NS:VALUE` of every identity the last run saw → where its component is: (chunk, byte
/// offset, byte length).
pub(in crate::store) const COMPONENT_INDEX: TableDefinition<&str, (u32, u32, u32)> =
    TableDefinition::new("componentPlaces");
/// The size a chunk of [`COMPONENTS`] is closed at (a larger component is a chunk alone).
const CHUNK_BYTES: usize = 1 << 20;

/// The stored identity components (see `components.rs` and `runtime::components`).
impl Store {
    /// Replaces the stored components (`blobs`, by component number), their identity index
    /// (`index`: `NS:VALUE` → component number, sorted by key, the order redb inserts fastest)
    /// and the `components` META entry (`stamp`: which store state they describe) in one
    /// transaction.
    pub fn put_components(
        &self,
        stamp: &str,
        blobs: &[Vec<u8>],
        index: &[(String, u64)],
    ) -> Result<(), Error> {
        let meta = serde_json::json!({ "stamp": stamp }).to_string();
        let mut places = Vec::with_capacity(blobs.len());
        let (mut chunk, mut number) = (Vec::with_capacity(CHUNK_BYTES), 0u32);
        self.write(|txn| {
            txn.delete_table(COMPONENTS)?;
            txn.delete_table(COMPONENT_INDEX)?;
            let mut table = txn.open_table(COMPONENTS)?;
            for blob in blobs {
                if !chunk.is_empty() && chunk.len() + blob.len() > CHUNK_BYTES {
                    table.insert(number, chunk.as_slice())?;
                    chunk.clear();
                    number += 1;
                }
                places.push((number, chunk.len() as u32, blob.len() as u32));
                chunk.extend_from_slice(blob);
            }
            if !chunk.is_empty() {
                table.insert(number, chunk.as_slice())?;
            }
            let mut keys = txn.open_table(COMPONENT_INDEX)?;
            for (key, id) in index {
                if let Some(&place) = places.get(*id as usize) {
                    keys.insert(key.as_str(), place)?;
                }
            }
            txn.open_table(META)?.insert("components", meta.as_bytes())?;
            Ok(())
        })
    }

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
            if let Some(place) = index.get(key.as_str()).map_err(|e| self.db_err(e))? {
                places.push(place.value());
            }
        }
        places.sort_unstable();
        places.dedup();
        let table = txn.open_table(COMPONENTS).map_err(|e| self.db_err(e))?;
        let mut out = Vec::with_capacity(places.len());
        for (chunk, offset, len) in places {
            let corrupt = |source| Error::Component { path: self.path.clone(), key: chunk, source };
            let Some(bytes) = table.get(chunk).map_err(|e| self.db_err(e))? else {
                return Err(corrupt(Layout::Corrupt));
            };
            let (start, len) = (offset as usize, len as usize);
            let blob = bytes.value().get(start..start.saturating_add(len)).ok_or(corrupt(Layout::Corrupt))?;
            out.push(super::decode(blob).map_err(corrupt)?);
        }
        Ok(out)
    }
}
