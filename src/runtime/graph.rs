//! The identity stage: the runtime's identities and links → `identity::stitch` → profiles.

use super::nodes::Nodes;
use super::prepare::Link;
use super::rows::Rows;
use crate::identity::{self, Identity, Origin};
use crate::ingest::Ident;
use crate::ingest::Text;
use crate::policy::{GraphType, IdentitySettings, Project};
use rayon::prelude::*;

/// The stitched profiles.
#[derive(Debug, Default)]
pub struct Stitched {
    /// Each profile's identities, sorted by namespace, then value.
    pub profiles: Vec<Vec<Ident>>,
    pub refused_links: u64,
    pub shed_identities: u64,
    /// Each shed identity (`NS:VALUE`) → the profile id of its graph before shedding and the
    /// reason (for `mosaic profile` and `explain`).
    pub shed: Vec<(String, String, String)>,
}

/// The graph's identity of an ingested one (ingest keeps only identities of known
/// namespaces, spelt as in their definition).
pub fn to_identity(settings: &IdentitySettings, i: &Ident) -> Option<Identity> {
    let ns = settings.namespaces.iter().position(|n| n.code == i.namespace)?;
    Some(Identity { ns: ns as u32, value: i.id })
}

/// The runtime's identity of a graph identity.
pub fn from_identity(settings: &IdentitySettings, i: &Identity) -> Ident {
    let namespace = i.namespace(settings).map_or_else(|| Text::new(""), |n| n.code);
    Ident { namespace, id: i.value }
}

/// Stitches the runtime's links and primary identities ([`distinct`]) with `identity::stitch`, keeping
/// everything it says (refused links, shed identities) for `explain`.
pub fn stitching<'l>(
    project: &Project,
    graph: GraphType,
    links: impl IntoIterator<Item = &'l Link>,
    primaries: &[Ident],
) -> identity::Stitching {
    let settings = &project.identity;
    // Without a graph every identity is its own profile: links are not looked at.
    let links: Vec<identity::Link> = links
        .into_iter()
        .take_while(|_| graph != GraphType::None)
        .filter_map(|l| {
            Some(identity::Link {
                a: to_identity(settings, &l.a)?,
                b: to_identity(settings, &l.b)?,
                time: l.time,
                seq: l.seq,
                origin: Origin { dataset: l.dataset, batch: l.batch, line: u64::from(l.line) },
            })
        })
        .collect();
    let primaries: Vec<Identity> = primaries.iter().filter_map(|i| to_identity(settings, i)).collect();
    identity::stitch(settings, graph, &links, &primaries)
}

/// The distinct identities of `ids`, sorted: the primaries [`stitch`] takes.
pub fn distinct<'i>(ids: impl Iterator<Item = &'i Ident>) -> Vec<Ident> {
    // Repeats go by address, without reading text (see `ingest::Text`).
    let mut seen = rustc_hash::FxHashSet::default();
    let mut out: Vec<Ident> = ids.filter(|&i| seen.insert(i.address())).copied().collect();
    out.par_sort_unstable();
    out
}

/// Each stitched profile's identities as the runtime's, sorted.
pub fn groups(settings: &IdentitySettings, stitching: &identity::Stitching) -> Vec<Vec<Ident>> {
    let group = |p: &identity::StitchedProfile| {
        let mut ids: Vec<Ident> = p.identities.iter().map(|i| from_identity(settings, i)).collect();
        ids.sort();
        ids
    };
    stitching.profiles.par_iter().map(group).collect()
}

/// The profiles without a graph: each primary identity of `nodes` alone, in node order, and
/// each node's profile (`u32::MAX` for an identity no record or event is keyed by).
pub fn unstitched(nodes: &Nodes) -> (Stitched, Vec<u32>) {
    let mut keyed = vec![false; nodes.len()];
    for &n in nodes.records.iter().chain(&nodes.events) {
        keyed[n as usize] = true;
    }
    let (mut profiles, mut owner) = (Vec::new(), vec![u32::MAX; nodes.len()]);
    for (n, ident) in nodes.idents.iter().enumerate().filter(|&(n, _)| keyed[n]) {
        owner[n] = profiles.len() as u32;
        profiles.push(vec![*ident]);
    }
    (Stitched { profiles, ..Stitched::default() }, owner)
}

/// Groups identities into profiles. `primaries` are the identities that hold a record or an
/// event ([`distinct`]): a group without one is not a profile.
pub fn stitch<'l>(
    project: &Project,
    graph: GraphType,
    links: impl IntoIterator<Item = &'l Link>,
    primaries: &[Ident],
) -> Stitched {
    stitched(&project.identity, stitching(project, graph, links, primaries))
}

