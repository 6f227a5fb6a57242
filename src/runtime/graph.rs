//! The identity stage: links → profiles (groups of identities), through the identity graph.
//!
//! Interim: a union-find with the unique-namespace rule (pass 1 of SPEC 3); the `identity`
//! module's `stitch` (graph limit, shedding, explain records) replaces it once merged.

use super::prepare::Link;
use crate::ingest::Ident;
use crate::policy::{GraphType, Project};
use std::collections::{BTreeMap, BTreeSet};

/// The stitched profiles.
#[derive(Debug, Default)]
pub struct Stitched {
    /// Each profile's identities, sorted; profiles in order of their smallest identity.
    pub profiles: Vec<Vec<Ident>>,
    pub refused_links: u64,
    pub shed_identities: u64,
}

/// Groups identities into profiles. `primaries` are the identities that hold a record or an
/// event: a group without one is not a profile.
pub fn stitch(project: &Project, graph: GraphType, links: &[Link], primaries: &BTreeSet<Ident>) -> Stitched {
    if graph == GraphType::None {
        let profiles = primaries.iter().map(|p| vec![p.clone()]).collect();
        return Stitched { profiles, ..Stitched::default() };
    }
    let mut index: BTreeMap<&Ident, usize> = BTreeMap::new();
    for i in primaries.iter().chain(links.iter().flat_map(|l| [&l.a, &l.b])) {
        let n = index.len();
        index.entry(i).or_insert(n);
    }
    let idents: Vec<&Ident> = {
        let mut v = vec![None; index.len()];
        for (i, &n) in &index {
            v[n] = Some(*i);
        }
        v.into_iter().flatten().collect()
    };
    let unique = |i: &Ident| project.namespace(&i.namespace).is_some_and(|n| n.unique);
    let mut parent: Vec<usize> = (0..idents.len()).collect();
    // Unique-namespace identities held by each root.
    let mut held: Vec<BTreeMap<String, String>> =
        idents
            .iter()
            .map(|i| {
                if unique(i) {
                    BTreeMap::from([(i.namespace.clone(), i.id.clone())])
                } else {
                    BTreeMap::new()
                }
            })
            .collect();
    let mut order: Vec<&Link> = links.iter().collect();
    order.sort_by_key(|l| std::cmp::Reverse((l.time, l.seq)));
    let mut refused = 0;
    for l in order {
        let (Some(&a), Some(&b)) = (index.get(&l.a), index.get(&l.b)) else { continue };
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra == rb {
            continue;
        }
        let clash = held[ra].iter().any(|(ns, v)| held[rb].get(ns).is_some_and(|w| w != v));
        if clash {
            refused += 1;
            continue;
        }
        let moved = std::mem::take(&mut held[rb]);
        held[ra].extend(moved);
        parent[rb] = ra;
    }
    let mut groups: BTreeMap<usize, Vec<Ident>> = BTreeMap::new();
    for (n, ident) in idents.iter().enumerate() {
        let r = find(&mut parent, n);
        groups.entry(r).or_default().push((*ident).clone());
    }
    let mut profiles: Vec<Vec<Ident>> = groups
        .into_values()
        .filter(|g| g.iter().any(|i| primaries.contains(i)))
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    profiles.sort();
    Stitched { profiles, refused_links: refused, shed_identities: 0 }
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}
