//! What a watch session keeps in memory between evaluations: every stored batch flattened and
//! grouped into plain connected components of the identity graph, each with its profiles, so
//! that a new batch re-stitches and rebuilds only the components it touches (`apply.rs`).
//!
//! Ordering: a run numbers batches densely by their place in the sorted batch list, so a new
//! file sorting before stored ones would shift every number. Here each batch gets a rank that
//! never changes, spread over the ranks in batch-id order; a batch sorting between two others
//! takes a rank between theirs. Later stages only compare ranks, so the results are a run's.

use super::incremental::Profiles;
use crate::identity::union_find::UnionFind;
use crate::ingest::{Batch, Ident};
use crate::policy::Project;
use crate::runtime::incremental::Flat;
use crate::runtime::prepare::{Ev, Link, Rec};
use crate::store::{BatchEntry, Store};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The distance from a batch's rank to the next new one's, when that sorts last or between two
/// batches far enough apart (a file sorting between two others takes at most this step, so
/// files landing in increasing order between the same two stored ones use the room slowly).
pub const GAP: u32 = 1 << 12;

/// What one batch contributed, to take it back out when its file changes or goes away.
#[derive(Debug, Default)]
pub struct BatchInfo {
    pub rank: u32,
    /// Every identity of its records, events and links.
    pub idents: Vec<Ident>,
    /// (dataset, `_id`) of its events.
    pub event_keys: Vec<(u32, Arc<str>)>,
    pub dataset: String,
    /// Its `.mosaic/rejected/<dataset>.jsonl` lines.
    pub rejections: String,
    /// Records plus events, and rejected lines (for the log).
    pub counts: (u64, u64),
}

/// A plain connected component of the link graph (every link counts) and its results.
#[derive(Debug, Default)]
pub struct Comp {
    pub idents: Vec<Ident>,
    pub records: Vec<Rec>,
    /// Every event with its `_id`, including those a later duplicate replaces.
    pub events: Vec<(Option<Arc<str>>, Ev)>,
    pub links: Vec<Link>,
    /// Its profiles: profileId and the `NS:VALUE` keys of their identities.
    pub profiles: Vec<(String, Vec<String>)>,
    /// `NS:VALUE` of the identities its graph shed.
    pub shed: Vec<String>,
}

/// (dataset, `_id`) → (seq, primary) of every event with it; the highest seq wins. Most ids have
/// one event: it is kept inline, without an allocation of its own (there is an id per event).
pub type EventIds = FxHashMap<(u32, Arc<str>), smallvec::SmallVec<[(u64, Ident); 1]>>;

/// The session's data.
#[derive(Debug, Default)]
pub struct State {
    pub batches: BTreeMap<String, BatchInfo>,
    pub comp_of: FxHashMap<Ident, u32>,
    pub comps: FxHashMap<u32, Comp>,
    pub next_comp: u32,
    pub event_ids: EventIds,
    /// Shed identity `NS:VALUE` → `{"fromProfile", "reason"}` (the store's `shed` value).
    pub shed: BTreeMap<String, serde_json::Value>,
    /// Datasets whose rejection file lags behind.
    pub rejections_dirty: std::collections::BTreeSet<String>,
}

/// The dataset indexes and event paths batches are flattened with.
pub struct Shape<'a> {
    pub dataset_index: HashMap<&'a str, u32>,
    pub paths: &'a [crate::ir::EventPath],
}

impl<'a> Shape<'a> {
    pub fn of(project: &'a Project, program: &'a crate::ir::Program) -> Shape<'a> {
        Shape {
            dataset_index: project
                .datasets
                .iter()
                .enumerate()
                .map(|(i, d)| (d.name.value.as_str(), i as u32))
                .collect(),
            paths: &program.event_paths,
        }
    }
}

/// One batch flattened, with what the state records about it.
pub struct Flattened {
    pub id: String,
    pub info: BatchInfo,
    pub flat: Flat,
}

/// Flattens `batch` at `rank` (in parallel callers' workers).
pub fn flatten(entry: BatchEntry, batch: Batch, shape: &Shape, rank: u32) -> Flattened {
    let id = entry.id.clone();
    let mut rejections = String::new();
    for r in &batch.rejections {
        let line = serde_json::json!({
            "batch": batch.id, "line": r.line, "reason": r.reason.as_str(), "detail": r.detail, "raw": r.raw,
        });
        rejections.push_str(&line.to_string());
        rejections.push('\n');
    }
    let counts = ((batch.records.len() + batch.events.len()) as u64, batch.rejections.len() as u64);
    let dataset = batch.dataset.clone();
    let flat =
        crate::runtime::incremental::flatten_batch(entry, batch, &shape.dataset_index, shape.paths, rank);
    let p = &flat.prepared;
    let mut idents: FxHashSet<&Ident> = FxHashSet::default();
    idents.extend(p.records.iter().map(|r| &r.primary));
    idents.extend(p.events.iter().map(|e| &e.primary));
    idents.extend(p.links.iter().flat_map(|l| [&l.a, &l.b]));
    let idents = idents.into_iter().cloned().collect();
    let event_keys = p
        .events
        .iter()
        .zip(&flat.ids)
        .filter_map(|(e, id)| Some((e.dataset, Arc::clone(id.as_ref()?))))
        .collect();
    Flattened { id, info: BatchInfo { rank, idents, event_keys, dataset, rejections, counts }, flat }
}

