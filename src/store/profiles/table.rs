//! The stored profiles and identity index as paged redb tables: a run's write, the lookups,
//! watch's incremental update, and stores written before pages existed.

use super::{edit, entries, find, pages, sorted, Change, Packer};
use crate::store::staging::{staged, Staged, Staging};
use crate::store::{components, insert_meta, Error, Store, META};
use redb::{ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use redb::{StorageError, TableError, WriteTransaction};
use std::collections::BTreeMap;

/// profileId → a page of (profileId, JSON line).
pub(in crate::store) const PROFILE_PAGES: TableDefinition<&str, &[u8]> = PROFILES_STAGED.live();
/// [`PROFILE_PAGES`] as a run writes it (see `store::staging`).
const PROFILES_STAGED: Staged = staged!("profilePages");
/// `NS:VALUE` → a page of (`NS:VALUE`, profileId): every identity of a stored profile but the
/// one whose key is the profileId itself (see [`indexed`]), the entity lookup.
pub(in crate::store) const IDENTITY_PAGES: TableDefinition<&str, &[u8]> = IDENTITIES_STAGED.live();
/// [`IDENTITY_PAGES`] as a run writes it.
const IDENTITIES_STAGED: Staged = staged!("identityPages");
/// The layout before pages, one row per profile and per identity. A store holding rows here was
/// written last by an older mosaic, so they are what the lookups read (its pages, if any, are
/// older still); every write moves them into pages and deletes them.
const OLD_PROFILES: TableDefinition<&str, &[u8]> = TableDefinition::new("profiles");
const OLD_IDENTITIES: TableDefinition<&str, &str> = TableDefinition::new("identities");

/// How the tables are named in errors.
const PROFILES: &str = "profiles";
const IDENTITIES: &str = "identity index";

/// Why a paged table could not be read or written: redb's error, or a page that does not
/// decode (the table's name in errors, the page's first key).
#[derive(Debug)]
enum Failure {
    Db(redb::Error),
    Page(&'static str, String),
}

impl From<StorageError> for Failure {
    fn from(e: StorageError) -> Failure {
        Failure::Db(e.into())
    }
}

impl From<TableError> for Failure {
    fn from(e: TableError) -> Failure {
        Failure::Db(e.into())
    }
}

impl From<redb::Error> for Failure {
    fn from(e: redb::Error) -> Failure {
        Failure::Db(e)
    }
}

impl Store {
    fn failed(&self, failure: Failure) -> Error {
        match failure {
            Failure::Db(e) => self.db_err(e),
            Failure::Page(table, key) => Error::Page { path: self.path.clone(), table, key },
        }
    }

    fn read<T>(&self, f: impl FnOnce(&ReadTransaction) -> Result<T, Failure>) -> Result<T, Error> {
        let txn = self.db.begin_read().map_err(|e| self.db_err(e))?;
        f(&txn).map_err(|e| self.failed(e))
    }

    /// Begins replacing what a run produces ([`RunOutput`]): the profiles are stored as they
    /// are built, under staging names, and the rest once they are all there.
    pub fn begin_run_output(&self) -> Result<RunOutput<'_>, Error> {
        let tables =
            [PROFILES_STAGED, IDENTITIES_STAGED, components::CHUNKS_STAGED, components::INDEX_STAGED];
        let begun = (|| -> Result<Staging<'_>, redb::Error> {
            let staging = Staging::begin(&self.db, &tables)?;
            // The table exists even when no profile comes.
            staging.txn().open_table(PROFILES_STAGED.staging::<&str, &[u8]>())?;
            Ok(staging)
        })();
        let staging = begun.map_err(|e| self.db_err(e))?;
        Ok(RunOutput { store: self, staging: Some(staging), packer: Packer::new(), last: None })
    }
}

/// A replacement of what a run produced, in progress: the stored profiles, their identity
/// index, the `meta` values and the identity components, seen by readers all at once when
/// [`RunOutput::finish`] commits. Until then everything is written under staging names, in
/// several transactions (`store::staging`); dropped unfinished, it changes nothing readers see,
/// and the next replacement deletes what it staged.
///
/// A run pushes each profile as it is built (in profileId order), while the next are being
/// built, so the profiles' pages are not written after the run's other work.
pub struct RunOutput<'s> {
    store: &'s Store,
    /// `None` once a write failed: the replacement cannot go on.
    staging: Option<Staging<'s>>,
    packer: Packer,
    /// The profileId pushed last: pages hold sorted keys.
    last: Option<String>,
}

