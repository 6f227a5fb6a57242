//! String interning: strings become dense `u32` ids so that equality and `in` compare integers.
//!
//! One `Interner` is shared by ingest (string columns) and the engines (string literals of rules).
//! Ids are only ever compared for equality; anything ordered (`<`, min/max, sorting) resolves the
//! id back to its string, so ids may differ from run to run without changing any result.

use rustc_hash::FxHashMap;
use std::sync::{Arc, RwLock};

#[derive(Debug, Default)]
pub struct Interner {
    inner: RwLock<Inner>,
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
        if let Some(&id) = self.inner.read().unwrap_or_else(|e| e.into_inner()).ids.get(s) {
            return id;
        }
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = inner.ids.get(s) {
            return id;
        }
        let id = inner.strings.len() as u32;
        let arc: Arc<str> = Arc::from(s);
        inner.strings.push(arc.clone());
        inner.ids.insert(arc, id);
        id
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