impl State {
    /// Builds the state from everything stored, after a full evaluation wrote `profiles` (its
    /// lines) and the store's `shed` value.
    pub fn load(store: &Store, shape: &Shape, profiles: &Profiles) -> Result<State, crate::store::Error> {
        let entries = store.live_manifest()?;
        // The stored batches spread over the lower half of the ranks (new files sort between
        // them as often as after them: `bench-…` before `part-…`); the upper half is for files
        // sorting last, `GAP` apart.
        let gap = (u32::MAX / 2) / (entries.len() as u32).saturating_add(1);
        let flattened: Vec<Result<Option<Flattened>, crate::store::Error>> = entries
            .into_par_iter()
            .with_max_len(1)
            .enumerate()
            .map(|(i, entry)| {
                let rank = (i as u32 + 1).saturating_mul(gap);
                Ok(store.batch(&entry.id)?.map(|batch| flatten(entry, batch, shape, rank)))
            })
            .collect();
        let mut state = State::default();
        let flattened: Vec<Flattened> =
            flattened.into_iter().filter_map(Result::transpose).collect::<Result<_, _>>()?;
        // Sized once: growing by doubling would copy millions of rows again and again.
        let mut pool = Pool::default();
        let count = |f: fn(&Flattened) -> usize| flattened.iter().map(f).sum::<usize>();
        pool.records.reserve(count(|f| f.flat.prepared.records.len()));
        pool.events.reserve(count(|f| f.flat.prepared.events.len()));
        pool.links.reserve(count(|f| f.flat.prepared.links.len()));
        state.event_ids.reserve(count(|f| f.flat.ids.iter().flatten().count()));
        let mut ids = Vec::with_capacity(state.event_ids.capacity());
        for f in flattened {
            pool.add_rows(f.flat, &mut ids);
            state.batches.insert(f.id, f.info);
        }
        // Splitting into components and indexing the events' ids touch different data: one
        // worker each.
        let (comps, ()) = rayon::join(|| pool.split(), || index_ids(&mut state.event_ids, ids));
        let profiles = profiles.iter().map(|(id, line)| (id.clone(), identity_keys(line)));
        let shed = match store.meta("shed")? {
            Some(serde_json::Value::Object(shed)) => shed,
            _ => serde_json::Map::new(),
        };
        state.settle(comps, profiles, shed);
        Ok(state)
    }

    /// Adds `comps` under new numbers, each with the profiles (profileId, `NS:VALUE` keys)
    /// whose first identity it holds and the shed identities (`NS:VALUE` → the store's `shed`
    /// value) it holds; every shed identity is recorded, held or not.
    pub fn settle(
        &mut self,
        comps: Vec<Comp>,
        profiles: impl IntoIterator<Item = (String, Vec<String>)>,
        shed: impl IntoIterator<Item = (String, serde_json::Value)>,
    ) {
        let first = self.next_comp;
        for comp in comps {
            self.insert(comp);
        }
        // The new component holding the identity `NS:VALUE`. Its texts are interned, so
        // finding them makes no string: the table hands back the identity's own texts.
        let (comp_of, comps) = (&self.comp_of, &mut self.comps);
        let new_comp = |key: &str| {
            let (ns, value) = key.split_once(':')?;
            comp_of.get(&Ident::new(ns, value)).copied().filter(|&c| c >= first)
        };
        for (id, keys) in profiles {
            if let Some(comp) = keys.first().and_then(|k| new_comp(k)).and_then(|c| comps.get_mut(&c)) {
                comp.profiles.push((id, keys));
            }
        }
        for (key, value) in shed {
            if let Some(comp) = new_comp(&key).and_then(|c| comps.get_mut(&c)) {
                comp.shed.push(key.clone());
            }
            self.shed.insert(key, value);
        }
    }

    /// Adds a component under a new number.
    pub fn insert(&mut self, comp: Comp) {
        let c = self.next_comp;
        self.next_comp += 1;
        for i in &comp.idents {
            self.comp_of.insert(*i, c);
        }
        self.comps.insert(c, comp);
    }

