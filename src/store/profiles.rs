//! The stored profiles and their identity index, packed: sorted (key, value) string pairs in
//! pages (`store::pages`), so a run writes a few thousand rows instead of one per profile and
//! per identity, and a lookup reads one page.
//!
//! The pages of a table cover its keys in order: every key of a page sorts at or after the
//! page's first key and before the next page's. A key's page is the one whose first key is at or
//! before it (`table.range(..=key).next_back()`); a key before the first page's first key can
//! only be an insertion, which goes into the first page.

mod table;
#[cfg(test)]
mod tests;

pub use table::RunOutput;
pub(super) use table::{IDENTITY_PAGES, PROFILE_PAGES};

use crate::store::pages::{Packer, Page, PAGE_BYTES};
use crate::store::wire::{Corrupt, In};
use std::cmp::Ordering;

/// An edited page larger than this is split into pages of [`PAGE_BYTES`]; between the two,
/// pages grow in place, so a page is not rewritten as two every time an entry is added.
const SPLIT_BYTES: usize = 2 * PAGE_BYTES;

/// Packs sorted entries (each key once) into pages.
pub fn pages<'e>(entries: impl IntoIterator<Item = (&'e str, &'e str)>) -> Vec<Page> {
    pack(entries, &mut Packer::new())
}

fn pack<'e>(entries: impl IntoIterator<Item = (&'e str, &'e str)>, packer: &mut Packer) -> Vec<Page> {
    let mut out: Vec<Page> = entries.into_iter().filter_map(|(k, v)| packer.push(k, v)).collect();
    out.extend(packer.finish());
    out
}

/// Sorts entries by key and keeps one per key (the first after sorting by key and value, so
/// the choice does not depend on input order); entries already sorted are not sorted again.
pub fn sorted<'e>(mut entries: Vec<(&'e str, &'e str)>) -> Vec<(&'e str, &'e str)> {
    if !entries.is_sorted() {
        entries.sort_unstable();
    }
    entries.dedup_by(|b, a| a.0 == b.0);
    entries
}

/// Reads the entries of a page one by one.
fn read(page: &[u8]) -> impl Iterator<Item = Result<(&str, &str), Corrupt>> {
    let mut r = In { bytes: page };
    std::iter::from_fn(move || {
        if r.bytes.is_empty() {
            return None;
        }
        let entry = r.str().and_then(|k| Ok((k, r.str()?)));
        if entry.is_err() {
            // Stop after the first error: the rest of the bytes cannot be framed.
            r.bytes = &[];
        }
        Some(entry)
    })
}

/// Every entry of `page`, in order; `Err` when the page is not one a [`Packer`] wrote.
pub fn entries(page: &[u8]) -> Result<Vec<(&str, &str)>, Corrupt> {
    let entries: Vec<(&str, &str)> = read(page).collect::<Result<_, _>>()?;
    // Out-of-order keys would make lookups miss entries that are there: refuse them too.
    if entries.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(Corrupt);
    }
    Ok(entries)
}

/// The value of `key` in `page`; `Err` when the page does not decode.
pub fn find<'p>(page: &'p [u8], key: &str) -> Result<Option<&'p str>, Corrupt> {
    for entry in read(page) {
        let (k, v) = entry?;
        match k.cmp(key) {
            Ordering::Equal => return Ok(Some(v)),
            // Keys are sorted: past it, it is not there.
            Ordering::Greater => return Ok(None),
            Ordering::Less => {}
        }
    }
    Ok(None)
}

/// A change to a paged table: set `key` to `Some(value)`, or remove it (`None`).
pub type Change<'c> = (&'c str, Option<&'c str>);

/// Applies `changes` (sorted by key, each key once) to the entries of `page`: `None` when
/// nothing changes, else the pages that replace it, none when it is left empty, several when it
/// grew past [`SPLIT_BYTES`]. Each replacement is stored under its own first key, which moves
/// when the first entry is removed or a key before it is inserted.
pub fn edit(page: &[u8], changes: &[Change<'_>]) -> Result<Option<Vec<Page>>, Corrupt> {
    let old = entries(page)?;
    let mut new: Vec<(&str, &str)> = Vec::with_capacity(old.len() + changes.len());
    let mut changed = false;
    let (mut old, mut changes) = (old.into_iter().peekable(), changes.iter().peekable());
    loop {
        let order = match (old.peek(), changes.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some((k, _)), Some((c, _))) => k.cmp(c),
        };
        match order {
            Ordering::Less => new.extend(old.next()),
            Ordering::Greater => {
                if let Some(&(key, Some(value))) = changes.next() {
                    new.push((key, value));
                    changed = true;
                }
            }
            Ordering::Equal => {
                let was = old.next();
                if let Some(&(key, set)) = changes.next() {
                    changed |= was.map(|(_, v)| v) != set;
                    new.extend(set.map(|value| (key, value)));
                }
            }
        }
    }
    if !changed {
        return Ok(None);
    }
    let whole = pack(new.iter().copied(), &mut Packer::with_limit(usize::MAX));
    if whole.first().is_some_and(|(_, bytes)| bytes.len() > SPLIT_BYTES) {
        return Ok(Some(pages(new)));
    }
    Ok(Some(whole))
}