/// [`stitch`] with a `pdg` graph over the identities `nodes` numbered (the run's `links`, and
/// the records' and events' primaries), with each node's profile (`u32::MAX`: none). The nodes'
/// numbers stand in for the stitcher's own, so no identity is hashed to number it again.
pub fn stitch_nodes(project: &Project, links: &Rows<Link>, nodes: &Nodes) -> (Stitched, Vec<u32>) {
    let settings = &project.identity;
    let graph: Vec<Option<Identity>> = nodes.idents.par_iter().map(|i| to_identity(settings, i)).collect();
    // The stitcher's numbers: the nodes that are graph identities, in node order.
    let mut number = vec![usize::MAX; graph.len()];
    let mut identities = Vec::with_capacity(graph.len());
    for (n, i) in graph.iter().enumerate() {
        if let Some(i) = i {
            number[n] = identities.len();
            identities.push(i);
        }
    }
    let numbered = |n: u32| number.get(n as usize).copied().filter(|&d| d != usize::MAX);
    let mut has_data = vec![false; identities.len()];
    nodes.records.iter().chain(&nodes.events).filter_map(|&n| numbered(n)).for_each(|d| has_data[d] = true);
    let converted: Vec<(identity::Link, (usize, usize))> = links
        .par_chunks()
        .flat_map_iter(|(start, rows)| {
            rows.iter().zip(&nodes.links[start..]).filter_map(|(l, &(a, b))| {
                let ends = (numbered(a)?, numbered(b)?);
                let link = identity::Link {
                    a: identities[ends.0].clone(),
                    b: identities[ends.1].clone(),
                    time: l.time,
                    seq: l.seq,
                    origin: Origin { dataset: l.dataset, batch: l.batch, line: u64::from(l.line) },
                };
                Some((link, ends))
            })
        })
        .collect();
    let input = identity::Numbered {
        identities,
        has_data,
        links: converted.iter().map(|(l, _)| l).collect(),
        ends: converted.iter().map(|&(_, ends)| ends).collect(),
    };
    let stitched = stitched(settings, identity::stitch_numbered(settings, input));
    // Each identity's node, found by its text, in parallel.
    let placed: Vec<(u32, u32)> = stitched
        .profiles
        .par_iter()
        .enumerate()
        .flat_map_iter(|(p, ids)| ids.iter().filter_map(move |i| Some((nodes.get(i)?, p as u32))))
        .collect();
    let mut owner = vec![u32::MAX; nodes.len()];
    placed.into_iter().for_each(|(n, p)| owner[n as usize] = p);
    (stitched, owner)
}

/// The runtime's form of what the stitcher gives.
fn stitched(settings: &IdentitySettings, stitching: identity::Stitching) -> Stitched {
    let profiles = groups(settings, &stitching);
    let shed = stitching
        .shed
        .iter()
        .map(|s| (s.identity.key(settings), s.from_profile.key(settings), s.reason.clone()))
        .collect();
    Stitched {
        profiles,
        refused_links: stitching.refused.len() as u64,
        shed_identities: stitching.shed.len() as u64,
        shed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::fixture::{event, project};
    use crate::runtime::prepare::Prepared;

    #[test]
    fn stitching_the_run_s_nodes_gives_what_stitching_its_identities_gives() {
        let mut project = project(std::path::Path::new("."), Vec::new(), Vec::new());
        project.identity.graph_limit = 3;
        let id = |key: &str| {
            let (ns, value) = key.split_once(':').unwrap_or(("", key));
            Ident::new(ns, value)
        };
        let link = |a: &str, b: &str, time: i64| Link {
            a: id(a),
            b: id(b),
            time,
            seq: time as u64,
            dataset: 0,
            batch: 0,
            line: 1,
        };
        let ev = |p: &str| event(0, 1, id(p));
        let prepared = Prepared {
            // Two CRMIDs meet through one cookie (the newer link wins, the older is refused); a
            // graph of four sheds past the limit of 3; an unknown namespace stays out of graphs.
            links: vec![
                link("CRMID:c-1", "ECID:e-1", 10),
                link("CRMID:c-2", "ECID:e-1", 20),
                link("ECID:e-2", "Email:a@x.se", 5),
                link("ECID:e-3", "Email:a@x.se", 6),
                link("ECID:e-4", "Email:a@x.se", 7),
                link("Nope:n-1", "ECID:e-4", 8),
            ]
            .into(),
            events: vec![ev("CRMID:c-1"), ev("ECID:e-2"), ev("ECID:e-9"), ev("ECID:e-4")].into(),
            ..Prepared::default()
        };
        let nodes = Nodes::number(&prepared);
        let (by_nodes, owner) = stitch_nodes(&project, &prepared.links, &nodes);
        let primaries = distinct(prepared.events.iter().map(|e| &e.primary));
        let by_identities = stitch(&project, GraphType::Pdg, &prepared.links, &primaries);
        assert_eq!(by_nodes.profiles, by_identities.profiles);
        assert_eq!(by_nodes.shed, by_identities.shed);
        assert_eq!(
            (by_nodes.refused_links, by_nodes.shed_identities),
            (by_identities.refused_links, by_identities.shed_identities)
        );
        assert_eq!((by_nodes.refused_links, by_nodes.shed_identities), (1, 1));
        let keys: Vec<Vec<String>> =
            by_nodes.profiles.iter().map(|p| p.iter().map(Ident::key).collect()).collect();
        assert!(keys.contains(&vec!["ECID:e-9".to_string()]), "{keys:?}");
        // Every identity of a profile is owned by it, and no other node is.
        for (n, ident) in nodes.idents.iter().enumerate() {
            let expected =
                by_nodes.profiles.iter().position(|p| p.contains(ident)).map_or(u32::MAX, |p| p as u32);
            assert_eq!(owner[n], expected, "{ident}");
        }
        assert!(owner.contains(&u32::MAX), "the unknown namespace's identity has no profile");
    }
}
