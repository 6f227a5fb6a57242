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
//! entries, the dataset list, the program's event paths and the blob layout). A reader compares it with the
//! store as it is; a batch written or deleted since, or other policies, make the blobs stale.

use super::grouped::Grouped;
use super::nodes::Nodes;
use super::prepare::Prepared;
use crate::identity::union_find::UnionFind;
use crate::ingest::Ident;
use crate::ir;
use crate::policy::Project;
use crate::store::components::{self, Part};
use crate::store::BatchEntry;
use rayon::prelude::*;

/// What [`stream`] needs, kept by `compute` for the output stage, which encodes the components
/// while the store writes the profiles (CPU work overlapping I/O).
pub struct Input {
    pub prepared: Prepared,
    /// The node numbers of `prepared`'s identities.
    pub nodes: Nodes,
    /// The run's batches in order (`Rec::batch` indexes them).
    pub entries: Vec<BatchEntry>,
    pub stamp: String,
}

impl Input {
    pub fn new(
        project: &Project,
        program: &ir::Program,
        prepared: Prepared,
        nodes: Nodes,
        entries: Vec<BatchEntry>,
    ) -> Input {
        let names: Vec<&str> = project.datasets.iter().map(|d| d.name.value.as_str()).collect();
        let stamp = stamp(&entries, &names, &program.event_paths);
        Input { prepared, nodes, entries, stamp }
    }

    /// [`stream`] over this input.
    pub fn stream(&self, send: &mut dyn FnMut(components::Streamed) -> bool) {
        stream(&self.prepared, &self.nodes, &self.entries, self.stamp.clone(), send);
    }
}

/// Names the store state the components are computed from: the manifest entries whose data
/// is stored (sorted by id, as the run orders batches), the declared datasets (records refer
/// to them by index), the event paths with their types (events hold their values in that
/// order, typed as the rules read them: a path whose type changed holds other values) and the
/// blob layout version ([`crate::fnv`]).
pub fn stamp<'e>(
    entries: impl IntoIterator<Item = &'e BatchEntry>,
    datasets: &[&str],
    paths: &[ir::EventPath],
) -> String {
    let mut h = crate::fnv::Fnv::default();
    entries.into_iter().for_each(|e| e.stamp_into(&mut h));
    h.piece(&format!("layout {}", components::VERSION));
    h.piece("datasets");
    datasets.iter().for_each(|d| h.piece(d));
    h.piece("paths");
    paths.iter().for_each(|p| h.piece(&format!("{}\u{1}{:?}", p.path.join("\u{1}"), p.ty)));
    h.hex()
}

/// Groups `prepared` (its identities numbered in `nodes`) by plain component and encodes the
/// groups in parallel, handing `send` the chunks in order and then where each component
/// landed with the identity index ([`components::Streamed`]). `entries` are the run's batches
/// in order (`Rec::batch` indexes them). Sends nothing, and says `false`, when the data cannot
/// answer later questions (events lack values of the program's paths): readers then fall
/// back; `false` too when `send` refuses.
pub fn stream(
    prepared: &Prepared,
    nodes: &Nodes,
    entries: &[BatchEntry],
    stamp: String,
    send: &mut dyn FnMut(components::Streamed) -> bool,
) -> bool {
    if prepared.missing_fields {
        return false;
    }
    let (idents, ends, links) = (&nodes.idents, &nodes.links, &prepared.links);
    // Component numbers in order of each component's first identity.
    let mut graph = UnionFind::new(idents.len());
    for &(a, b) in ends {
        graph.union(a as usize, b as usize);
    }
    let (comp, count) = graph.labels();
    // Each component's rows are slices of one array per kind (`Grouped`), in ingestion order.
    let records = Grouped::new(
        prepared.records.iter().zip(&nodes.records).map(|(r, &n)| ((r, n), comp[n as usize])),
        count,
    );
    let events = Grouped::new(
        prepared.events.iter().zip(&nodes.events).map(|(e, &n)| ((e, n), comp[n as usize])),
        count,
    );
    let links =
        Grouped::new(links.iter().zip(ends).map(|(l, &(a, b))| ((l, (a, b)), comp[a as usize])), count);
    let parts: Vec<Part<'_>> = (0..count)
        .map(|c| Part { records: records.of(c), events: events.of(c), links: links.of(c) })
        .collect();
    let Some(places) = components::stream(&parts, &mut |c| send(components::Streamed::Chunk(c))) else {
        return false;
    };
    drop(parts);
    // The identity index in `NS:VALUE` order, each key made only as its page is written (a
    // string per identity at once would be the largest allocation of the output stage).
    let mut order: Vec<u32> = (0..idents.len() as u32).collect();
    order.par_sort_unstable_by(|&x, &y| key_order(&idents[x as usize], &idents[y as usize]));
    let placed =
        order.iter().filter_map(|&n| Some((idents[n as usize].key(), *places.get(comp[n as usize])?)));
    let keys = components::keys::pages(placed);
    let batches = entries.iter().map(|e| e.id.clone()).collect();
    send(components::Streamed::Done { stamp, batches, keys })
}