    /// Writes the rejection files of the datasets whose batches changed (`dir` is
    /// `.mosaic/rejected`), as a run does from every batch in id order.
    pub fn write_rejections(&mut self, dir: &std::path::Path) -> std::io::Result<()> {
        if self.rejections_dirty.is_empty() {
            return Ok(());
        }
        std::fs::create_dir_all(dir)?;
        for dataset in std::mem::take(&mut self.rejections_dirty) {
            let text: String = self
                .batches
                .values()
                .filter(|b| b.dataset == dataset)
                .map(|b| b.rejections.as_str())
                .collect();
            let path = dir.join(format!("{dataset}.jsonl"));
            if !text.is_empty() {
                crate::output::write_atomic(&path, text.as_bytes())?;
            } else if path.exists() {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(())
    }
}

/// An event's entry in [`EventIds`]: (dataset, `_id`) and (seq, primary).
type IdEntry = ((u32, Arc<str>), (u64, Ident));

/// Adds `ids` to `event_ids`, in order.
fn index_ids(event_ids: &mut EventIds, ids: Vec<IdEntry>) {
    for (key, holder) in ids {
        event_ids.entry(key).or_default().push(holder);
    }
}

/// Flattened data not yet split into components.
#[derive(Default)]
pub struct Pool {
    pub records: Vec<Rec>,
    pub events: Vec<(Option<Arc<str>>, Ev)>,
    pub links: Vec<Link>,
}

impl Pool {
    /// Adds a flattened batch and indexes its events' `_id`s.
    pub fn add(&mut self, event_ids: &mut EventIds, flat: Flat) {
        let mut ids = Vec::new();
        self.add_rows(flat, &mut ids);
        index_ids(event_ids, ids);
    }

    /// Adds a flattened batch, pushing its events' `_id` entries onto `ids` for [`index_ids`].
    fn add_rows(&mut self, flat: Flat, ids: &mut Vec<IdEntry>) {
        self.records.extend(flat.prepared.records);
        self.links.extend(flat.prepared.links);
        for (e, id) in flat.prepared.events.into_iter().zip(flat.ids) {
            if let Some(id) = &id {
                ids.push(((e.dataset, id.clone()), (e.seq, e.primary)));
            }
            self.events.push((id, e));
        }
    }

    /// Moves a component's data back into the pool, leaving out the batches of `gone` ranks.
    pub fn take(&mut self, comp: Comp, gone: &FxHashSet<u32>) {
        self.records.extend(comp.records.into_iter().filter(|r| !gone.contains(&r.batch)));
        self.events.extend(comp.events.into_iter().filter(|(_, e)| !gone.contains(&e.batch)));
        self.links.extend(comp.links.into_iter().filter(|l| !gone.contains(&l.batch)));
    }

    /// Splits the data into plain connected components (union-find over every link).
    pub fn split(self) -> Vec<Comp> {
        let mut idents: Vec<Ident> = Vec::new();
        // Numbered by the texts' addresses, without reading text (see `ingest::Text`).
        let mut by_address: FxHashMap<(usize, usize), usize> = FxHashMap::default();
        let mut slot = |i: &Ident| -> usize {
            *by_address.entry(i.address()).or_insert_with(|| {
                idents.push(*i);
                idents.len() - 1
            })
        };
        let records: Vec<usize> = self.records.iter().map(|r| slot(&r.primary)).collect();
        let events: Vec<usize> = self.events.iter().map(|(_, e)| slot(&e.primary)).collect();
        let links: Vec<(usize, usize)> = self.links.iter().map(|l| (slot(&l.a), slot(&l.b))).collect();
        let mut graph = UnionFind::new(idents.len());
        for &(a, b) in &links {
            graph.union(a, b);
        }
        let (comp_at, count) = graph.labels();
        // Each component's vectors sized once (most components are a few rows).
        let mut sizes = vec![[0usize; 4]; count];
        comp_at.iter().for_each(|&c| sizes[c][0] += 1);
        records.iter().for_each(|&n| sizes[comp_at[n]][1] += 1);
        events.iter().for_each(|&n| sizes[comp_at[n]][2] += 1);
        links.iter().for_each(|&(a, _)| sizes[comp_at[a]][3] += 1);
        let mut comps: Vec<Comp> = sizes
            .into_iter()
            .map(|[i, r, e, l]| Comp {
                idents: Vec::with_capacity(i),
                records: Vec::with_capacity(r),
                events: Vec::with_capacity(e),
                links: Vec::with_capacity(l),
                ..Comp::default()
            })
            .collect();
        for (n, ident) in idents.into_iter().enumerate() {
            comps[comp_at[n]].idents.push(ident);
        }
        for (r, n) in self.records.into_iter().zip(records) {
            comps[comp_at[n]].records.push(r);
        }
        for (e, n) in self.events.into_iter().zip(events) {
            comps[comp_at[n]].events.push(e);
        }
        for (l, (a, _)) in self.links.into_iter().zip(links) {
            comps[comp_at[a]].links.push(l);
        }
        comps
    }
}

/// `NS:VALUE` of every identity listed in a profile's JSON line.
pub fn identity_keys(line: &str) -> Vec<String> {
    crate::output::LineHead::parse(line)
        .map(|h| h.identities.iter().map(|i| format!("{}:{}", i.namespace, i.id)).collect())
        .unwrap_or_default()
}