impl RunOutput<'_> {
    /// Stores the profile `id` with its JSON `line`; ids come in ascending order.
    pub fn push(&mut self, id: &str, line: &str) -> Result<(), Error> {
        // Pages hold sorted keys: profiles out of order would store pages no lookup finds.
        if let Some(last) = self.last.as_deref().filter(|last| *last >= id) {
            let order = format!("profiles out of order: `{id}` after `{last}`");
            let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, order);
            return Err(self.store.db_err(e));
        }
        match &mut self.last {
            Some(last) => id.clone_into(last),
            None => self.last = Some(id.to_string()),
        }
        let Some((first, page)) = self.packer.push(id, line) else { return Ok(()) };
        let staging = self.staging.take().ok_or_else(|| self.stopped())?;
        let lines = PROFILES_STAGED.staging::<&str, &[u8]>();
        let inserted = staging.insert(lines, first.as_str(), &page).map_err(|e| self.store.db_err(e))?;
        self.staging = Some(inserted);
        Ok(())
    }

    /// The error of a replacement used after one of its writes failed.
    fn stopped(&self) -> Error {
        self.store.db_err(std::io::Error::other("the run's output was not stored: a write failed before"))
    }

    /// Stores the identity index of the profiles pushed (`profiles`: each profileId with the
    /// `NS:VALUE` keys of its identities, in the order pushed), the `meta` values, then the
    /// identity components as `components` streams them (`components::stream`), until its
    /// sender is dropped; and puts everything in place at once.
    pub fn finish(
        mut self,
        profiles: &[(String, Vec<String>)],
        meta: &[(&str, serde_json::Value)],
        components: &std::sync::mpsc::Receiver<components::Streamed>,
    ) -> Result<(), Error> {
        let meta: Vec<(&str, String)> = meta.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let mut staging = self.staging.take().ok_or_else(|| self.stopped())?;
        let RunOutput { store, mut packer, .. } = self;
        let replaced = (|| -> Result<(), redb::Error> {
            if let Some((first, page)) = packer.finish() {
                staging = staging.insert(PROFILES_STAGED.staging::<&str, &[u8]>(), first.as_str(), &page)?;
            }
            let keys: Vec<(&str, &str)> = profiles
                .iter()
                .flat_map(|(id, ids)| indexed(id, ids).map(move |k| (k, id.as_str())))
                .collect();
            let index = IDENTITIES_STAGED.staging::<&str, &[u8]>();
            staging.txn().open_table(index)?;
            for (first, page) in super::pages(sorted(keys)) {
                staging = staging.insert(index, first.as_str(), &page)?;
            }
            let (staging, components_meta) = components::put_streamed(staging, components)?;
            let with_components = components_meta.is_some();
            let put = [
                (PROFILES_STAGED, true),
                (IDENTITIES_STAGED, true),
                (components::CHUNKS_STAGED, with_components),
                (components::INDEX_STAGED, with_components),
            ];
            staging.finish(&put, |txn| {
                txn.delete_table(OLD_PROFILES)?;
                txn.delete_table(OLD_IDENTITIES)?;
                insert_meta(txn, &meta)?;
                if let Some(value) = &components_meta {
                    components::drop_old_index(txn)?;
                    txn.open_table(META)?.insert("components", value.as_bytes())?;
                }
                Ok(())
            })
        })();
        replaced.map_err(|e| store.db_err(e))
    }
}

impl Store {
    /// Every stored profile line, sorted by profileId.
    pub fn profiles(&self) -> Result<Vec<String>, Error> {
        let mut out = Vec::new();
        self.each_profile(&mut |line| {
            out.push(line.to_string());
            true
        })?;
        Ok(out)
    }

    /// Hands every stored profile line to `each`, in profileId order, a page at a time (the
    /// lines are never all in memory at once), until `each` says `false`.
    pub fn each_profile(&self, each: &mut dyn FnMut(&str) -> bool) -> Result<(), Error> {
        self.read(|txn| {
            if let Some(old) = old_table(txn, OLD_PROFILES)? {
                for item in old.iter()? {
                    if !each(&String::from_utf8_lossy(item?.1.value())) {
                        break;
                    }
                }
                return Ok(());
            }
            for item in txn.open_table(PROFILE_PAGES)?.iter()? {
                let (first, page) = item?;
                let page =
                    entries(page.value()).map_err(|_| Failure::Page(PROFILES, first.value().into()))?;
                if !page.into_iter().all(|(_, line)| each(line)) {
                    break;
                }
            }
            Ok(())
        })
    }

