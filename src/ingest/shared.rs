//! Identity values shared across the batches of a run: one allocation per distinct value.
//!
//! A profile's identities recur in every batch that holds one of its events, and each event
//! and link keeps its identities until the run ends; sharing the text keeps one copy per
//! distinct value instead of one per mention. The table is sharded so the workers reading
//! batches in parallel rarely wait on each other.

use rustc_hash::{FxBuildHasher, FxHashSet};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, PoisonError};

/// Shards of the table (a power of two).
const SHARDS: usize = 16;

/// The shared identity values; a clone shares the same table.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    shards: Arc<[Mutex<FxHashSet<Arc<str>>>; SHARDS]>,
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
        let shard = (FxBuildHasher.hash_one(&**value) >> 32) as usize % SHARDS;
        let mut set = self.shards[shard].lock().unwrap_or_else(PoisonError::into_inner);
        if !set.contains(&**value) {
            set.insert(Arc::clone(value));
        }
    }

    /// The shared text equal to `value`, added when new.
    pub fn get(&self, value: &str) -> Arc<str> {
        let shard = (FxBuildHasher.hash_one(value) >> 32) as usize % SHARDS;
        // A poisoned shard still holds valid strings: a panic elsewhere cannot corrupt a set
        // that is only ever inserted into.
        let mut set = self.shards[shard].lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = set.get(value) {
            return Arc::clone(known);
        }
        let new: Arc<str> = value.into();
        set.insert(Arc::clone(&new));
        new
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
}
