//! The identity stage: the runtime's identities and links → `identity::stitch` → profiles.

use super::nodes::Nodes;
use super::prepare::Link;
use crate::identity::{self, Identity, Origin};
use crate::ingest::Ident;
use crate::policy::{GraphType, IdentitySettings, Project};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::sync::Arc;

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
    // Ingest takes the namespace's own string, so the pointer mostly answers.
    let ns = settings
        .namespaces
        .iter()
        .position(|n| Arc::ptr_eq(&n.code, &i.namespace) || *n.code == *i.namespace)?;
    // The identity shares the ingested value's string.
    Some(Identity { ns: ns as u32, value: i.id.clone() })
}

/// The runtime's identity of a graph identity.
pub fn from_identity(settings: &IdentitySettings, i: &Identity) -> Ident {
    let namespace = i.namespace(settings).map_or_else(|| Arc::from(""), |n| n.code.clone());
    Ident { namespace, id: i.value.clone() }
}

/// Stitches the runtime's links and primary identities with `identity::stitch`, keeping
/// everything it says (refused links, shed identities) for `explain`.
pub fn stitching<'l>(
    project: &Project,
    graph: GraphType,
    links: impl IntoIterator<Item = &'l Link>,
    primaries: &BTreeSet<Ident>,
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
        profiles.push(vec![ident.clone()]);
    }
    (Stitched { profiles, ..Stitched::default() }, owner)
}

/// Groups identities into profiles. `primaries` are the identities that hold a record or an
/// event: a group without one is not a profile.
pub fn stitch<'l>(
    project: &Project,
    graph: GraphType,
    links: impl IntoIterator<Item = &'l Link>,
    primaries: &BTreeSet<Ident>,
) -> Stitched {
    let settings = &project.identity;
    let stitching = stitching(project, graph, links, primaries);
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
