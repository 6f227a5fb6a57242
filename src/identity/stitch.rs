//! The identity graph (SPEC 3): connected components, unique namespaces, graph-limit shedding.
//!
//! `stitch` first splits the data into plain connected components (every link counts); the
//! constrained passes only ever cut a component apart, so components are independent and
//! [`stitch_component`] is the unit a parallel or distributed runner schedules.

use super::union_find::UnionFind;
use super::{Identity, Link, Origin};
use crate::policy::{GraphType, IdentitySettings, NamespaceType};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cmp::{Ordering, Reverse};

/// One stitched profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StitchedProfile {
    /// The identity that names the profile (SPEC 3, `profileId`).
    pub profile_id: Identity,
    /// All identities of the profile, sorted by namespace code, then value.
    pub identities: Vec<Identity>,
}

/// A link pass 1 did not add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLink {
    pub link: Link,
    pub reason: String,
}

/// An identity pass 2 took out of an over-full graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShedIdentity {
    pub identity: Identity,
    pub reason: String,
    /// The profile id of the graph it was shed from (before shedding).
    pub from_profile: Identity,
}

/// The result of stitching one partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stitching {
    /// Sorted by profile id `<code>:<value>`.
    pub profiles: Vec<StitchedProfile>,
    /// Every identity of every profile → index into `profiles`. Identities of graphs without
    /// data are absent.
    pub profile_of: FxHashMap<Identity, usize>,
    pub refused: Vec<RefusedLink>,
    pub shed: Vec<ShedIdentity>,
}

impl Stitching {
    /// The profile holding `identity`, if it is in one.
    pub fn profile_for(&self, identity: &Identity) -> Option<&StitchedProfile> {
        self.profile_of.get(identity).and_then(|&i| self.profiles.get(i))
    }
}

/// A plain connected component of the link graph: the unit of independent work. It borrows
/// the identities and links it is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component<'l> {
    /// Sorted by namespace code, then value; no duplicates.
    pub identities: Vec<&'l Identity>,
    /// `has_data[i]`: `identities[i]` is the primary identity of some record or event.
    pub has_data: Vec<bool>,
    /// The links among them, in [`link_order`] (newest first); [`stitch_component`] relies on it.
    pub links: Vec<&'l Link>,
    /// `ends[i]`: the positions in `identities` of the two ends of `links[i]`.
    pub ends: Vec<(usize, usize)>,
}

/// What [`stitch_component`] gives for one component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComponentStitching {
    /// In no particular order; [`stitch`] sorts them.
    pub profiles: Vec<StitchedProfile>,
    pub refused: Vec<RefusedLink>,
    pub shed: Vec<ShedIdentity>,
}

/// Stitches identities into profiles under the merge policy's graph type.
///
/// `primaries` are the identities that own data (primary identities of records and events).
/// The result does not depend on the order of `links` or `primaries`.
pub fn stitch(
    settings: &IdentitySettings,
    graph: GraphType,
    links: &[Link],
    primaries: &[Identity],
) -> Stitching {
    let mut parts = Vec::new();
    match graph {
        GraphType::None => {
            let mut own: Vec<&Identity> = primaries.iter().collect();
            own.sort_by(|x, y| x.cmp_by_code(y, settings));
            own.dedup();
            parts.extend(
                own.into_iter()
                    .map(|i| StitchedProfile { profile_id: i.clone(), identities: vec![i.clone()] }),
            );
            assemble(settings, parts, Vec::new(), Vec::new())
        }
        GraphType::Pdg => stitch_numbered(settings, Numbered::new(links, primaries)),
    }
}

/// [`stitch`] with a `pdg` graph, of identities already numbered.
pub fn stitch_numbered(settings: &IdentitySettings, input: Numbered) -> Stitching {
    let (mut parts, mut refused, mut shed) = (Vec::new(), Vec::new(), Vec::new());
    // Components are independent: stitched in parallel, taken in their order.
    let components = components_of(settings, input);
    let stitched: Vec<ComponentStitching> =
        components.par_iter().map(|c| stitch_component(settings, c)).collect();
    for done in stitched {
        parts.extend(done.profiles);
        refused.extend(done.refused);
        shed.extend(done.shed);
    }
    assemble(settings, parts, refused, shed)
}