    /// The JSON line of one stored profile.
    pub fn profile(&self, profile_id: &str) -> Result<Option<String>, Error> {
        self.read(|txn| {
            if let Some(old) = old_table(txn, OLD_PROFILES)? {
                return Ok(old.get(profile_id)?.map(|v| String::from_utf8_lossy(v.value()).into_owned()));
            }
            lookup(&txn.open_table(PROFILE_PAGES)?, profile_id, PROFILES)
        })
    }

    /// The profileId of the stored profile holding identity `key` (`NS:VALUE`): the profile
    /// whose id it is, else the one the identity index names (see [`indexed`]).
    pub fn profile_of_identity(&self, key: &str) -> Result<Option<String>, Error> {
        self.read(|txn| {
            if let Some(old) = old_table(txn, OLD_PROFILES)? {
                if old.get(key)?.is_some() {
                    return Ok(Some(key.to_string()));
                }
                return match old_table(txn, OLD_IDENTITIES)? {
                    Some(index) => Ok(index.get(key)?.map(|v| v.value().to_string())),
                    None => Ok(None),
                };
            }
            if lookup(&txn.open_table(PROFILE_PAGES)?, key, PROFILES)?.is_some() {
                return Ok(Some(key.to_string()));
            }
            lookup(&txn.open_table(IDENTITY_PAGES)?, key, IDENTITIES)
        })
    }

    /// Replaces some stored profiles in one transaction (`mosaic watch`'s incremental
    /// evaluation): the profiles and identity keys of `removed` (profileId, `NS:VALUE` keys) go
    /// first, then `upserted` (profileId, JSON line, keys) are written, with the `meta` values.
    /// Only the pages holding those keys are read and rewritten.
    pub fn update_profiles(
        &self,
        removed: &[(String, Vec<String>)],
        upserted: &[(String, String, Vec<String>)],
        meta: &[(&str, serde_json::Value)],
    ) -> Result<(), Error> {
        let meta: Vec<(&str, String)> = meta.iter().map(|(k, v)| (*k, v.to_string())).collect();
        // An upsert wins over a removal of the same key, as when rows were removed, then written.
        // A removed profile's own id has no index entry (nor has any other profile's: an
        // identity is in one profile), so its page need not be read.
        let mut lines: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        let mut keys: BTreeMap<&str, Option<&str>> = BTreeMap::new();
        for (id, ids) in removed {
            lines.insert(id, None);
            keys.extend(indexed(id, ids).map(|k| (k, None)));
        }
        for (id, line, ids) in upserted {
            lines.insert(id, Some(line));
            keys.extend(indexed(id, ids).map(|k| (k, Some(id.as_str()))));
        }
        let lines: Vec<Change<'_>> = lines.into_iter().collect();
        let keys: Vec<Change<'_>> = keys.into_iter().collect();
        let txn = self.db.begin_write().map_err(|e| self.db_err(e))?;
        let edited = (|| {
            move_old(&txn)?;
            update(&mut txn.open_table(PROFILE_PAGES)?, &lines, PROFILES)?;
            update(&mut txn.open_table(IDENTITY_PAGES)?, &keys, IDENTITIES)?;
            insert_meta(&txn, &meta).map_err(Failure::Db)
        })();
        // On an error the transaction is dropped uncommitted: nothing of the update is kept.
        edited.map_err(|e| self.failed(e))?;
        txn.commit().map_err(|e| self.db_err(e))
    }
}

/// The keys of profile `id` the identity index stores: all but the profile's own id. A profile
/// id is the key of one of its identities, and an identity is in one profile only, so a key
/// that is a stored profile's id names that profile; leaving it out saves an entry per
/// profile (every entry of an unstitched project).
fn indexed<'k>(id: &'k str, keys: &'k [String]) -> impl Iterator<Item = &'k str> {
    keys.iter().map(String::as_str).filter(move |k| *k != id)
}

