//! Per-leaf merging of a profile's fragments under a merge policy (SPEC 4).

use super::{strategy, Fragment, LeafChoice, Merged, Provenance};
use crate::policy::{Dataset, MergePolicy, MergeType, Strategy};
use crate::value::{Map, Value};
use std::collections::BTreeSet;

/// Merges one profile's fragments into its entity.
///
/// Under `dataSetPrecedence` only fragments of datasets listed in `order` take part. Each leaf
/// (scalar, array or empty object) is decided by the field rule of the longest listed path
/// that covers it, else by the policy's `attributeMerge` type. When the candidates at a path
/// mix objects and leaves, the best-ranked candidate decides which kind the path is. With
/// `explain`, one [`LeafChoice`] per leaf says who won and who lost.
pub fn merge(fragments: &[&Fragment], policy: &MergePolicy, datasets: &[Dataset], explain: bool) -> Merged {
    let name = |d: u32| datasets.get(d as usize).map(|d| d.name.value.as_str());
    let mut parts: Vec<&Fragment> = fragments
        .iter()
        .copied()
        .filter(|f| match policy.merge {
            MergeType::TimestampOrdered => true,
            MergeType::DataSetPrecedence => {
                name(f.dataset).is_some_and(|n| policy.order.iter().any(|o| o == n))
            }
        })
        .collect();
    // Newest first (ties: later ingestion); the index is then each fragment's recency rank.
    parts.sort_by(|x, y| {
        (y.time, y.seq)
            .cmp(&(x.time, x.seq))
            .then_with(|| x.dataset.cmp(&y.dataset))
            .then_with(|| x.primary.cmp(&y.primary))
    });
    let mut merger = Merger { policy, datasets, parts: &parts, explain, choices: Vec::new() };
    let entity = match parts.as_slice() {
        // One fragment under the policy's own rule (`mostRecent`, or `dataSetPrecedence` over
        // the datasets it let in) is the entity as it is: every leaf has one candidate, which
        // that rule picks, and objects merge into copies of themselves. Most profiles are one
        // fragment, and the general walk builds a path string per key to look for field rules.
        [one] if !explain && policy.fields.is_empty() => {
            let mut entity = one.attrs.clone();
            entity.remove("identityMap");
            entity
        }
        _ => {
            let top: Vec<(usize, &Map)> = parts.iter().enumerate().map(|(i, f)| (i, &f.attrs)).collect();
            merger.merge_object("", &top)
        }
    };
    let mut sources: Vec<u32> = parts.iter().map(|f| f.dataset).collect();
    sources.sort_unstable();
    sources.dedup();
    Merged { entity, sources, last_modified: parts.iter().map(|f| f.time).max(), choices: merger.choices }
}

/// Whether data of dataset `dataset` (an index into `datasets`) takes part in profiles under
/// `policy`: always under `timestampOrdered`; under `dataSetPrecedence` only when `order` lists
/// it (event datasets too, so the runtime filters events with this as well).
pub fn takes_part(policy: &MergePolicy, datasets: &[Dataset], dataset: u32) -> bool {
    match policy.merge {
        MergeType::TimestampOrdered => true,
        MergeType::DataSetPrecedence => {
            datasets.get(dataset as usize).is_some_and(|d| policy.order.contains(&d.name.value))
        }
    }
}

/// [`takes_part`] for every dataset, by index.
pub fn taking_part(policy: &MergePolicy, datasets: &[Dataset]) -> Vec<bool> {
    (0..datasets.len()).map(|d| takes_part(policy, datasets, d as u32)).collect()
}

/// The rule deciding one path.
#[derive(Clone, Copy)]
struct Rule<'p> {
    strategy: Strategy,
    /// Dataset order for `dataSetPrecedence`.
    order: &'p [String],
    /// From `fields:` rather than `attributeMerge`.
    field: bool,
}

struct Merger<'a> {
    policy: &'a MergePolicy,
    datasets: &'a [Dataset],
    parts: &'a [&'a Fragment],
    explain: bool,
    choices: Vec<LeafChoice>,
}

/// A candidate value: the fragment's recency rank and its value at the path.
type Cand<'a> = (usize, &'a Value);