/// Sorts profiles by id and indexes their identities.
fn assemble(
    settings: &IdentitySettings,
    profiles: Vec<StitchedProfile>,
    refused: Vec<RefusedLink>,
    shed: Vec<ShedIdentity>,
) -> Stitching {
    let mut keyed: Vec<(String, StitchedProfile)> =
        profiles.into_iter().map(|p| (p.profile_id.key(settings), p)).collect();
    keyed.sort_by(|(ka, a), (kb, b)| ka.cmp(kb).then_with(|| a.profile_id.ns.cmp(&b.profile_id.ns)));
    let profiles: Vec<StitchedProfile> = keyed.into_iter().map(|(_, p)| p).collect();
    let mut profile_of = FxHashMap::default();
    for (i, p) in profiles.iter().enumerate() {
        for id in &p.identities {
            profile_of.insert(id.clone(), i);
        }
    }
    Stitching { profiles, profile_of, refused, shed }
}

/// The order links are considered in: newest record time first, ties later ingestion first,
/// then the endpoints and origin so that equal-time links of one record are ordered too.
pub fn link_order(settings: &IdentitySettings, x: &Link, y: &Link) -> Ordering {
    let ends = |l: &Link| match l.a.cmp_by_code(&l.b, settings) {
        Ordering::Greater => (l.b.clone(), l.a.clone()),
        _ => (l.a.clone(), l.b.clone()),
    };
    let ((xa, xb), (ya, yb)) = (ends(x), ends(y));
    y.time
        .cmp(&x.time)
        .then_with(|| y.seq.cmp(&x.seq))
        .then_with(|| xa.cmp_by_code(&ya, settings))
        .then_with(|| xb.cmp_by_code(&yb, settings))
        .then_with(|| x.origin.cmp(&y.origin))
        .then_with(|| x.a.cmp_by_code(&y.a, settings))
}

/// A stitcher's input with every identity numbered once: `identities[n]` is identity `n`, and
/// `ends[i]` the numbers of the two ends of `links[i]`.
#[derive(Debug, Clone)]
pub struct Numbered<'l> {
    /// Distinct identities: the links' ends and the primaries.
    pub identities: Vec<&'l Identity>,
    /// `has_data[n]`: identity `n` is the primary identity of some record or event.
    pub has_data: Vec<bool>,
    pub links: Vec<&'l Link>,
    pub ends: Vec<(usize, usize)>,
}

impl<'l> Numbered<'l> {
    /// Numbers the identities of `links` and `primaries` in order of first appearance (one
    /// hash lookup per mention).
    pub fn new(links: &'l [Link], primaries: &'l [Identity]) -> Numbered<'l> {
        let mut first: FxHashMap<&'l Identity, usize> =
            FxHashMap::with_capacity_and_hasher(primaries.len() + links.len(), Default::default());
        let mut identities: Vec<&'l Identity> = Vec::new();
        let mut number = |i: &'l Identity| -> usize {
            *first.entry(i).or_insert_with(|| {
                identities.push(i);
                identities.len() - 1
            })
        };
        let owned: Vec<usize> = primaries.iter().map(&mut number).collect();
        let ends: Vec<(usize, usize)> = links.iter().map(|l| (number(&l.a), number(&l.b))).collect();
        let mut has_data = vec![false; identities.len()];
        owned.into_iter().for_each(|n| has_data[n] = true);
        Numbered { identities, has_data, links: links.iter().collect(), ends }
    }
}

/// Splits the identities of `links` and `primaries` into plain connected components, in the
/// order of their first identity.
pub fn components<'l>(
    settings: &IdentitySettings,
    links: &'l [Link],
    primaries: &'l [Identity],
) -> Vec<Component<'l>> {
    components_of(settings, Numbered::new(links, primaries))
}

