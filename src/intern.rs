//! String interning: strings become dense `u32` ids so that equality and `in` compare integers.
//!
//! One `Interner` is shared by ingest (string columns) and the engines (string literals of rules).
//! Ids are only ever compared for equality; anything ordered (`<`, min/max, sorting) resolves the
//! id back to its string, so ids may differ from run to run without changing any result.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

#[derive(Debug)]
pub struct Interner {
    inner: RwLock<Inner>,
    /// Unique to this interner in the process: what a thread's [`RECENT`] ids belong to.
    generation: u64,
}

impl Default for Interner {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Interner { inner: RwLock::default(), generation: NEXT.fetch_add(1, Ordering::Relaxed) }
    }
}

/// The most strings a thread keeps in [`RECENT`]; past it the cache starts over.
const RECENT_MAX: usize = 1 << 14;

thread_local! {
    /// The ids this thread interned lately, by text, for one interner (its generation). The
    /// shared lock costs a write of its reader count even to read, and on two threads
    /// evaluating profiles that cache line went back and forth between the cores at every
    /// string of every event; the strings rules read repeat (event types, page names), so
    /// most are found here.
    static RECENT: RefCell<(u64, FxHashMap<Arc<str>, u32>)> = RefCell::default();
}

#[derive(Debug, Default)]
struct Inner {
    ids: FxHashMap<Arc<str>, u32>,
    strings: Vec<Arc<str>>,
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `s`, adding it when new.
    pub fn intern(&self, s: &str) -> u32 {
        let recent = |(generation, ids): &(u64, FxHashMap<Arc<str>, u32>)| {
            (*generation == self.generation).then(|| ids.get(s).copied()).flatten()
        };
        // A thread being torn down has no cache: it goes to the table.
        if let Ok(Some(id)) = RECENT.try_with(|r| recent(&r.borrow())) {
            return id;
        }
        let (id, text) = self.intern_shared(s);
        let _ = RECENT.try_with(|r| {
            let (generation, ids) = &mut *r.borrow_mut();
            if *generation != self.generation || ids.len() >= RECENT_MAX {
                ids.clear();
                *generation = self.generation;
            }
            ids.insert(text, id);
        });
        id
    }

    /// [`Interner::intern`] in the shared table; with the table's copy of the text.
    fn intern_shared(&self, s: &str) -> (u32, Arc<str>) {
        {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            if let Some((text, &id)) = inner.ids.get_key_value(s) {
                return (id, Arc::clone(text));
            }
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some((text, &id)) = inner.ids.get_key_value(s) {
            return (id, Arc::clone(text));
        }
        let id = inner.strings.len() as u32;
        let arc: Arc<str> = Arc::from(s);
        inner.strings.push(arc.clone());
        inner.ids.insert(arc.clone(), id);
        (id, arc)
    }

    /// The id of `s` if it was interned.
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).ids.get(s).copied()
    }

    /// The string of an id. Panics on an id this interner never gave out (a bug, not bad input).
    pub fn resolve(&self, id: u32) -> Arc<str> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).strings[id as usize].clone()
    }

    /// Runs `f` over every interned string, by id, under one read lock (for code that resolves
    /// many ids at once).
    pub fn with_strings<R>(&self, f: impl FnOnce(&[Arc<str>]) -> R) -> R {
        f(&self.inner.read().unwrap_or_else(|e| e.into_inner()).strings)
    }

    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are one per text and interner, whichever thread asks and whatever it cached for
    /// another interner (tests and `watch` make many).
    #[test]
    fn ids_are_per_interner_whatever_a_thread_cached() {
        let (a, b) = (Interner::new(), Interner::new());
        let (a1, a2) = (a.intern("x"), a.intern("y"));
        assert_eq!((b.intern("y"), b.intern("x")), (0, 1), "b numbers its own strings");
        assert_eq!((a.intern("x"), a.intern("y")), (a1, a2));
        assert_eq!((a1, a2), (0, 1));
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!((b.intern("x"), a.intern("y"), a.intern("z")), (1, 1, 2)));
        });
        assert_eq!(a.intern("z"), 2);
        assert_eq!((a.len(), b.len()), (3, 2));
        assert_eq!((&*a.resolve(2), &*b.resolve(0)), ("z", "y"));
        // Past the cache's size it starts over, and ids stay the same.
        let c = Interner::new();
        let ids: Vec<u32> = (0..RECENT_MAX + 10).map(|i| c.intern(&format!("s{i}"))).collect();
        assert!((0..RECENT_MAX + 10).all(|i| c.intern(&format!("s{i}")) == ids[i]));
        assert_eq!(c.lookup("s5"), Some(5));
    }
}
