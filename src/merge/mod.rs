//! Fragments and merging (SPEC 4): records → fragments (replace / upsert), fragments → one entity.
//!
//! Pure functions over one profile's data; the runtime decides which fragments belong together.
//!
//! Decisions where SPEC 4 is silent:
//! - Fragment time: the greatest record time among the records the fragment holds (a replace
//!   keeps only the replacing record, so its time even when older; upserts keep the maximum);
//!   `seq` is the last applied record's, the tie-break after time.
//! - Ties after (time, seq) between fragments: dataset index, then primary identity.
//! - `sum`/`min`/`max` use numeric candidates only (others are ignored) and fall back to the
//!   most recent value when there is none; a sum of ints that overflows becomes a double.
//! - `union` treats a non-array value as a one-element array and skips null elements.
//! - `mostFrequent` counts equal values (`1` equals `1.0`); ties go to the most recent value.
//! - When candidates at one path mix objects and leaves, the best-ranked candidate under the
//!   path's rule decides whether the path is an object (merged recursively) or a leaf.
//! - A field `dataSetPrecedence` under a `dataSetPrecedence` policy still sees only datasets
//!   the policy's `order` lets take part.

mod fragment;
mod resolve;
mod strategy;

pub use fragment::{apply_record, apply_record_untraced};
pub use resolve::{merge, strategy_name, takes_part, taking_part};

use crate::identity::{Identity, Origin};
use crate::value::{Map, Value};
use std::collections::BTreeMap;

/// Who set one leaf of a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafSource {
    pub origin: Origin,
    /// The record time, µs.
    pub time: i64,
    /// The record's ingestion order.
    pub seq: u64,
}

/// The data one dataset holds for one primary identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// Index into `Project.datasets`.
    pub dataset: u32,
    pub primary: Identity,
    /// The time of its latest record: the greatest record time among the records it holds
    /// (the replacing record alone for a replace, every applied record for upserts).
    pub time: i64,
    /// Ingestion order of the last record applied (the tie-break after `time`).
    pub seq: u64,
    /// The attributes, without nulls (a null is an absent field).
    pub attrs: Map,
    /// Dotted path of every leaf of `attrs` (scalars, arrays, empty objects) → its source,
    /// so `explain` can name the record that gave a value (empty when built by
    /// [`apply_record_untraced`]).
    pub origins: BTreeMap<String, LeafSource>,
}

impl Fragment {
    /// The source of the value at `path`: the leaf itself, else the latest leaf under it.
    pub fn source_of(&self, path: &str) -> LeafSource {
        if let Some(s) = self.origins.get(path) {
            return *s;
        }
        let prefix = format!("{path}.");
        self.origins
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, s)| *s)
            .max_by_key(|s| (s.time, s.seq))
            .unwrap_or(LeafSource {
                origin: Origin { dataset: self.dataset, batch: 0, line: 0 },
                time: self.time,
                seq: self.seq,
            })
    }
}

/// Where a merged value (or a losing candidate) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    pub origin: Origin,
    /// Index into `Project.datasets`.
    pub dataset: u32,
    /// The time of the record that set the value, µs.
    pub time: i64,
}

/// How one leaf of the entity was decided (computed only when `merge` is asked to explain).
#[derive(Debug, Clone, PartialEq)]
pub struct LeafChoice {
    /// Dotted path of the leaf.
    pub path: String,
    pub value: Value,
    pub winner: Provenance,
    /// `timestampOrdered`, `dataSetPrecedence rank 1`, `field strategy max`, …
    pub rule: String,
    /// The other fragments that held the leaf, with their values, best first.
    pub losers: Vec<(Provenance, Value)>,
}

/// One merged profile's attributes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Merged {
    /// The merged attributes (`identityMap` left out).
    pub entity: Map,
    /// Datasets of the fragments that took part, ascending by index.
    pub sources: Vec<u32>,
    /// The latest fragment time among them.
    pub last_modified: Option<i64>,
    /// One entry per entity leaf, depth first in key order; empty unless explaining.
    pub choices: Vec<LeafChoice>,
}