/// [`components`] of identities already numbered: the result does not depend on the numbering.
pub fn components_of<'l>(settings: &IdentitySettings, input: Numbered<'l>) -> Vec<Component<'l>> {
    let Numbered { identities: seen, has_data, links, ends } = input;
    // Sorting on each namespace's rank by code equals `Identity::cmp_by_code`, without
    // comparing code strings for every pair.
    let mut by_code: Vec<usize> = (0..settings.namespaces.len()).collect();
    by_code.sort_by(|&x, &y| settings.namespaces[x].code.cmp(&settings.namespaces[y].code));
    let mut rank = vec![0usize; settings.namespaces.len()];
    by_code.iter().enumerate().for_each(|(r, &n)| rank[n] = r + 1);
    let key = |i: &Identity| rank.get(i.ns as usize).copied().unwrap_or(0);
    // The first eight bytes of a value (zero-padded) order values as their text does, unless
    // they are equal: most comparisons end there, without reading the values themselves.
    let prefix = |i: &Identity| {
        let (mut head, v) = ([0u8; 8], i.value.as_bytes());
        head[..v.len().min(8)].copy_from_slice(&v[..v.len().min(8)]);
        u64::from_be_bytes(head)
    };
    // Identities are distinct, so the unstable sort is deterministic; the sorts are parallel
    // (a large graph has millions of links) and give what sequential ones give.
    let mut order: Vec<(usize, u64, usize)> =
        seen.par_iter().enumerate().map(|(n, i)| (key(i), prefix(i), n)).collect();
    order.par_sort_unstable_by(|x, y| {
        (x.0, x.1).cmp(&(y.0, y.1)).then_with(|| {
            let (a, b) = (seen[x.2], seen[y.2]);
            a.value.cmp(&b.value).then(a.ns.cmp(&b.ns))
        })
    });
    // index[n]: the code-order index of the identity numbered n.
    let mut index = vec![0u32; seen.len()];
    order.iter().enumerate().for_each(|(at, &(_, _, n))| index[n] = at as u32);
    let all: Vec<&Identity> = order.iter().map(|&(_, _, n)| seen[n]).collect();
    let owner: Vec<bool> = order.iter().map(|&(_, _, n)| has_data.get(n).copied().unwrap_or(false)).collect();
    drop(order);
    // Indices follow the code order, so sorting on them gives exactly [`link_order`]; each
    // link's key is taken out of it once, and its position ends the key, so the unstable sort
    // keeps equal links in their order as a stable one would.
    let mut sorted: Vec<LinkKey> = links
        .par_iter()
        .zip(ends)
        .enumerate()
        .filter_map(|(k, (l, (a, b)))| {
            let (a, b) = (index[a], index[b]);
            (a != b).then_some((
                Reverse(l.time),
                Reverse(l.seq),
                a.min(b),
                a.max(b),
                l.origin,
                a,
                b,
                k as u32,
            ))
        })
        .collect();
    sorted.par_sort_unstable();
    let mut uf = UnionFind::new(all.len());
    for &(.., a, b, _) in &sorted {
        uf.union(a as usize, b as usize);
    }
    let groups = uf.groups();
    // slot[m]: (component, position inside it) of identity m.
    let mut slot = vec![(0usize, 0usize); all.len()];
    for (g, members) in groups.iter().enumerate() {
        members.iter().enumerate().for_each(|(pos, &m)| slot[m] = (g, pos));
    }
    // Each component's links counted first, so its vectors are allocated once.
    let mut counts = vec![0usize; groups.len()];
    for &(.., a, _, _) in &sorted {
        counts[slot[a as usize].0] += 1;
    }
    let mut out: Vec<Component> = groups
        .par_iter()
        .zip(counts)
        .map(|(members, n)| Component {
            identities: members.iter().map(|&m| all[m]).collect(),
            has_data: members.iter().map(|&m| owner[m]).collect(),
            links: Vec::with_capacity(n),
            ends: Vec::with_capacity(n),
        })
        .collect();
    for (.., a, b, k) in sorted {
        let (a, b) = (slot[a as usize], slot[b as usize]);
        let c = &mut out[a.0];
        c.links.push(links[k as usize]);
        c.ends.push((a.1, b.1));
    }
    out
}

/// A link's place in [`link_order`] for [`components_of`]: newest time and sequence first,
/// then the code-order indexes of its ends (lower, higher), its origin, its first end's index,
/// its second end's, and its position in the input.
type LinkKey = (Reverse<i64>, Reverse<u64>, u32, u32, Origin, u32, u32, u32);

/// Runs pass 1 (unique namespaces) and pass 2 (graph limit) on one component.
pub fn stitch_component(settings: &IdentitySettings, component: &Component) -> ComponentStitching {
    let ids = &component.identities;
    let mut out = ComponentStitching::default();
    let kept = unique_pass(settings, component, &mut out.refused);

    // The most recent kept link of each identity; links are newest first, so the first wins.
    let mut last_link: Vec<Option<i64>> = vec![None; ids.len()];
    for &(a, b, time) in &kept {
        for x in [a, b] {
            last_link[x].get_or_insert(time);
        }
    }
    let mut graphs = UnionFind::new(ids.len());
    for &(a, b, _) in &kept {
        graphs.union(a, b);
    }
    let mut shed = vec![false; ids.len()];
    for graph in graphs.groups() {
        limit_pass(settings, ids, &graph, &last_link, &mut shed, &mut out.shed);
    }

    // Identities kept form profiles by the kept links among them; shed ones stand alone.
    let mut profiles = UnionFind::new(ids.len());
    for &(a, b, _) in &kept {
        if !shed[a] && !shed[b] {
            profiles.union(a, b);
        }
    }
    for members in profiles.groups() {
        if !members.iter().any(|&m| component.has_data.get(m).copied().unwrap_or(false)) {
            continue;
        }
        let identities: Vec<Identity> = members.iter().map(|&m| ids[m].clone()).collect();
        if let Some(profile_id) = super::profile_id(&identities, settings).cloned() {
            out.profiles.push(StitchedProfile { profile_id, identities });
        }
    }
    out
}