/// The order of identities' keys `NS:VALUE` as strings, without making them.
fn key_order(a: &Ident, b: &Ident) -> std::cmp::Ordering {
    if a.namespace == b.namespace {
        return a.id.cmp(&b.id);
    }
    fn key(i: &Ident) -> impl Iterator<Item = u8> + '_ {
        i.namespace.bytes().chain([b':']).chain(i.id.bytes())
    }
    key(a).cmp(key(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fixture::entry;
    use crate::runtime::prepare::{Ev, Link, Rec};

    /// The encoded components of one run, in memory (`build`).
    #[derive(Debug, Default)]
    struct Blobs {
        /// The store state they describe (`stamp`).
        stamp: String,
        /// The run's batch ids, which the blobs index.
        batches: Vec<String>,
        /// The encoded components, packed into chunks.
        chunks: Vec<Vec<u8>>,
        /// The pages of the identity index (`NS:VALUE` → place), by first key.
        keys: Vec<(String, Vec<u8>)>,
    }

    /// `stream` into memory. `None` when there is nothing to store.
    fn build(prepared: &Prepared, nodes: &Nodes, entries: &[BatchEntry], stamp: String) -> Option<Blobs> {
        let mut blobs = Blobs::default();
        stream(prepared, nodes, entries, stamp, &mut |message| {
            match message {
                components::Streamed::Chunk(c) => blobs.chunks.push(c),
                components::Streamed::Done { stamp, batches, keys } => {
                    (blobs.stamp, blobs.batches, blobs.keys) = (stamp, batches, keys);
                }
            }
            true
        })
        .then_some(blobs)
    }

    fn id(s: &str) -> Ident {
        Ident::new("ECID", s)
    }

    fn link(a: &str, b: &str, batch: u32) -> Link {
        Link { a: id(a), b: id(b), time: 0, seq: u64::from(batch) << 32, dataset: 0, batch, line: 0 }
    }

    fn event(primary: &str, batch: u32, line: u32) -> Ev {
        let seq = (u64::from(batch) << 32) | u64::from(line);
        let (body, fields, offset) = (None, Vec::new().into(), None);
        Ev {
            dataset: 1,
            batch,
            line,
            seq,
            time: 0,
            primary: id(primary),
            body,
            fields,
            mismatches: 0,
            offset,
        }
    }

    fn prepared() -> Prepared {
        let body = (&serde_json::json!({"a": 1})).into();
        let rec = Rec { dataset: 0, batch: 0, line: 1, seq: 1, time: 0, primary: id("a"), body };
        Prepared {
            records: vec![rec].into(),
            // `f` has no link: a component of its own; `c` joins `a` through `b`.
            events: vec![event("c", 1, 1), event("d", 2, 1), event("f", 2, 2), event("c", 2, 3)].into(),
            links: vec![link("a", "b", 0), link("d", "e", 2), link("c", "b", 1)].into(),
            ..Prepared::default()
        }
    }

    #[test]
    fn components_are_closed_under_links_and_keep_ingestion_order() {
        let entries = vec![entry("web/0"), entry("web/1"), entry("web/2")];
        let prepared = prepared();
        let blobs =
            build(&prepared, &Nodes::number(&prepared), &entries, "s".into()).expect("fields are all there");
        let place_of = |k: &str| {
            let (_, page) = blobs.keys.iter().rev().find(|(first, _)| first.as_str() <= k)?;
            components::keys::find(page, k).expect("a page the stream wrote")
        };
        // Components are written in order, so their places (chunk, offset, length) sort so.
        let mut places: Vec<_> =
            ["a", "b", "c", "d", "e", "f"].map(|k| place_of(&format!("ECID:{k}"))).to_vec();
        places.sort_unstable();
        places.dedup();
        let places: Vec<(u32, u32, u32)> = places.into_iter().flatten().collect();
        assert_eq!(places.len(), 3);
        let blob = |c: usize| {
            let (chunk, offset, len) = places[c];
            &blobs.chunks[chunk as usize][offset as usize..(offset + len) as usize]
        };
        let comp_of = |k: &str| places.iter().position(|p| Some(*p) == place_of(k));
        assert_eq!(comp_of("ECID:a"), Some(0));
        assert_eq!([comp_of("ECID:b"), comp_of("ECID:c")], [Some(0), Some(0)]);
        assert_eq!([comp_of("ECID:d"), comp_of("ECID:e"), comp_of("ECID:f")], [Some(1), Some(1), Some(2)]);
        assert_eq!(comp_of("ECID:g"), None);
        assert!(blobs.keys.windows(2).all(|w| w[0].0 < w[1].0));
        let first = components::decode(blob(0), &blobs.batches).expect("decodes");
        assert_eq!(first.batches, vec!["web/0", "web/1", "web/2"]);
        assert_eq!(first.records.len(), 1);
        assert_eq!(first.events.iter().map(|e| (e.batch, e.line)).collect::<Vec<_>>(), [(1, 1), (2, 3)]);
        assert_eq!(first.links.len(), 2);
        let lone = components::decode(blob(2), &blobs.batches).expect("decodes");
        assert_eq!(lone.batches, vec!["web/2"]);
        assert_eq!((lone.events.len(), lone.events[0].batch, lone.links.len()), (1, 0, 0));
    }

    #[test]
    fn missing_event_fields_store_nothing() {
        let p = Prepared { missing_fields: true, ..prepared() };
        let entries = [entry("web/0"), entry("web/1"), entry("web/2")];
        assert!(build(&p, &Nodes::number(&p), &entries, "s".into()).is_none());
    }

    #[test]
    fn the_stamp_names_batches_datasets_and_typed_paths() {
        let path = |keys: &[&str], ty: ir::Type| ir::EventPath {
            path: keys.iter().map(|k| k.to_string()).collect(),
            ty,
        };
        let page = || [path(&["page"], ir::Type::String)];
        let base = stamp(&[entry("web/0")], &["web"], &page());
        assert_eq!(base, stamp(&[entry("web/0")], &["web"], &page()));
        let changed = BatchEntry { mtime: 9, ..entry("web/0") };
        assert_ne!(base, stamp(&[changed], &["web"], &page()));
        assert_ne!(base, stamp(&[entry("web/0"), entry("web/1")], &["web"], &page()));
        assert_ne!(base, stamp(&[entry("web/0")], &["web", "crm"], &page()));
        assert_ne!(base, stamp(&[entry("web/0")], &["web"], &[path(&["page", "x"], ir::Type::String)]));
        // The same path read as another type holds other values.
        assert_ne!(base, stamp(&[entry("web/0")], &["web"], &[path(&["page"], ir::Type::Int)]));
    }
}