/// Replaces table `def` with the pages of `entries` (sorted, each key once).
fn put_pages(
    txn: &WriteTransaction,
    def: TableDefinition<&str, &[u8]>,
    entries: &[(&str, &str)],
) -> Result<(), redb::Error> {
    txn.delete_table(def)?;
    let mut table = txn.open_table(def)?;
    let mut packer = Packer::new();
    for &(key, value) in entries {
        if let Some((first, page)) = packer.push(key, value) {
            table.insert(first.as_str(), page.as_slice())?;
        }
    }
    if let Some((first, page)) = packer.finish() {
        table.insert(first.as_str(), page.as_slice())?;
    }
    Ok(())
}

/// Table `def` of the layout before pages when it holds rows, else `None`.
fn old_table<V: redb::Value + 'static>(
    txn: &ReadTransaction,
    def: TableDefinition<&'static str, V>,
) -> Result<Option<redb::ReadOnlyTable<&'static str, V>>, Failure> {
    match txn.open_table(def) {
        Ok(table) if !table.is_empty()? => Ok(Some(table)),
        Ok(_) | Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The value of `key` in a paged table: one range lookup and one page scan.
fn lookup(
    table: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
    name: &'static str,
) -> Result<Option<String>, Failure> {
    let Some((first, page)) = table.range::<&str>(..=key)?.next_back().transpose()? else {
        return Ok(None);
    };
    let found = find(page.value(), key).map_err(|_| Failure::Page(name, first.value().to_string()))?;
    Ok(found.map(String::from))
}

/// Moves the rows of a store written by an older mosaic into pages, so that an incremental
/// update edits what the lookups read; a store without such rows loses only the empty tables.
fn move_old(txn: &WriteTransaction) -> Result<(), Failure> {
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    if !txn.open_table(OLD_PROFILES)?.is_empty()? {
        for item in txn.open_table(OLD_PROFILES)?.iter()? {
            let (id, line) = item?;
            lines.push((id.value().to_string(), String::from_utf8_lossy(line.value()).into_owned()));
        }
        for item in txn.open_table(OLD_IDENTITIES)?.iter()? {
            let (key, id) = item?;
            keys.push((key.value().to_string(), id.value().to_string()));
        }
        put_pages(txn, PROFILE_PAGES, &borrowed(&lines))?;
        put_pages(txn, IDENTITY_PAGES, &borrowed(&keys))?;
    }
    txn.delete_table(OLD_PROFILES)?;
    txn.delete_table(OLD_IDENTITIES)?;
    Ok(())
}

fn borrowed(entries: &[(String, String)]) -> Vec<(&str, &str)> {
    sorted(entries.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect())
}

/// Applies `changes` (sorted by key, each key once) to a paged table, reading and rewriting
/// only the pages they fall in: each page takes the changes from its first key (from the
/// start, for the first page) to the next page's first key.
fn update(
    table: &mut redb::Table<&'static str, &'static [u8]>,
    changes: &[Change<'_>],
    name: &'static str,
) -> Result<(), Failure> {
    let mut rest = changes;
    while let Some(&(key, _)) = rest.first() {
        let Some((first, page)) = page_of(table, key)? else {
            // An empty table: the insertions are all there is.
            for (first, page) in pages(rest.iter().filter_map(|&(k, v)| Some((k, v?)))) {
                table.insert(first.as_str(), page.as_slice())?;
            }
            return Ok(());
        };
        let next = table
            .range::<&str>((std::ops::Bound::Excluded(first.as_str()), std::ops::Bound::Unbounded))?
            .next()
            .transpose()?
            .map(|(k, _)| k.value().to_string());
        // At least one, so that a table whose keys are out of order cannot stop the loop.
        let n = next.as_deref().map_or(rest.len(), |next| rest.partition_point(|(k, _)| *k < next)).max(1);
        let (here, later) = rest.split_at(n);
        let edited = edit(&page, here).map_err(|_| Failure::Page(name, first.clone()))?;
        if let Some(replacements) = edited {
            table.remove(first.as_str())?;
            for (first, page) in replacements {
                table.insert(first.as_str(), page.as_slice())?;
            }
        }
        rest = later;
    }
    Ok(())
}

/// The page `key` falls in, copied out of the table: the one whose first key is at or before
/// it, else the first page (a key before every page is an insertion at the start).
fn page_of(
    table: &redb::Table<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<(String, Vec<u8>)>, StorageError> {
    let found = match table.range::<&str>(..=key)?.next_back().transpose()? {
        Some(found) => Some(found),
        None => table.first()?,
    };
    Ok(found.map(|(first, page)| (first.value().to_string(), page.value().to_vec())))
}
