//! One profile end to end: its records → fragments → merged entity; its events → computed
//! attributes and audiences; the output object.

use super::evaluate::{evaluate, fill_columns};
use super::graph::to_identity;
use super::prepare::{Ev, Rec};
use crate::engine::{Compiled, EvalContext};
use crate::identity::Origin;
use crate::ingest::typed::to_value;
use crate::ingest::Ident;
use crate::ir;
use crate::merge::{self, Fragment};
use crate::output::Profile;
use crate::policy::{MergePolicy, Project};
use crate::value::Value;
use std::collections::BTreeMap;

thread_local! {
    /// The event columns [`build`] fills for each profile on this thread.
    static SCRATCH: std::cell::RefCell<crate::engine::EventColumns> = Default::default();
}

/// What every profile is built with.
pub struct Ctx<'a> {
    pub project: &'a Project,
    pub program: &'a ir::Program,
    pub policy: &'a MergePolicy,
    /// For each dataset index: whether it takes part under the policy (SPEC 4).
    pub takes_part: Vec<bool>,
    pub engine: Option<&'a dyn Compiled>,
    pub eval: EvalContext,
}

/// Counters one profile adds to the report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub fragments: u64,
    pub type_mismatches: u64,
}

/// Builds the profile of `identities`, whose [`profile_id`] is `id`, from its records and
/// events (each in ingestion order). `None` when no record or event of a taking-part dataset
/// is left (SPEC 4).
pub fn build(
    ctx: &Ctx,
    id: String,
    identities: &[Ident],
    records: &[&Rec],
    events: &[&Ev],
) -> (Option<Profile>, Counts) {
    let mut counts = Counts::default();
    let takes_part = |d: u32| ctx.takes_part.get(d as usize).copied().unwrap_or(false);
    let settings = &ctx.project.identity;
    let mut fragments: BTreeMap<(u32, &Ident), Fragment> = BTreeMap::new();
    for r in records.iter().filter(|r| takes_part(r.dataset)) {
        let typed = match to_value(&r.body.value(), &ctx.program.profile_type, &mut counts.type_mismatches) {
            Value::Object(m) => m,
            _ => continue,
        };
        let upsert = ctx.project.datasets.get(r.dataset as usize).is_some_and(|d| d.upsert);
        let Some(primary) = to_identity(settings, &r.primary) else { continue };
        let key = (r.dataset, &r.primary);
        let old = fragments.remove(&key);
        let origin = Origin { dataset: r.dataset, batch: r.batch, line: u64::from(r.line) };
        let source = merge::LeafSource { origin, time: r.time, seq: r.seq };
        fragments.insert(key, merge::apply_record_untraced(old, &primary, &typed, source, upsert));
    }
    let mut events: Vec<&Ev> = events.iter().copied().filter(|e| takes_part(e.dataset)).collect();
    if fragments.is_empty() && events.is_empty() {
        return (None, counts);
    }
    counts.fragments = fragments.len() as u64;
    let fragments: Vec<&Fragment> = fragments.values().collect();
    let merged = merge::merge(&fragments, ctx.policy, &ctx.project.datasets, false);
    let mut entity = merged.entity;
    let mut sources: Vec<u32> = merged.sources;
    let mut last_modified = merged.last_modified;
    for e in &events {
        if !sources.contains(&e.dataset) {
            sources.push(e.dataset);
        }
        last_modified = last_modified.max(Some(e.time));
    }
    // Evaluation order: timestamp, then ingestion order (engine::EventColumns).
    events.sort_by_key(|e| (e.time, e.seq));
    let mut audiences = Vec::new();
    if let Some(engine) = ctx.engine {
        let interner = &ctx.eval.interner;
        // Each worker thread fills one set of columns, profile after profile.
        audiences = SCRATCH.with(|scratch| {
            let mut cols = scratch.borrow_mut();
            fill_columns(&mut cols, &events, &ctx.program.event_paths, interner, &mut counts.type_mismatches);
            evaluate(engine, ctx.program, &mut entity, &cols, &ctx.eval)
        });
    }
    let mut sources: Vec<String> = sources
        .iter()
        .filter_map(|&d| ctx.project.datasets.get(d as usize).map(|ds| ds.name.value.clone()))
        .collect();
    sources.sort();
    sources.dedup();
    let profile = Profile {
        profile_id: id,
        identities: identities.to_vec(),
        entity,
        audiences,
        sources,
        last_modified,
    };
    (Some(profile), counts)
}

/// `<namespace>:<value>` of the identity with the best namespace priority; ties go to the
/// smallest namespace code, then the smallest value (SPEC 3).
pub fn profile_id(project: &Project, identities: &[Ident]) -> String {
    let priority = |i: &Ident| project.namespace(&i.namespace).and_then(|n| n.priority).unwrap_or(i64::MAX);
    let best = identities
        .iter()
        .map(|i| (priority(i), &i.namespace, &i.id, i))
        .min_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
    best.map_or_else(String::new, |(.., i)| i.key())
}
