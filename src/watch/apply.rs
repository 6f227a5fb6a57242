//! One incremental evaluation: the batches ingest just stored (or forgot) go into the state,
//! and only the components they touch are re-stitched and their profiles rebuilt.
//!
//! Affected: the components of every identity of an added or removed batch, and of every event
//! sharing an `_id` (in its dataset) with one of their events, since the last ingested of those
//! wins (SPEC 4) and the winner may change hands. Their data (less the removed batches, plus
//! the new ones) is split again into components, stitched with `runtime::graph::stitch`, and
//! each profile built with `runtime::profile::build`, exactly as a run does for the whole store.

use super::incremental::{self, AttributePath, Profiles};
use super::state::{self, Pool, Shape, State};
use crate::ingest::Ident;
use crate::runtime::graph;
use crate::runtime::incremental::Ingested;
use crate::runtime::prepare::{Ev, Rec};
use crate::runtime::profile::{self, Ctx};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeSet;

/// What one incremental evaluation changed.
#[derive(Debug, Default)]
pub struct Update {
    /// The `changes.jsonl` lines.
    pub changes: Vec<String>,
    /// Profiles gone or replaced: profileId and their identity keys (for the store).
    pub removed: Vec<(String, Vec<String>)>,
    /// Profiles built: profileId, line, identity keys.
    pub upserted: Vec<(String, String, Vec<String>)>,
}

