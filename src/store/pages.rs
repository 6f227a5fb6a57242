//! Sorted entries packed into pages of about [`PAGE_BYTES`], each stored under its first key:
//! the layout of the store's large indexes (the profiles and their identity index,
//! `profiles.rs`; the component index, `components/keys.rs`). A run writes a few thousand rows
//! instead of one per entry, and a lookup reads the one page whose first key is at or before
//! the key.

use super::wire::Out;

/// The most a packed page and its first key take, so that the redb leaf holding them fits 64
/// KiB: redb allocates in power-of-two sizes, so a leaf a byte larger would take 128 KiB. The
/// rest of the 64 KiB is for redb's leaf header.
pub const PAGE_BYTES: usize = (64 << 10) - 256;

/// One packed page: its first key and its bytes.
pub type Page = (String, Vec<u8>);

/// Packs sorted entries (each key once) into pages, handing each page over as it is closed so
/// that a writer holds one page at a time, not a copy of every entry.
#[derive(Debug)]
pub struct Packer {
    page: Option<(String, Out)>,
    limit: usize,
}

impl Packer {
    pub fn new() -> Packer {
        Packer::with_limit(PAGE_BYTES)
    }

    /// A packer closing pages at `limit` bytes (first key included).
    pub fn with_limit(limit: usize) -> Packer {
        Packer { page: None, limit }
    }

    /// Adds an entry (after every key pushed so far) whose value `write` encodes in at most
    /// `bound` bytes; returns the page it closed, if any: the one it would have taken past the
    /// limit. An entry larger than the limit gets a page of its own.
    pub fn push_with(&mut self, key: &str, bound: usize, write: impl FnOnce(&mut Out)) -> Option<Page> {
        // The key and a varint length of at most 10 bytes.
        let entry = key.len() + 10 + bound;
        let full = |(first, bytes): &(String, Out)| bytes.out.len() + entry + first.len() > self.limit;
        let closed = if self.page.as_ref().is_some_and(full) { self.finish() } else { None };
        let (_, bytes) = self.page.get_or_insert_with(|| {
            let capacity = (PAGE_BYTES - key.len().min(PAGE_BYTES)).max(entry);
            (key.to_string(), Out::with_capacity(capacity))
        });
        bytes.str(key);
        write(bytes);
        closed
    }

    /// [`Packer::push_with`] for a text value.
    pub fn push(&mut self, key: &str, value: &str) -> Option<Page> {
        self.push_with(key, value.len() + 10, |out| out.str(value))
    }

    /// The last page, if it holds an entry.
    pub fn finish(&mut self) -> Option<Page> {
        self.page.take().map(|(first, bytes)| (first, bytes.out))
    }
}

impl Default for Packer {
    fn default() -> Packer {
        Packer::new()
    }
}
