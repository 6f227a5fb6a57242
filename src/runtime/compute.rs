//! Stitch, merge and evaluate over batches already in memory: the identity, merge and
//! evaluate stages of a run, building profiles in profileId order a chunk at a time.

use super::grouped::Grouped;
use super::nodes::Nodes;
use super::{graph, prepare, profile};
use crate::engine::{Compiled, EvalContext};
use crate::intern::Interner;
use crate::ir;
use crate::output::{report::Report, Profile};
use crate::policy::{GraphType, MergePolicy, Project};
use crate::store::BatchEntry;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// How many profiles are built between two hand-overs of [`compute`].
const CHUNK: usize = 16_384;
/// The most profiles one task of a chunk builds.
const PROFILES_PER_TASK: usize = 256;

/// Builds every profile from `batches` (sorted by batch id, flattened by
/// [`prepare::flatten`] with the program's event paths) under `policy`, as of `as_of` (µs),
/// and fills the counts and timings of `report`. Each profile is handed to `finish` as soon as
/// it is built, and the results to `sink` a chunk at a time, with their profileIds, in
/// profileId order (so a caller writing them out never holds them all); building stops once
/// `sink` says `false`. Returns the flattened data for the store's identity components
/// (`components::Input`).
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
    sink: &mut dyn FnMut(Vec<(String, T)>) -> bool,
) -> super::components::Input {
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
    let (stitched, owner) = match policy.identity_graph {
        // Without a graph every primary identity is its own profile (SPEC 3): nothing to stitch.
        GraphType::None => graph::unstitched(&nodes),
        GraphType::Pdg => graph::stitch_nodes(project, &prepared.links, &nodes),
    };
    report.refused_links = stitched.refused_links;
    report.shed_identities = stitched.shed_identities;
    report.shed = stitched.shed.clone();
    // Rows without a profile (owner `u32::MAX`) are left out.
    let owner_of = |n: &u32| owner[*n as usize] as usize;
    let records = Grouped::new(
        prepared.records.iter().zip(nodes.records.iter().map(owner_of)),
        stitched.profiles.len(),
    );
    let events =
        Grouped::new(prepared.events.iter().zip(nodes.events.iter().map(owner_of)), stitched.profiles.len());
    lap(report, "identity");

    // Merge and evaluate, one profile per task.
    let takes_part = crate::merge::taking_part(policy, &project.datasets);
    let tz = jiff::tz::TimeZone::get(&project.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let eval = EvalContext { as_of, tz, interner };
    let ctx = profile::Ctx { project, program, policy, takes_part, engine, eval };
    // Profiles are built in profileId order, a chunk at a time in parallel, and each chunk goes
    // to `sink` at once: whole profiles never pile up, nor do their results.
    let mut order: Vec<(String, usize)> = (0..stitched.profiles.len())
        .into_par_iter()
        .map(|p| (profile::profile_id(project, &stitched.profiles[p]), p))
        .collect();
    order.par_sort_unstable();
    let mut order = order.into_iter();
    loop {
        let chunk: Vec<(String, usize)> = order.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        // Small tasks, so that a worker done early takes over the rest of another's share.
        let built: Vec<_> = chunk
            .into_par_iter()
            .with_max_len(PROFILES_PER_TASK)
            .map(|(id, p)| {
                let (profile, counts) =
                    profile::build(&ctx, id, &stitched.profiles[p], records.of(p), events.of(p));
                (profile.map(|profile| (profile.profile_id.clone(), finish(profile))), counts)
            })
            .collect();
        let mut profiles = Vec::with_capacity(built.len());
        for (profile, counts) in built {
            report.fragments += counts.fragments;
            report.type_mismatches += counts.type_mismatches;
            profiles.extend(profile);
        }
        report.profiles += profiles.len() as u64;
        if !sink(profiles) {
            break;
        }
    }
    lap(report, "evaluate");
    super::components::Input::new(project, program, prepared, nodes, entries)
}
