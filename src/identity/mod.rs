//! Identity stitching: identities, links, primary-identity choice and the graph pass (SPEC 1.2, 1.4, 3).
//!
//! Everything here is a pure function over a partition of the data: no I/O, no global state.
//! The runtime extracts [`Identity`]s and [`Link`]s from records, then calls [`stitch`](fn@stitch), or
//! [`stitch_numbered`] when it has numbered the identities already (a run does).
//!
//! Decisions where SPEC 3 is silent:
//! - Link order is total: time desc, seq desc, then the endpoints in code order, then origin,
//!   so links of one record (same time and seq) are considered in a fixed order.
//! - A self-link (both ends the same identity) is ignored; a repeated link is harmless.
//! - The shedding rank uses only the time of an identity's latest kept link (no seq), as
//!   SPEC 3 names namespace code and value as the only tie-breaks.
//! - `ShedIdentity::from_profile` is the profile id of the whole graph before shedding, even
//!   when that graph ends up with no data of its own.
//! - Pass 2 ranks cookie, then device, then every other type as one class (SPEC 3 gives no
//!   order among the others), by the time of the latest kept link.
//! - `graphLimit` applies to pass-1 graphs; the pieces left after shedding are never re-checked
//!   (they can only be smaller).

mod primary;
mod stitch;
pub(crate) mod union_find;

/// Identity values are validated and normalized by one rule, where ingest reads them.
pub use crate::ingest::identities::{normalize_identity, Rejection, MAX_IDENTITY_CHARS};
pub use primary::{primary_of_event, primary_of_record, Candidate};
pub use stitch::{
    components, components_of, link_order, stitch, stitch_component, stitch_numbered, Component,
    ComponentStitching, Numbered, RefusedLink, ShedIdentity, StitchedProfile, Stitching,
};

use crate::ingest::Text;
use crate::policy::{IdentitySettings, Namespace};
use std::cmp::Ordering;

/// One identity: a namespace and a normalized value. Matching needs both to be equal.
/// The derived order (namespace index, value) is for maps only; output order is
/// [`Identity::cmp_by_code`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    /// Index into `Project.identity.namespaces`.
    pub ns: u32,
    /// The value after [`normalize_identity`].
    pub value: Text,
}

impl Identity {
    pub fn new(ns: u32, value: impl AsRef<str>) -> Identity {
        Identity { ns, value: Text::new(value.as_ref()) }
    }

    /// The identity's namespace definition (`None` when `ns` is out of range).
    pub fn namespace<'s>(&self, settings: &'s IdentitySettings) -> Option<&'s Namespace> {
        settings.namespaces.get(self.ns as usize)
    }

    /// The namespace code as spelt on output (empty when `ns` is out of range).
    pub fn code<'s>(&self, settings: &'s IdentitySettings) -> &'s str {
        self.namespace(settings).map_or("", |n| &*n.code)
    }

    /// `<code>:<value>`, the form used for profile ids and messages.
    pub fn key(&self, settings: &IdentitySettings) -> String {
        format!("{}:{}", self.code(settings), self.value)
    }

    /// The output order of identities: namespace code, then value.
    pub fn cmp_by_code(&self, other: &Identity, settings: &IdentitySettings) -> Ordering {
        self.code(settings)
            .cmp(other.code(settings))
            .then_with(|| self.value.cmp(&other.value))
            .then_with(|| self.ns.cmp(&other.ns))
    }

    /// The profile-id order: best (lowest) namespace priority first, identities without a
    /// priority last; ties go to the smallest namespace code, then the smallest value.
    pub fn cmp_for_profile_id(&self, other: &Identity, settings: &IdentitySettings) -> Ordering {
        let priority = |i: &Identity| i.namespace(settings).and_then(|n| n.priority);
        let rank = |p: Option<i64>| (p.is_none(), p.unwrap_or(0));
        rank(priority(self)).cmp(&rank(priority(other))).then_with(|| self.cmp_by_code(other, settings))
    }
}

/// Where a record came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Origin {
    /// Index into `Project.datasets`.
    pub dataset: u32,
    /// An index the runtime maps to a batch id `<dataset>/<file>`.
    pub batch: u32,
    /// Line (or row) number in the batch file, 1-based.
    pub line: u64,
}

/// Two identities seen in the same record or event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Link {
    pub a: Identity,
    pub b: Identity,
    /// The record time, µs since the epoch.
    pub time: i64,
    /// Ingestion order: higher is later.
    pub seq: u64,
    pub origin: Origin,
}

/// The links one record makes: every pair of its distinct identities ("two identities in the
/// same record are linked"). All pairs rather than a star, so that a pair stays linked when
/// pass 1 refuses another link of the same record.
pub fn links_of_record(identities: &[Identity], time: i64, seq: u64, origin: Origin) -> Vec<Link> {
    let mut distinct: Vec<&Identity> = Vec::with_capacity(identities.len());
    for id in identities {
        if !distinct.contains(&id) {
            distinct.push(id);
        }
    }
    let mut links = Vec::new();
    for (i, a) in distinct.iter().enumerate() {
        for b in &distinct[i + 1..] {
            links.push(Link { a: (*a).clone(), b: (*b).clone(), time, seq, origin });
        }
    }
    links
}

/// The identity that names a profile: the best by [`Identity::cmp_for_profile_id`].
pub fn profile_id<'i>(identities: &'i [Identity], settings: &IdentitySettings) -> Option<&'i Identity> {
    identities.iter().min_by(|x, y| x.cmp_for_profile_id(y, settings))
}