/// Pass 1: adds links newest first unless one would join two different identities of a unique
/// namespace. Returns the kept links as (a, b, time), newest first.
fn unique_pass(
    settings: &IdentitySettings,
    component: &Component,
    refused: &mut Vec<RefusedLink>,
) -> Vec<(usize, usize, i64)> {
    let ids = &component.identities;
    let is_unique = |i: usize| ids[i].namespace(settings).is_some_and(|n| n.unique);
    // Per union-find root: the unique-namespace identities of its graph (at most one per namespace).
    let mut uniques: Vec<Vec<usize>> =
        (0..ids.len()).map(|i| if is_unique(i) { vec![i] } else { vec![] }).collect();
    let mut uf = UnionFind::new(ids.len());
    let mut kept = Vec::new();
    for (link, &(a, b)) in component.links.iter().zip(&component.ends) {
        if a == b || a >= ids.len() || b >= ids.len() {
            continue;
        }
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra != rb {
            let clash = uniques[ra]
                .iter()
                .find_map(|&x| uniques[rb].iter().find(|&&y| ids[x].ns == ids[y].ns).map(|&y| (x, y)));
            if let Some((x, y)) = clash {
                let (x, y) = (x.min(y), x.max(y)); // `ids` is sorted: name them in output order
                let reason = format!(
                    "would put {} and {} into one graph: namespace {} is unique and newer links won",
                    ids[x].key(settings),
                    ids[y].key(settings),
                    ids[x].code(settings)
                );
                refused.push(RefusedLink { link: Link::clone(link), reason });
                continue;
            }
            if let Some((root, child)) = uf.union(a, b) {
                let moved = std::mem::take(&mut uniques[child]);
                uniques[root].extend(moved);
            }
        }
        kept.push((a, b, link.time));
    }
    kept
}

/// Pass 2 for one graph: marks identities to shed until it has `graphLimit` identities.
fn limit_pass(
    settings: &IdentitySettings,
    ids: &[&Identity],
    graph: &[usize],
    last_link: &[Option<i64>],
    shed: &mut [bool],
    log: &mut Vec<ShedIdentity>,
) {
    let limit = settings.graph_limit;
    if graph.len() <= limit {
        return;
    }
    let members: Vec<Identity> = graph.iter().map(|&m| ids[m].clone()).collect();
    let Some(from_profile) = super::profile_id(&members, settings).cloned() else { return };
    let ty = |m: usize| ids[m].namespace(settings).map(|n| n.ty);
    let class = |m: usize| match ty(m) {
        Some(NamespaceType::Cookie) => 0,
        Some(NamespaceType::Device) => 1,
        _ => 2,
    };
    // `ids` is sorted by code then value, so the index breaks ties as SPEC 3 asks.
    let mut order = graph.to_vec();
    order.sort_by_key(|&m| (class(m), last_link[m], m));
    let excess = graph.len() - limit;
    for (rank, &m) in order.iter().take(excess).enumerate() {
        shed[m] = true;
        let reason = format!(
            "graph of {} identities exceeds graphLimit {}: shed {} of {} ({} namespace {}, most recent link {}); \
             cookies go first, then devices, then the rest, oldest most recent link first",
            graph.len(),
            limit,
            rank + 1,
            excess,
            type_name(ty(m)),
            ids[m].code(settings),
            last_link[m].map_or_else(|| "none".to_string(), format_time),
        );
        log.push(ShedIdentity { identity: ids[m].clone(), reason, from_profile: from_profile.clone() });
    }
}

fn type_name(ty: Option<NamespaceType>) -> &'static str {
    match ty {
        Some(NamespaceType::Cookie) => "cookie",
        Some(NamespaceType::Device) => "device",
        Some(NamespaceType::CrossDevice) => "crossDevice",
        Some(NamespaceType::Email) => "email",
        Some(NamespaceType::Phone) => "phone",
        Some(NamespaceType::NonPeople) => "nonPeople",
        Some(NamespaceType::Partner) => "partner",
        None => "unknown",
    }
}

/// RFC 3339 with milliseconds, as in every output (raw µs if out of range).
fn format_time(us: i64) -> String {
    match jiff::Timestamp::from_microsecond(us) {
        Ok(t) => format!("{t:.3}"),
        Err(_) => us.to_string(),
    }
}
