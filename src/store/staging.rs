//! Replacing large tables without making redb write their pages twice.
//!
//! A run replaces the stored profiles and components (hundreds of MB) at once, and readers must
//! see either all the old tables or all the new ones. One transaction does that, but redb
//! writes such a transaction's pages twice (see [`TRANSACTION_BYTES`]). So the new tables are
//! written under staging names in transactions of about that size, and one last transaction
//! puts them in place (a rename) together with whatever must change with them (the run's
//! `meta`). Until then readers see only the old tables; a kill leaves only staging tables,
//! which the next replacement deletes first.

use super::TRANSACTION_BYTES;
use redb::{TableDefinition, WriteTransaction};

/// Test hook: the size staging transactions are committed at, instead of [`TRANSACTION_BYTES`]
/// (so that a small project's output spans several).
const LIMIT_ENV: &str = "MOSAIC_TEST_STAGED_BYTES";
/// Test hook: abort the process after this many staging commits (kill-in-output tests).
const CRASH_ENV: &str = "MOSAIC_TEST_CRASH_AFTER_STAGED_COMMITS";

/// A table written under a staging name: its live name and its staging name.
#[derive(Debug, Clone, Copy)]
pub(in crate::store) struct Staged {
    pub live: &'static str,
    pub staging: &'static str,
}

/// The [`Staged`] table named `$live`, staged as `$live~next`.
macro_rules! staged {
    ($live:literal) => {
        $crate::store::staging::Staged { live: $live, staging: concat!($live, "~next") }
    };
}
pub(in crate::store) use staged;

impl Staged {
    /// The live table.
    pub const fn live<K: redb::Key + 'static, V: redb::Value + 'static>(
        self,
    ) -> TableDefinition<'static, K, V> {
        TableDefinition::new(self.live)
    }

    /// The table the replacement is written to.
    pub const fn staging<K: redb::Key + 'static, V: redb::Value + 'static>(
        self,
    ) -> TableDefinition<'static, K, V> {
        TableDefinition::new(self.staging)
    }
}

/// Any table by name: deleting and renaming go by name, whatever the key and value types.
fn named(name: &str) -> TableDefinition<'_, (), ()> {
    TableDefinition::new(name)
}

/// A replacement in progress: the write transaction open now and how much it holds.
pub(in crate::store) struct Staging<'d> {
    db: &'d redb::Database,
    txn: WriteTransaction,
    bytes: usize,
    /// The size a transaction is committed at: [`TRANSACTION_BYTES`] (tests set less).
    limit: usize,
    /// The staging commits so far, and the test hook's count to abort at.
    commits: u32,
    crash_after: Option<u32>,
}

impl<'d> Staging<'d> {
    /// Begins a replacement of `tables`, deleting what a replacement killed before its end
    /// left under their staging names.
    pub fn begin(db: &'d redb::Database, tables: &[Staged]) -> Result<Staging<'d>, redb::Error> {
        let txn = db.begin_write()?;
        for t in tables {
            txn.delete_table(named(t.staging))?;
        }
        let hook = |name| std::env::var(name).ok().and_then(|v| v.parse().ok());
        let limit = hook(LIMIT_ENV).map_or(TRANSACTION_BYTES, |n: u32| n as usize);
        Ok(Staging { db, txn, bytes: 0, limit, commits: 0, crash_after: hook(CRASH_ENV) })
    }

    /// The transaction open now (to create a staging table; [`Staging::insert`] may commit it).
    pub fn txn(&self) -> &WriteTransaction {
        &self.txn
    }

    /// Inserts `key` → `value` into `table` (a staging table), then [`Staging::wrote`].
    pub fn insert<'k, K: redb::Key + 'static>(
        self,
        table: TableDefinition<K, &'static [u8]>,
        key: impl std::borrow::Borrow<K::SelfType<'k>>,
        value: &[u8],
    ) -> Result<Staging<'d>, redb::Error> {
        self.txn.open_table(table)?.insert(key, value)?;
        self.wrote(value.len())
    }

