//! Identity strings, interned for the life of the process: one copy of each distinct text.
//!
//! A profile's identities recur in every batch, event and link that names them, and every
//! stage compares, hashes and copies them. A [`Text`] is a `Copy` handle to the one copy of its
//! text, so copying an identity touches no memory (a reference-counted string wrote its count,
//! a cache miss per copy and per drop) and two texts are equal exactly when they are at one
//! address. Texts are never freed: a process holds each distinct identity value once, which is
//! what a run or a `watch` session keeps alive anyway (every identity it has read stays in its
//! profiles), and namespace codes and the values of a few test fixtures besides.
//!
//! The table is sharded so the workers reading batches in parallel rarely wait on each other;
//! each shard carves its texts out of large leaked blocks, so texts read together sit together.

use rustc_hash::FxBuildHasher;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

/// Shards of the table (a power of two).
const SHARDS: usize = 32;
/// Size of the blocks texts are carved from; a longer text gets a block of its own.
const BLOCK: usize = 256 * 1024;

static TABLE: [Mutex<Shard>; SHARDS] = [const { Mutex::new(Shard::new()) }; SHARDS];

/// An interned string (see the module documentation).
#[derive(Clone, Copy)]
pub struct Text(&'static str);

impl Text {
    /// The one copy of `value`, made on first use.
    pub fn new(value: &str) -> Text {
        let hash = FxBuildHasher.hash_one(value);
        // A poisoned shard still holds valid texts: a panic elsewhere cannot corrupt a table
        // that is only ever inserted into.
        let mut shard = TABLE[hash as usize % SHARDS].lock().unwrap_or_else(PoisonError::into_inner);
        shard.find_or_insert(hash, value)
    }

    /// The texts of `values`, in their order: [`Text::new`] of each, found a shard at a time.
    /// A lookup waits for the table's memory (the slot, then the text: both far apart in a
    /// table of a run's identities), and a lock per lookup stops the processor from starting
    /// the next one meanwhile. Here each shard is locked once for all of its values, and their
    /// slots are read ahead in one pass, whose loads overlap, before they are looked up.
    pub fn intern_all(values: &[&str]) -> Vec<Text> {
        let hashes: Vec<u64> = values.iter().map(|v| FxBuildHasher.hash_one(v)).collect();
        // The values by shard (a counting sort), each shard's in their order.
        let mut starts = [0usize; SHARDS + 1];
        for &h in &hashes {
            starts[h as usize % SHARDS + 1] += 1;
        }
        for s in 0..SHARDS {
            starts[s + 1] += starts[s];
        }
        let mut next = starts;
        let mut order = vec![0u32; values.len()];
        for (i, &h) in hashes.iter().enumerate() {
            let s = h as usize % SHARDS;
            order[next[s]] = i as u32;
            next[s] += 1;
        }
        let mut out = vec![Text(""); values.len()];
        for s in 0..SHARDS {
            let mine = &order[starts[s]..starts[s + 1]];
            if mine.is_empty() {
                continue;
            }
            let mut shard = TABLE[s].lock().unwrap_or_else(PoisonError::into_inner);
            shard.read_ahead(mine.iter().map(|&i| hashes[i as usize]));
            for &i in mine {
                let i = i as usize;
                out[i] = shard.find_or_insert(hashes[i], values[i]);
            }
        }
        out
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// Its address: texts are equal exactly when their addresses are.
    pub fn address(self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl From<&str> for Text {
    fn from(value: &str) -> Text {
        Text::new(value)
    }
}

/// By address: interning makes equal texts one text.
impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Text {}

/// By text, as `str` hashes (consistent with equality, and the same from run to run).
impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

/// By text.
impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        if self == other {
            return std::cmp::Ordering::Equal;
        }
        self.0.cmp(other.0)
    }
}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.0, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        Ok(Text::new(&text))
    }
}

/// One shard: open addressing with linear probing over slots that hold each text's hash next
/// to it, so a lookup reads one slot and then the text (a general hash table reads a control
/// byte, then a bucket, then the text: in a table of a run's identities each is a cache miss).
struct Shard {
    /// A power of two long (or empty), at most half full.
    slots: Vec<Option<(u64, Text)>>,
    len: usize,
    /// What is left of the block texts are carved from.
    free: &'static mut [u8],
}

impl Shard {
    const fn new() -> Shard {
        Shard { slots: Vec::new(), len: 0, free: &mut [] }
    }