/// Puts `ingested` into `state` and `profiles`. `None` when a new batch finds no free rank
/// between its neighbours: the caller rebuilds everything (the state is then unusable).
pub fn apply(
    state: &mut State,
    profiles: &mut Profiles,
    ctx: &Ctx,
    shape: &Shape,
    ingested: Ingested,
    attributes: &[AttributePath],
    changed_at: &str,
) -> Option<Update> {
    let mut idents: FxHashSet<Ident> = FxHashSet::default();
    let mut keys: FxHashSet<(u32, std::sync::Arc<str>)> = FxHashSet::default();
    let mut gone: FxHashSet<u32> = FxHashSet::default();
    // Removed and replaced batches leave, with everything they touched.
    let mut kept_rank: FxHashMap<String, u32> = FxHashMap::default();
    let replaced = ingested.added.iter().map(|(e, _)| &e.id);
    for id in ingested.removed.iter().chain(replaced) {
        if let Some(info) = state.batches.remove(id) {
            gone.insert(info.rank);
            kept_rank.insert(id.clone(), info.rank);
            idents.extend(info.idents);
            keys.extend(info.event_keys);
            state.rejections_dirty.insert(info.dataset);
        }
    }
    // New batches take a rank between their neighbours (a replaced one keeps its own).
    let mut ranked = Vec::with_capacity(ingested.added.len());
    for (entry, batch) in ingested.added {
        let rank = match kept_rank.get(&entry.id) {
            Some(&r) => r,
            None => free_rank(state, &entry.id)?,
        };
        // A placeholder, so that the next new batch sees this one's rank.
        state.batches.insert(entry.id.clone(), state::BatchInfo { rank, ..Default::default() });
        ranked.push((entry, batch, rank));
    }
    let flattened: Vec<state::Flattened> = ranked
        .into_par_iter()
        .with_max_len(1)
        .map(|(entry, batch, rank)| state::flatten(entry, batch, shape, rank))
        .collect();
    for f in &flattened {
        idents.extend(f.info.idents.iter().cloned());
        keys.extend(f.info.event_keys.iter().cloned());
    }
    // The winner of a shared `_id` may change: every holder of one is affected.
    for k in &keys {
        if let Some(holders) = state.event_ids.get_mut(k) {
            holders.retain(|(seq, _)| !gone.contains(&((*seq >> 32) as u32)));
            idents.extend(holders.iter().map(|(_, p)| *p));
        }
    }

    let t = std::time::Instant::now();
    let tm = |w: &str| {
        if std::env::var("MOSAIC_WATCH_TIMING").is_ok() {
            eprintln!("  A {w} {:?}", t.elapsed())
        }
    };
    // Take the affected components out.
    let comps: BTreeSet<u32> = idents.iter().filter_map(|i| state.comp_of.get(i).copied()).collect();
    let mut pool = Pool::default();
    let mut before = Profiles::new();
    let mut update = Update::default();
    for c in comps {
        let Some(mut comp) = state.comps.remove(&c) else { continue };
        for i in &comp.idents {
            state.comp_of.remove(i);
        }
        for (id, keys) in std::mem::take(&mut comp.profiles) {
            if let Some(line) = profiles.remove(&id) {
                before.insert(id.clone(), line);
            }
            update.removed.push((id, keys));
        }
        for s in std::mem::take(&mut comp.shed) {
            state.shed.remove(&s);
        }
        pool.take(comp, &gone);
    }
    for f in flattened {
        state.rejections_dirty.insert(f.info.dataset.clone());
        pool.add(&mut state.event_ids, f.flat);
        state.batches.insert(f.id, f.info);
    }
    for k in &keys {
        if state.event_ids.get(k).is_some_and(|holders| holders.is_empty()) {
            state.event_ids.remove(k);
        }
    }

    // Stitch and build them again, then split them into components.
    let winner = |id: &Option<std::sync::Arc<str>>, e: &Ev| match id {
        None => true,
        Some(id) => state
            .event_ids
            .get(&(e.dataset, id.clone()))
            .and_then(|h| h.iter().map(|(s, _)| *s).max())
            .is_none_or(|s| s == e.seq),
    };
    let live: Vec<&Ev> = pool.events.iter().filter(|(id, e)| winner(id, e)).map(|(_, e)| e).collect();
    let primaries =
        graph::distinct(pool.records.iter().map(|r| &r.primary).chain(live.iter().map(|e| &e.primary)));
    tm(&format!("pool r{} e{} l{}", pool.records.len(), pool.events.len(), pool.links.len()));
    let stitched = graph::stitch(ctx.project, ctx.policy.identity_graph, &pool.links, &primaries);
    let mut owner: FxHashMap<&Ident, usize> = FxHashMap::default();
    for (p, ids) in stitched.profiles.iter().enumerate() {
        owner.extend(ids.iter().map(|i| (i, p)));
    }
    let mut records: Vec<Vec<&Rec>> = vec![Vec::new(); stitched.profiles.len()];
    for r in &pool.records {
        if let Some(&p) = owner.get(&r.primary) {
            records[p].push(r);
        }
    }
    let mut events: Vec<Vec<&Ev>> = vec![Vec::new(); stitched.profiles.len()];
    for e in live {
        if let Some(&p) = owner.get(&e.primary) {
            events[p].push(e);
        }
    }
    // A profile with the identities of an old one and none of the touched identities has the
    // same data as before: its line is kept (on the wall clock it keeps its former `now`).
    let old_by_keys: FxHashMap<&[String], &String> =
        update.removed.iter().map(|(id, keys)| (keys.as_slice(), id)).collect();
    let built: Vec<_> = (0..stitched.profiles.len())
        .into_par_iter()
        .filter_map(|p| {
            let ids = &stitched.profiles[p];
            if !ids.iter().any(|i| idents.contains(i)) {
                let keys: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
                let kept =
                    old_by_keys.get(keys.as_slice()).and_then(|id| Some(((*id).clone(), before.get(*id)?)));
                if let Some((id, line)) = kept {
                    return Some((id, line.clone(), keys));
                }
            }
            // Ingestion order, as a run hands them over.
            let mut recs = records[p].clone();
            recs.sort_by_key(|r| r.seq);
            let mut evs = events[p].clone();
            evs.sort_by_key(|e| e.seq);
            let profile = profile::build(ctx, profile::profile_id(ctx.project, ids), ids, &recs, &evs).0?;
            let keys: Vec<String> = profile.identities.iter().map(Ident::key).collect();
            Some((profile.profile_id.clone(), profile.to_line(), keys))
        })
        .collect();
    drop(old_by_keys);
    tm(&format!("built {}", built.len()));
    let shed: Vec<(String, serde_json::Value)> = stitched
        .shed
        .iter()
        .map(|(id, from, reason)| (id.clone(), serde_json::json!({"fromProfile": from, "reason": reason})))
        .collect();
    drop(owner);
    let after: Profiles = built.iter().map(|(id, line, _)| (id.clone(), line.clone())).collect();
    let placed = built.iter().map(|(id, _, keys)| (id.clone(), keys.clone()));
    state.settle(pool.split(), placed, shed);
    tm("split");
    update.changes = incremental::diff(&before, &after, attributes, changed_at);
    // The store only needs the rows that differ.
    update.removed.retain(|(id, _)| after.get(id) != before.get(id));
    update.upserted = built.into_iter().filter(|(id, line, _)| before.get(id) != Some(line)).collect();
    profiles.extend(after);
    Some(update)
}

/// A rank strictly between the neighbours of `id` in batch-id order, at most `GAP` past the one
/// below (`GAP` past the last one).
fn free_rank(state: &State, id: &str) -> Option<u32> {
    use std::ops::Bound::{Excluded, Unbounded};
    let below =
        state.batches.range::<str, _>((Unbounded, Excluded(id))).next_back().map_or(0, |(_, b)| b.rank);
    match state.batches.range::<str, _>((Excluded(id), Unbounded)).next() {
        Some((_, above)) => {
            let r = below + (above.rank.checked_sub(below)? / 2).min(state::GAP);
            (r > below).then_some(r)
        }
        None => below.checked_add(state::GAP),
    }
}
