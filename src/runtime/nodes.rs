//! Dense numbers for the identities of a run's flattened data. Identities are numbered once,
//! and the identity stage and the component store then group records, events and links by
//! array index instead of hashing identity strings again in each stage.

use super::prepare::Prepared;
use crate::ingest::Ident;
use rustc_hash::FxHashMap;

/// The node number of every identity of a [`Prepared`], and of each of its links' ends,
/// records' and events' primaries.
#[derive(Debug, Default)]
pub struct Nodes {
    /// Node → identity, in order of first appearance: link ends first (in link order), then
    /// the primaries that have no link (records, then events).
    pub idents: Vec<Ident>,
    /// Node of each identity, by its texts' addresses.
    index: FxHashMap<(usize, usize), u32>,
    /// The two nodes of each link, in `Prepared::links` order.
    pub links: Vec<(u32, u32)>,
    /// The primary's node of each record and of each event, in their order.
    pub records: Vec<u32>,
    pub events: Vec<u32>,
}

impl Nodes {
    /// Numbers every identity of `prepared`.
    ///
    /// The link ends and the records' and events' primaries are numbered at the same time, on
    /// two workers, each in its own order of first appearance; the primaries that no link
    /// names then take the numbers after the link ends', in their order. That is the order a
    /// single pass over links, records and events would give.
    pub fn number(prepared: &Prepared) -> Nodes {
        let (ends, primaries) = rayon::join(
            || {
                // Every link names a new identity at most once (its second end).
                let mut ends = Numbering::with_capacity(prepared.links.len());
                let links: Vec<(u32, u32)> =
                    prepared.links.iter().map(|l| (ends.number(&l.a), ends.number(&l.b))).collect();
                (ends, links)
            },
            || {
                let mut primaries = Numbering::with_capacity(prepared.records.len());
                let records: Vec<u32> =
                    prepared.records.iter().map(|r| primaries.number(&r.primary)).collect();
                let events: Vec<u32> = prepared.events.iter().map(|e| primaries.number(&e.primary)).collect();
                (primaries, records, events)
            },
        );
        let ((mut ends, links), (primaries, records, events)) = (ends, primaries);
        // Each primary's number among the link ends', or the next one.
        let renumber: Vec<u32> = primaries.idents.iter().map(|i| ends.number(i)).collect();
        Nodes {
            idents: ends.idents,
            index: ends.by_address,
            links,
            records: records.into_iter().map(|n| renumber[n as usize]).collect(),
            events: events.into_iter().map(|n| renumber[n as usize]).collect(),
        }
    }

    /// The node of `i`, if it occurs in the data.
    pub fn get(&self, i: &Ident) -> Option<u32> {
        self.index.get(&i.address()).copied()
    }

    /// How many identities there are.
    pub fn len(&self) -> usize {
        self.idents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idents.is_empty()
    }
}

/// Identities numbered in order of first appearance, found again by their texts' addresses
/// (equal identities, and only they, have equal addresses: see `ingest::Text`), so numbering
/// hashes two integers and never reads an identity's text.
#[derive(Debug, Default)]
struct Numbering {
    idents: Vec<Ident>,
    by_address: FxHashMap<(usize, usize), u32>,
}

impl Numbering {
    /// Sized once for `expected` identities: a table grown by doubling rehashes into fresh
    /// memory each time.
    fn with_capacity(expected: usize) -> Numbering {
        Numbering {
            idents: Vec::with_capacity(expected),
            by_address: FxHashMap::with_capacity_and_hasher(expected, Default::default()),
        }
    }

    /// The number of `i`, numbering it when new.
    fn number(&mut self, i: &Ident) -> u32 {
        let next = self.idents.len() as u32;
        let n = *self.by_address.entry(i.address()).or_insert(next);
        if n == next {
            self.idents.push(*i);
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::prepare::{Link, Rec};

    fn id(s: &str) -> Ident {
        Ident::new("ECID", s)
    }

    #[test]
    fn link_ends_are_numbered_first_then_the_other_primaries() {
        let link =
            |a: &str, b: &str| Link { a: id(a), b: id(b), time: 0, seq: 0, dataset: 0, batch: 0, line: 0 };
        let body = serde_json::json!({});
        let rec = |p: &str| Rec {
            dataset: 0,
            batch: 0,
            line: 0,
            seq: 0,
            time: 0,
            primary: id(p),
            body: (&body).into(),
        };
        let ev = |p: &str| crate::runtime::fixture::event(1, 0, id(p));
        let prepared = Prepared {
            records: vec![rec("z"), rec("a")].into(),
            events: vec![ev("y"), ev("b"), ev("y")].into(),
            links: vec![link("a", "b"), link("c", "a")].into(),
            ..Prepared::default()
        };
        let nodes = Nodes::number(&prepared);
        let names: Vec<&str> = nodes.idents.iter().map(|i| &*i.id).collect();
        assert_eq!(names, ["a", "b", "c", "z", "y"]);
        assert_eq!(nodes.links, [(0, 1), (2, 0)]);
        assert_eq!((nodes.records.as_slice(), nodes.events.as_slice()), (&[3, 0][..], &[4, 1, 4][..]));
        assert_eq!(nodes.get(&id("c")), Some(2));
        assert_eq!(nodes.get(&id("q")), None);
    }
}
