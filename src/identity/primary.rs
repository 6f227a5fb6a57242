//! The primary identity of a record or event (SPEC 1.4): it decides which profile owns the data.

use super::Identity;
use crate::policy::IdentitySettings;

/// One identity found in a record, in the order the record lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub identity: Identity,
    /// `"primary": true` on the identityMap entry.
    pub map_primary: bool,
    /// A declared identity field of the dataset with `primary: true`.
    pub field_primary: bool,
}

impl Candidate {
    pub fn new(identity: Identity) -> Candidate {
        Candidate { identity, map_primary: false, field_primary: false }
    }
}

/// The primary identity of an event: the identity of the highest-priority namespace present
/// (when any present namespace has a priority), else the one marked primary (identityMap flag
/// or declared field), else the first listed. Among several identities of the winning
/// namespace, the marked one, else the first listed, wins.
pub fn primary_of_event<'c>(
    candidates: &'c [Candidate],
    settings: &IdentitySettings,
) -> Option<&'c Identity> {
    let priority = |c: &Candidate| c.identity.namespace(settings).and_then(|n| n.priority);
    let best = candidates.iter().filter_map(priority).min();
    let pool: Vec<&Candidate> = match best {
        Some(p) => candidates.iter().filter(|c| priority(c) == Some(p)).collect(),
        None => candidates.iter().collect(),
    };
    pool.iter().find(|c| c.map_primary || c.field_primary).or_else(|| pool.first()).map(|c| &c.identity)
}

/// The primary identity of a profile record: namespace priorities do not apply (as in AEP);
/// the dataset's `primary: true` identity field, else the identity marked primary in
/// identityMap, else the first listed.
pub fn primary_of_record(candidates: &[Candidate]) -> Option<&Identity> {
    candidates
        .iter()
        .find(|c| c.field_primary)
        .or_else(|| candidates.iter().find(|c| c.map_primary))
        .or_else(|| candidates.first())
        .map(|c| &c.identity)
}
