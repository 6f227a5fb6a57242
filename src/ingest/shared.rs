//! Identity values shared across the batches of a run: one allocation per distinct value.
//!
//! A profile's identities recur in every batch that holds one of its events, and each event
//! and link keeps its identities until the run ends; sharing the text keeps one copy per
//! distinct value instead of one per mention. The table is sharded so the workers reading
//! batches in parallel rarely wait on each other.

use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};

/// Shards of the table (a power of two).
const SHARDS: usize = 16;

/// The shared identity values; a clone shares the same table.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    shards: Arc<[Mutex<Table>; SHARDS]>,
}

impl Shared {
    /// A table holding the namespace codes of `project` as the project holds them, so that
    /// identities read from files (which take the project's codes) and from the store (which
    /// take theirs from here) hold the same namespace strings.
    pub fn for_project(project: &crate::policy::Project) -> Shared {
        let shared = Shared::default();
        for ns in &project.identity.namespaces {
            shared.seed(&ns.code);
        }
        shared
    }

    /// Shares `value` itself from now on, unless an equal value is shared already.
    pub fn seed(&self, value: &Arc<str>) {
        let hash = FxBuildHasher.hash_one(&**value);
        self.shard(hash).find_or_insert(hash, value, || Arc::clone(value));
    }

    /// The shared text equal to `value`, added when new.
    pub fn get(&self, value: &str) -> Arc<str> {
        let hash = FxBuildHasher.hash_one(value);
        self.shard(hash).find_or_insert(hash, value, || value.into())
    }

    fn shard(&self, hash: u64) -> std::sync::MutexGuard<'_, Table> {
        // A poisoned shard still holds valid strings: a panic elsewhere cannot corrupt a table
        // that is only ever inserted into.
        self.shards[hash as usize % SHARDS].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// One shard: open addressing with linear probing over slots that hold each value's hash next
/// to it. A lookup reads one slot (one cache line, mostly) and then the value's text, where a
/// general hash table reads a control byte, then a bucket, then the text: in a table of a run's
/// identities each of those is a cache miss, and lookups were a tenth of a run.
#[derive(Debug, Default)]
struct Table {
    /// A power of two long (or empty), at most half full.
    slots: Vec<Option<(u64, Arc<str>)>>,
    len: usize,
}

impl Table {
    /// The value equal to `value` (whose hash is `hash`), made by `make` and added when new.
    fn find_or_insert(&mut self, hash: u64, value: &str, make: impl FnOnce() -> Arc<str>) -> Arc<str> {
        if self.len * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = Table::home(hash, mask);
        loop {
            match &self.slots[at] {
                Some((h, known)) if *h == hash && **known == *value => return Arc::clone(known),
                Some(_) => at = (at + 1) & mask,
                None => {
                    let new = make();
                    self.slots[at] = Some((hash, Arc::clone(&new)));
                    self.len += 1;
                    return new;
                }
            }
        }
    }

    /// A hash's first slot: its high bits (the low ones chose the shard).
    fn home(hash: u64, mask: usize) -> usize {
        (hash >> 32) as usize & mask
    }

    /// Doubles the slots, moving every value to its place among them.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        let mask = size - 1;
        for (hash, value) in old.into_iter().flatten() {
            let mut at = Table::home(hash, mask);
            while self.slots[at].is_some() {
                at = (at + 1) & mask;
            }
            self.slots[at] = Some((hash, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_share_one_allocation() {
        let shared = Shared::default();
        let a = shared.get("ann@example.com");
        let b = shared.clone().get(&String::from("ann@example.com"));
        let c = shared.get("bo@example.com");
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!((&*a, &*c), ("ann@example.com", "bo@example.com"));
    }

    #[test]
    fn every_value_is_found_again_after_the_table_grows() {
        let shared = Shared::default();
        let first: Vec<Arc<str>> = (0..5_000).map(|i| shared.get(&format!("v{i}"))).collect();
        let seeded: Arc<str> = Arc::from("seeded");
        shared.seed(&seeded);
        shared.seed(&Arc::from("seeded"));
        for (i, value) in first.iter().enumerate() {
            let again = shared.get(&format!("v{i}"));
            assert!(Arc::ptr_eq(value, &again), "v{i}");
        }
        assert!(Arc::ptr_eq(&shared.get("seeded"), &seeded), "the first seed stays");
        let total: usize = shared.shards.iter().map(|s| s.lock().map_or(0, |t| t.len)).sum();
        assert_eq!(total, 5_001);
    }
}