    /// Counts `bytes` just written; once the transaction holds [`TRANSACTION_BYTES`], commits
    /// it and begins the next (a write transaction begins only once the last has ended).
    fn wrote(mut self, bytes: usize) -> Result<Staging<'d>, redb::Error> {
        self.bytes += bytes;
        if self.bytes < self.limit {
            return Ok(self);
        }
        self.txn.commit()?;
        let commits = self.commits + 1;
        if self.crash_after == Some(commits) {
            std::process::abort();
        }
        let txn = self.db.begin_write()?;
        Ok(Staging { txn, bytes: 0, commits, ..self })
    }

    /// Puts the staged tables of `tables` in place of the live ones (`replace`: which of them
    /// were written; the others' staging tables are dropped and their live tables kept), runs
    /// `last` and commits, all in one transaction.
    pub fn finish(
        self,
        tables: &[(Staged, bool)],
        last: impl FnOnce(&WriteTransaction) -> Result<(), redb::Error>,
    ) -> Result<(), redb::Error> {
        let txn = self.txn;
        for &(t, replace) in tables {
            if replace {
                txn.delete_table(named(t.live))?;
                // A staged table never opened has nothing to move: the live one stays deleted.
                if txn.list_tables()?.any(|h| redb::TableHandle::name(&h) == t.staging) {
                    txn.rename_table(named(t.staging), named(t.live))?;
                }
            } else {
                txn.delete_table(named(t.staging))?;
            }
        }
        last(&txn)?;
        txn.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fixture::temp_dir;
    use redb::{Database, ReadableDatabase, ReadableTable};

    const ROWS: Staged = staged!("rows");
    const KEPT: Staged = staged!("kept");

    fn rows(db: &Database, table: TableDefinition<u32, &[u8]>) -> Vec<(u32, Vec<u8>)> {
        let txn = db.begin_read().expect("read");
        let Ok(table) = txn.open_table(table) else { return Vec::new() };
        let all = table.iter().expect("iter");
        all.map(|r| r.map(|(k, v)| (k.value(), v.value().to_vec())).expect("row")).collect()
    }

    fn tables(db: &Database) -> Vec<String> {
        let txn = db.begin_read().expect("read");
        txn.list_tables().expect("list").map(|h| redb::TableHandle::name(&h).to_string()).collect()
    }

    /// Writes `values` as rows 0.. of [`ROWS`]'s staging table, a transaction every 10 bytes.
    fn stage<'d>(db: &'d Database, values: &[&[u8]]) -> Staging<'d> {
        let mut staging = Staging::begin(db, &[ROWS, KEPT]).expect("begin");
        staging.limit = 10;
        for (i, v) in values.iter().enumerate() {
            staging = staging.insert(ROWS.staging::<u32, &[u8]>(), i as u32, v).expect("insert");
        }
        staging
    }

    fn live(db: &Database, values: &[&[u8]]) {
        let txn = db.begin_write().expect("write");
        {
            let mut t = txn.open_table(ROWS.live::<u32, &[u8]>()).expect("table");
            values.iter().enumerate().for_each(|(i, v)| drop(t.insert(i as u32, *v).expect("insert")));
            txn.open_table(KEPT.live::<u32, &[u8]>())
                .expect("table")
                .insert(7, b"k".as_slice())
                .expect("insert");
        }
        txn.commit().expect("commit");
    }

    /// Readers see the old tables until the last transaction, however many came before it;
    /// then the new ones, and no staging table is left.
    #[test]
    fn a_replacement_shows_only_once_finished() {
        let dir = temp_dir("staging-finish");
        let db = Database::create(dir.join("s.redb")).expect("db");
        live(&db, &[b"old-0", b"old-1", b"old-2"]);
        let staging = stage(&db, &[b"new-0-long", b"new-1-long", b"new-2-long"]);
        // Two transactions have been committed by now: still the old rows.
        assert_eq!(rows(&db, ROWS.live()).len(), 3);
        assert_eq!(rows(&db, ROWS.live())[0].1, b"old-0");
        staging.finish(&[(ROWS, true), (KEPT, false)], |_| Ok(())).expect("finish");
        let now: Vec<Vec<u8>> = rows(&db, ROWS.live()).into_iter().map(|(_, v)| v).collect();
        assert_eq!(now, [b"new-0-long".to_vec(), b"new-1-long".to_vec(), b"new-2-long".to_vec()]);
        assert_eq!(rows(&db, KEPT.live()), [(7, b"k".to_vec())], "a table not replaced is kept");
        assert_eq!(tables(&db), ["kept", "rows"]);
    }

    /// A replacement that stops before its end (a kill, an error) changes nothing readers see;
    /// the next one deletes what it left and writes only its own rows.
    #[test]
    fn a_replacement_cut_short_is_not_seen_and_is_cleared_by_the_next() {
        let dir = temp_dir("staging-cut");
        let db = Database::create(dir.join("s.redb")).expect("db");
        live(&db, &[b"old-0"]);
        drop(stage(&db, &[b"cut-0-long", b"cut-1-long", b"cut-2-long", b"cut-3-long"]));
        assert_eq!(rows(&db, ROWS.live()), [(0, b"old-0".to_vec())]);
        assert!(tables(&db).contains(&"rows~next".to_string()), "the committed part is left");
        let staging = stage(&db, &[b"new-0-long"]);
        staging.finish(&[(ROWS, true), (KEPT, true)], |_| Ok(())).expect("finish");
        assert_eq!(rows(&db, ROWS.live()), [(0, b"new-0-long".to_vec())]);
        assert_eq!(rows(&db, KEPT.live()), [], "a replaced table never staged is emptied");
        assert_eq!(tables(&db), ["rows"]);
    }
}
