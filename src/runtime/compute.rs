//! Stitch, merge and evaluate over batches already in memory: the part of a run that every
//! command evaluating profiles shares (`run`, rule tests, exports).

use super::nodes::Nodes;
use super::{graph, prepare, profile};
use crate::engine::{Compiled, EvalContext};
use crate::intern::Interner;
use crate::ir;
use crate::output::{report::Report, Profile};
use crate::policy::{MergePolicy, Project};
use crate::store::BatchEntry;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// Builds every profile from `batches` (sorted by batch id, flattened by
/// [`prepare::flatten`] with the program's event paths) under `policy`, as of `as_of` (µs),
/// and fills the counts and timings of `report`. Each profile is handed to `finish` as soon as
/// it is built; the results come back with their profileIds, sorted by them, with the
/// flattened data for the store's identity components (`components::Input::build`).
#[allow(clippy::too_many_arguments)]
pub fn compute<T: Send>(
    project: &Project,
    program: &ir::Program,
    policy: &MergePolicy,
    engine: Option<&dyn Compiled>,
    interner: Arc<Interner>,
    as_of: i64,
    batches: Vec<(BatchEntry, prepare::Part)>,
    report: &mut Report,
    finish: &(dyn Fn(Profile) -> T + Sync),
) -> (Vec<(String, T)>, super::components::Input) {
    let mut clock = Instant::now();
    let mut lap = |report: &mut Report, stage: &str| {
        *report.timings.entry(stage.to_string()).or_default() += clock.elapsed().as_millis() as u64;
        clock = Instant::now();
    };
    report.batches = batches.len() as u64;
    for (_, b) in &batches {
        report.records += b.record_count;
        report.events += b.event_count;
        report.dropped_identities += b.dropped_identities;
        for r in &b.rejections {
            report.rejected += 1;
            let by_batch = report.rejections.entry(b.dataset.clone()).or_default();
            *by_batch.entry(b.id.clone()).or_default().entry(r.reason.as_str().to_string()).or_default() += 1;
        }
    }
    let entries: Vec<BatchEntry> = batches.iter().map(|(e, _)| e.clone()).collect();
    let prepared = prepare::merge(batches.into_iter().map(|(_, part)| part).collect());
    report.duplicate_events = prepared.duplicate_events;
    report.links = prepared.links.len() as u64;
    lap(report, "ingest");

    // Identity. Every identity gets a node number once; grouping is by array index after that.
    let nodes = Nodes::number(&prepared);
    let primaries = nodes.primaries();
    let stitched = graph::stitch(project, policy.identity_graph, &prepared.links, &primaries);
    drop(primaries);
    report.refused_links = stitched.refused_links;
    report.shed_identities = stitched.shed_identities;
    report.shed = stitched.shed.clone();
    let mut owner = vec![u32::MAX; nodes.len()];
    for (p, ids) in stitched.profiles.iter().enumerate() {
        for n in ids.iter().filter_map(|i| nodes.get(i)) {
            owner[n as usize] = p as u32;
        }
    }
    let mut records: Vec<Vec<&prepare::Rec>> = vec![Vec::new(); stitched.profiles.len()];
    for (r, &n) in prepared.records.iter().zip(&nodes.records) {
        if let Some(group) = records.get_mut(owner[n as usize] as usize) {
            group.push(r);
        }
    }
    let mut events: Vec<Vec<&prepare::Ev>> = vec![Vec::new(); stitched.profiles.len()];
    for (e, &n) in prepared.events.iter().zip(&nodes.events) {
        if let Some(group) = events.get_mut(owner[n as usize] as usize) {
            group.push(e);
        }
    }
    lap(report, "identity");

    // Merge and evaluate, one profile per task.
    let takes_part = (0..project.datasets.len())
        .map(|d| crate::merge::takes_part(policy, &project.datasets, d as u32))
        .collect();
    let tz = jiff::tz::TimeZone::get(&project.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let eval = EvalContext { as_of, tz, interner };
    let ctx = profile::Ctx { project, program, policy, takes_part, engine, eval };
    // Each profile goes to `finish` as soon as it is built, so whole profiles never pile up.
    let built: Vec<_> = (0..stitched.profiles.len())
        .into_par_iter()
        .map(|p| {
            let (profile, counts) = profile::build(&ctx, &stitched.profiles[p], &records[p], &events[p]);
            (profile.map(|p| (p.profile_id.clone(), finish(p))), counts)
        })
        .collect();
    let mut profiles = Vec::with_capacity(built.len());
    for (profile, counts) in built {
        report.fragments += counts.fragments;
        report.type_mismatches += counts.type_mismatches;
        profiles.extend(profile);
    }
    profiles.sort_by(|a, b| a.0.cmp(&b.0));
    report.profiles = profiles.len() as u64;
    lap(report, "evaluate");
    (profiles, super::components::Input::new(project, program, prepared, nodes, entries))
}
