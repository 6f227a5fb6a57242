//! The identity stage's plain components, stored for single-profile questions: every run
//! groups the flattened data by connected component of the identity graph and encodes each
//! group (`store::components`), so `profile` and `explain` load one component, not every batch.
//!
//! Architecture Invariant: a component is closed under links. Union-find runs over ALL links,
//! whatever the merge policy (even links stitching would drop), so stitching a component's data
//! under any policy gives exactly the profiles, refused links and shed identities that
//! stitching everything gives for its identities: `identity::stitch` itself starts by
//! splitting into these components. A record or event belongs to the component of its primary
//! identity; an identity with no link is a component of its own.
//!
//! Freshness: the blobs describe one store state, named by [`stamp`] (the committed manifest
//! entries, the dataset list and the program's event paths). A reader compares it with the
//! store as it is; a batch written or deleted since, or other policies, make the blobs stale.

use super::prepare::Prepared;
use crate::ingest::Ident;
use crate::store::components::{self, Part};
use crate::store::BatchEntry;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// The encoded components of one run, ready for `Store::put_components`.
#[derive(Debug, Default)]
pub struct Blobs {
    /// The store state they describe ([`stamp`]).
    pub stamp: String,
    /// Component number → its encoded data.
    pub blobs: Vec<Vec<u8>>,
    /// `NS:VALUE` → component number, sorted by key.
    pub index: Vec<(String, u64)>,
}

/// Names the store state the components are computed from: the manifest entries whose data
/// is stored (sorted by id, as the run orders batches), the declared datasets (records refer
/// to them by index) and the event paths (events hold their values in that order). FNV-1a,
/// stable across runs and Rust versions.
pub fn stamp<'e>(
    entries: impl IntoIterator<Item = &'e BatchEntry>,
    datasets: &[&str],
    paths: &[Vec<String>],
) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut feed = |text: &str| {
        // A separator after each piece, so `ab`+`c` differs from `a`+`bc`.
        for b in text.bytes().chain([0xff]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for e in entries {
        feed(&e.id);
        feed(&format!("{}|{}|{}|{}|{}", e.size, e.mtime, e.ingested_at, e.status, e.fingerprint));
    }
    feed("datasets");
    datasets.iter().for_each(|d| feed(d));
    feed("paths");
    paths.iter().for_each(|p| feed(&p.join("\u{1}")));
    format!("{h:016x}")
}

/// Groups `prepared` by plain component and encodes each group in parallel. `entries` are the
/// run's batches in order (`Rec::batch` indexes them). `None` when the data cannot answer
/// later questions (events lack values of the program's paths): readers then fall back.
pub fn build(prepared: &Prepared, entries: &[BatchEntry], stamp: String) -> Option<Blobs> {
    if prepared.missing_fields {
        return None;
    }
    // Every identity gets a node number in order of first appearance: links, then primaries.
    let mut node: FxHashMap<&Ident, u32> = FxHashMap::default();
    let mut idents: Vec<&Ident> = Vec::new();
    let links = &prepared.links;
    let primaries =
        prepared.records.iter().map(|r| &r.primary).chain(prepared.events.iter().map(|e| &e.primary));
    for i in links.iter().flat_map(|l| [&l.a, &l.b]).chain(primaries) {
        if !node.contains_key(i) {
            node.insert(i, idents.len() as u32);
            idents.push(i);
        }
    }
    let mut parent: Vec<u32> = (0..idents.len() as u32).collect();
    for l in links {
        if let (Some(&a), Some(&b)) = (node.get(&l.a), node.get(&l.b)) {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            // The smaller root wins, so numbering follows first appearance.
            if ra != rb {
                parent[ra.max(rb) as usize] = ra.min(rb);
            }
        }
    }
    // Component numbers in order of each component's first identity.
    let mut comp = vec![u32::MAX; idents.len()];
    let mut count = 0u32;
    for n in 0..idents.len() as u32 {
        let root = find(&mut parent, n) as usize;
        if comp[root] == u32::MAX {
            comp[root] = count;
            count += 1;
        }
        comp[n as usize] = comp[root];
    }
    let of = |i: &Ident| node.get(i).map(|&n| comp[n as usize]);
    // The lookups run in parallel (most of the data is events); the grouping keeps order.
    let event_comps: Vec<Option<u32>> = prepared.events.par_iter().map(|e| of(&e.primary)).collect();
    let mut parts: Vec<Part<'_>> = (0..count).map(|_| Part::default()).collect();
    for r in &prepared.records {
        if let Some(c) = of(&r.primary) {
            parts[c as usize].records.push(r);
        }
    }
    for (e, c) in prepared.events.iter().zip(event_comps) {
        if let Some(c) = c {
            parts[c as usize].events.push(e);
        }
    }
    for l in links {
        if let Some(c) = of(&l.a) {
            parts[c as usize].links.push(l);
        }
    }
    let batch_ids: Vec<String> = entries.iter().map(|e| e.id.clone()).collect();
    let blobs: Vec<Vec<u8>> = parts.par_iter().map(|p| components::encode(p, &batch_ids)).collect();
    let mut index: Vec<(String, u64)> =
        idents.par_iter().zip(comp.par_iter()).map(|(i, &c)| (i.to_string(), u64::from(c))).collect();
    index.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Some(Blobs { stamp, blobs, index })
}

/// The root of `n`, halving paths on the way.
fn find(parent: &mut [u32], mut n: u32) -> u32 {
    while parent[n as usize] != n {
        let up = parent[parent[n as usize] as usize];
        parent[n as usize] = up;
        n = up;
    }
    n
}
