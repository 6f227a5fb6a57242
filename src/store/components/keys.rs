//! The identity index of the stored components, packed: the sorted `NS:VALUE` → place entries
//! in pages (`store::pages`). A run writes a few hundred pages instead of one redb row per
//! identity (about half a million at 100,000 profiles); a lookup reads the one page whose
//! first key is at or before the key.

use crate::store::pages::{Packer, Page};
use crate::store::wire::In;

/// Where a component's bytes are: (chunk, byte offset, byte length).
pub type Place = (u32, u32, u32);

/// Packs `entries` (sorted by key, each key once) into pages: (first key, page bytes).
pub fn pages<K: AsRef<str>>(entries: impl Iterator<Item = (K, Place)>) -> Vec<Page> {
    let mut packer = Packer::new();
    // Three varints of at most 5 bytes each.
    let mut out: Vec<Page> = entries
        .filter_map(|(key, (chunk, offset, len))| {
            packer.push_with(key.as_ref(), 15, |out| {
                out.uint(u64::from(chunk));
                out.uint(u64::from(offset));
                out.uint(u64::from(len));
            })
        })
        .collect();
    out.extend(packer.finish());
    out
}

/// The place of `key` in `page`; `Err` when the page is not one [`pages`] wrote.
pub fn find(page: &[u8], key: &str) -> Result<Option<Place>, crate::store::wire::Corrupt> {
    let mut r = In { bytes: page };
    while !r.bytes.is_empty() {
        let k = r.str()?;
        let place = (r.u32()?, r.u32()?, r.u32()?);
        match k.cmp(key) {
            std::cmp::Ordering::Equal => return Ok(Some(place)),
            // Keys are sorted: past it, it is not there.
            std::cmp::Ordering::Greater => return Ok(None),
            std::cmp::Ordering::Less => {}
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_found_in_its_page_and_no_other_key_is() {
        let keys: Vec<String> = (0..20_000).map(|i| format!("ECID:{i:08}")).collect();
        let entries = keys.iter().enumerate().map(|(i, k)| (k.as_str(), (i as u32 / 7, i as u32, 3)));
        let pages = pages(entries);
        assert!(pages.len() > 2, "several pages: {}", pages.len());
        assert!(pages.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(pages
            .iter()
            .all(|(first, bytes)| first.len() + bytes.len() <= crate::store::pages::PAGE_BYTES));
        let page_of = |key: &str| pages.iter().rev().find(|(first, _)| first.as_str() <= key).map(|(_, b)| b);
        for (i, k) in keys.iter().enumerate() {
            let page = page_of(k).expect("a page at or before every key");
            assert_eq!(find(page, k).expect("decodes"), Some((i as u32 / 7, i as u32, 3)));
        }
        for missing in ["ECID:00000000x", "ECID:", "Email:a", "A"] {
            if let Some(page) = page_of(missing) {
                assert_eq!(find(page, missing).expect("decodes"), None);
            }
        }
        assert!(super::pages(std::iter::empty::<(&str, Place)>()).is_empty());
        assert!(find(&[0x80], "x").is_err());
    }
}