    /// The text equal to `value` (whose hash is `hash`), added when new.
    fn find_or_insert(&mut self, hash: u64, value: &str) -> Text {
        if self.len * 2 >= self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = Shard::home(hash, mask);
        loop {
            match self.slots[at] {
                Some((h, known)) if h == hash && known.0 == value => return known,
                Some(_) => at = (at + 1) & mask,
                None => {
                    let new = Text(self.store(value));
                    self.slots[at] = Some((hash, new));
                    self.len += 1;
                    return new;
                }
            }
        }
    }

    /// Reads the first slot of each of `hashes` (and the start of its text), so that the
    /// lookups after find them in the cache: these reads depend on nothing but the hashes, so
    /// the processor makes many at once, where the lookups would wait for each in turn.
    fn read_ahead(&self, hashes: impl Iterator<Item = u64>) {
        let Some(mask) = self.slots.len().checked_sub(1) else { return };
        let mut seen = 0u64;
        for hash in hashes {
            if let Some((h, text)) = self.slots[Shard::home(hash, mask)] {
                seen = seen.wrapping_add(h ^ u64::from(text.0.as_bytes().first().copied().unwrap_or(0)));
            }
        }
        // Keeps the reads from being optimized away.
        std::hint::black_box(seen);
    }

    /// A copy of `value` that lives as long as the process.
    fn store(&mut self, value: &str) -> &'static str {
        let n = value.len();
        if n > BLOCK / 8 {
            return Box::leak(value.into());
        }
        if self.free.len() < n {
            self.free = Box::leak(vec![0u8; BLOCK].into_boxed_slice());
        }
        let (piece, rest) = std::mem::take(&mut self.free).split_at_mut(n);
        self.free = rest;
        piece.copy_from_slice(value.as_bytes());
        let piece: &'static [u8] = piece;
        // The bytes are a copy of a `str`: valid UTF-8, so this never takes the fallback.
        std::str::from_utf8(piece).unwrap_or_else(|_| Box::leak(value.into()))
    }

    /// A hash's first slot: its high bits (the low ones chose the shard).
    fn home(hash: u64, mask: usize) -> usize {
        (hash >> 32) as usize & mask
    }

    /// Doubles the slots, moving every text to its place among them.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        let mask = size - 1;
        for (hash, text) in old.into_iter().flatten() {
            let mut at = Shard::home(hash, mask);
            while self.slots[at].is_some() {
                at = (at + 1) & mask;
            }
            self.slots[at] = Some((hash, text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_values_are_one_text() {
        let a = Text::new("ann@example.com");
        let b = Text::new(&String::from("ann@example.com"));
        let c = Text::new("bo@example.com");
        assert_eq!(a, b);
        assert_eq!(a.address(), b.address());
        assert_ne!(a, c);
        assert_eq!((&*a, &*c), ("ann@example.com", "bo@example.com"));
        assert!(a < c, "ordered by text");
        assert_eq!(Text::new(""), Text::new(""));
    }

    #[test]
    fn every_value_is_found_again_after_the_table_grows() {
        let first: Vec<Text> = (0..20_000).map(|i| Text::new(&format!("text-test-v{i}"))).collect();
        let long = "x".repeat(BLOCK);
        assert_eq!(Text::new(&long), Text::new(&long.clone()));
        for (i, value) in first.iter().enumerate() {
            let again = Text::new(&format!("text-test-v{i}"));
            assert_eq!(*value, again, "v{i}");
            assert_eq!(&*again, format!("text-test-v{i}"));
        }
    }

    #[test]
    fn interning_many_at_once_gives_each_value_its_one_text() {
        let values: Vec<String> = (0..5_000).map(|i| format!("intern-all-{}", i % 3_000)).collect();
        let before = Text::new("intern-all-7");
        let borrowed: Vec<&str> = values.iter().map(String::as_str).collect();
        let texts = Text::intern_all(&borrowed);
        assert_eq!(texts.len(), values.len());
        for (value, text) in values.iter().zip(&texts) {
            assert_eq!(text.as_str(), value);
            assert_eq!(*text, Text::new(value), "the text Text::new gives");
        }
        assert_eq!(texts[7], before);
        assert_eq!(texts[3_007], texts[7], "a value twice is one text");
        assert!(Text::intern_all(&[]).is_empty());
    }

    #[test]
    fn texts_read_and_write_as_strings() {
        let t = Text::new("ECID");
        assert_eq!(serde_json::to_string(&t).ok().as_deref(), Some("\"ECID\""));
        let back: Text = serde_json::from_str("\"EC\\u0049D\"").expect("a JSON string");
        assert_eq!(back, t);
        assert_eq!((format!("{t}"), format!("{t:?}")), ("ECID".to_string(), "\"ECID\"".to_string()));
    }
}