impl<'a> Merger<'a> {
    fn rule_for(&self, path: &str) -> Rule<'a> {
        let covers =
            |p: &str| path == p || (path.starts_with(p) && path.as_bytes().get(p.len()) == Some(&b'.'));
        let field = self.policy.fields.iter().filter(|r| covers(&r.path)).max_by_key(|r| r.path.len());
        match (field, self.policy.merge) {
            (Some(r), _) => Rule { strategy: r.strategy, order: &r.order, field: true },
            (None, MergeType::TimestampOrdered) => {
                Rule { strategy: Strategy::MostRecent, order: &[], field: false }
            }
            (None, MergeType::DataSetPrecedence) => {
                Rule { strategy: Strategy::DataSetPrecedence, order: &self.policy.order, field: false }
            }
        }
    }

    /// Whether a field rule is listed for a path strictly under `path`.
    fn has_rule_under(&self, path: &str) -> bool {
        self.policy.fields.iter().any(|r| {
            r.path.len() > path.len() && r.path.starts_with(path) && r.path.as_bytes()[path.len()] == b'.'
        })
    }

    /// The 0-based rank of a fragment's dataset in `order`.
    fn dataset_rank(&self, part: usize, order: &[String]) -> Option<usize> {
        let name = self.datasets.get(self.parts[part].dataset as usize)?.name.value.as_str();
        order.iter().position(|o| o == name)
    }

    /// The candidates that take part under `rule`, best first.
    fn rank(&self, rule: Rule<'_>, mut cands: Vec<Cand<'a>>) -> Vec<Cand<'a>> {
        match rule.strategy {
            Strategy::DataSetPrecedence => {
                let mut ranked: Vec<(usize, Cand<'a>)> = cands
                    .into_iter()
                    .filter_map(|c| Some((self.dataset_rank(c.0, rule.order)?, c)))
                    .collect();
                ranked.sort_by_key(|(r, c)| (*r, c.0));
                return ranked.into_iter().map(|(_, c)| c).collect();
            }
            Strategy::Oldest => cands.sort_by_key(|c| std::cmp::Reverse(c.0)),
            Strategy::NonEmpty => {
                cands.retain(|c| !is_empty(c.1));
                cands.sort_by_key(|c| c.0);
            }
            _ => cands.sort_by_key(|c| c.0),
        }
        cands
    }

    fn merge_object(&mut self, path: &str, objects: &[(usize, &'a Map)]) -> Map {
        let keys: BTreeSet<&'a String> = objects.iter().flat_map(|(_, m)| m.keys()).collect();
        let mut out = Map::new();
        for key in keys {
            if path.is_empty() && key == "identityMap" {
                continue;
            }
            let sub = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            let cands: Vec<Cand<'a>> = objects
                .iter()
                .filter_map(|(i, m)| m.get(key).filter(|v| !v.is_null()).map(|v| (*i, v)))
                .collect();
            let rule = self.rule_for(&sub);
            // Every object goes down, not only those this path's rule lets in: a longer rule
            // replaces it for everything under its own path (SPEC 4), and each path under
            // this one ranks the candidates again by the rule that covers it.
            let objects: Vec<(usize, &'a Map)> = cands
                .iter()
                .filter_map(|&(i, v)| match v {
                    Value::Object(m) => Some((i, &**m)),
                    _ => None,
                })
                .collect();
            let ranked = self.rank(rule, cands);
            let Some(&(_, head)) = ranked.first() else {
                // Nothing here under this path's rule; a longer rule under it may still take
                // values from the objects it left out.
                if !objects.is_empty() && self.has_rule_under(&sub) {
                    let merged = self.merge_object(&sub, &objects);
                    if !merged.is_empty() {
                        out.insert(key.clone(), Value::object(merged));
                    }
                }
                continue;
            };
            if let Value::Object(_) = head {
                let merged = self.merge_object(&sub, &objects);
                if merged.is_empty() {
                    // Merging is per leaf, and an empty object is a leaf: the path stays `{}`
                    // where a candidate that takes part holds it empty. An object whose leaves
                    // the rules under it all left out is no leaf of its own, and goes.
                    let held_empty =
                        ranked.iter().position(|(_, v)| matches!(v, Value::Object(m) if m.is_empty()));
                    let Some(winner) = held_empty else { continue };
                    if self.explain {
                        self.record(&sub, rule, &ranked, winner, Value::object(Map::new()));
                    }
                }
                out.insert(key.clone(), Value::object(merged));
                continue;
            }
            let leaves: Vec<Cand<'a>> =
                ranked.into_iter().filter(|(_, v)| !matches!(v, Value::Object(_))).collect();
            let values: Vec<&Value> = leaves.iter().map(|c| c.1).collect();
            if let Some((value, winner)) = strategy::resolve(rule.strategy, &values) {
                if self.explain {
                    self.record(&sub, rule, &leaves, winner, value.clone());
                }
                out.insert(key.clone(), value);
            }
        }
        out
    }

    fn provenance(&self, part: usize, path: &str) -> Provenance {
        let f = self.parts[part];
        let s = f.source_of(path);
        Provenance { origin: s.origin, dataset: f.dataset, time: s.time }
    }

    fn record(&mut self, path: &str, rule: Rule<'_>, cands: &[Cand<'a>], winner: usize, value: Value) {
        let Some(&(wpart, _)) = cands.get(winner) else { return };
        let rank = self.dataset_rank(wpart, rule.order).map_or(0, |r| r + 1);
        let rule_name = match (rule.field, rule.strategy) {
            (false, Strategy::DataSetPrecedence) => format!("dataSetPrecedence rank {rank}"),
            (false, _) => "timestampOrdered".to_string(),
            (true, Strategy::DataSetPrecedence) => format!("field strategy dataSetPrecedence rank {rank}"),
            (true, s) => format!("field strategy {}", strategy_name(s)),
        };
        let losers = cands
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != winner)
            .map(|(_, &(p, v))| (self.provenance(p, path), v.clone()))
            .collect();
        let winner = self.provenance(wpart, path);
        self.choices.push(LeafChoice { path: path.to_string(), value, winner, rule: rule_name, losers });
    }
}

/// `nonEmpty` treats empty strings, arrays and objects as absent.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The strategy's name as written in policies.
pub fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::MostRecent => "mostRecent",
        Strategy::Oldest => "oldest",
        Strategy::DataSetPrecedence => "dataSetPrecedence",
        Strategy::MostFrequent => "mostFrequent",
        Strategy::NonEmpty => "nonEmpty",
        Strategy::Sum => "sum",
        Strategy::Min => "min",
        Strategy::Max => "max",
        Strategy::Union => "union",
    }
}
