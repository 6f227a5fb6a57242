//! The batch runtime behind `mosaic run`: ingest → identity → merge → evaluate → output.
//!
//! Stages are plain functions over partitions, with no global state; the runner schedules
//! them on a rayon pool. Architecture Invariant: every result is computed from the whole store
//! in a fixed order (batches by id, lines in file order, profiles by profileId), so the output
//! is byte-identical whatever the number of threads, and an incremental run equals a fresh one.

mod batches;
pub mod components;
mod compute;
pub mod evaluate;
#[cfg(test)]
pub(crate) mod fixture;
pub mod graph;
pub(crate) mod grouped;
pub mod incremental;
pub mod nodes;
pub mod prepare;
pub mod profile;
pub mod rows;

pub use compute::compute;
#[cfg(test)]
mod tests;

use crate::engine::{Compiled, EngineKind};
use crate::intern::Interner;
use crate::ir;
use crate::output::{self, report::Report};
use crate::policy::Project;
use crate::store::{RunOutput, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Errors that stop a run, with what they concern.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error("no merge policy named `{0}`")]
    UnknownPolicy(String),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
}

/// How to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// `now`, µs since the epoch.
    pub as_of: i64,
    /// Merge policy name; the default policy when `None`.
    pub policy: Option<String>,
    /// Output folder.
    pub out: PathBuf,
    /// Worker threads; rayon's default when `None`.
    pub threads: Option<usize>,
    pub engine: EngineKind,
    /// Rebuild the store from the batch files.
    pub fresh: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// Runs the whole pipeline for `project` and writes `profiles.jsonl` and `report.json` into
/// `opts.out`. `engine` is the compiled `program` (`None`: nothing to evaluate).
pub fn run(
    project: &Project,
    program: &ir::Program,
    engine: Option<&dyn Compiled>,
    interner: Arc<Interner>,
    opts: &Options,
) -> Result<Report, Error> {
    match opts.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| Error::Threads(n, e.to_string()))?
            .install(|| run_in_pool(project, program, engine, interner, opts)),
        None => run_in_pool(project, program, engine, interner, opts),
    }
}

fn run_in_pool(
    project: &Project,
    program: &ir::Program,
    engine: Option<&dyn Compiled>,
    interner: Arc<Interner>,
    opts: &Options,
) -> Result<Report, Error> {
    let policy = project
        .merge_policy(opts.policy.as_deref())
        .ok_or_else(|| Error::UnknownPolicy(opts.policy.clone().unwrap_or_else(|| "(default)".into())))?;
    let mut report = Report {
        as_of: output::format_timestamp(opts.as_of),
        policy: policy.name.value.clone(),
        engine: match opts.engine {
            EngineKind::Jit => "jit".into(),
            EngineKind::Interp => "interp".into(),
        },
        ..Report::default()
    };
    let mut clock = Instant::now();
    let mut lap = |report: &mut Report, stage: &str| {
        report.timings.insert(stage.to_string(), clock.elapsed().as_millis() as u64);
        clock = Instant::now();
    };

    // Ingest extracts from events only the values of the paths the program reads.
    let keep = crate::ingest::Keep::for_program(program);
    let store = Store::open(&project.root, opts.fresh)?;
    let bar = progress_bar(opts.progress);
    let tick = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let dataset_index = project.dataset_indexes();
    let flatten = |bi, entry: &crate::store::BatchEntry, batch| {
        prepare::flatten(bi, &dataset_index, entry, batch, &program.event_paths)
    };
    let (batches, stats) = batches::ingest_all(project, &store, &keep, wall_clock_us(), &tick, &flatten)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    batches::write_rejections(project, &batches)?;
    report.run = stats;
    lap(&mut report, "ingest");
    // Each profile becomes its output line as soon as it is built, with the identity keys
    // the store indexes it by (so the store needs no second parse of the JSON).
    let finish = |p: output::Profile| {
        // A profile's own id is not indexed (it names the profile already).
        let keys: Vec<String> = p
            .identities
            .iter()
            .filter(|i| !i.has_key(&p.profile_id))
            .map(crate::ingest::Ident::key)
            .collect();
        (p.to_line(), keys)
    };
    // One thread writes profiles.jsonl while the profiles are built, a chunk at a time in
    // profileId order, and stores each in the store's staged profiles (`RunOutput`), keeping
    // only each profile's id and identity keys: the lines never pile up in memory. It is a
    // thread of its own, not a rayon task, as it blocks on the channel.
    let io = |path: PathBuf| move |source| Error::Io { path, source };
    let path = opts.out.join("profiles.jsonl");
    let output = store.begin_run_output()?;
    let (components, written) = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel(4);
        let writer = scope.spawn(|| write_lines(&path, receive, output));
        let components = compute::compute(
            project,
            program,
            policy,
            engine,
            interner,
            opts.as_of,
            batches,
            &mut report,
            &finish,
            // A failed write drops the channel, which stops the building.
            &mut |chunk| send.send(chunk).is_ok(),
        );
        drop(send);
        (components, writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    let (pending, profiles, output) = written?;
    // `compute` timed its own stages (and the writing of the lines with them); the output
    // stage starts here.
    lap(&mut report, "compute");
    report.timings.remove("compute");

    // What `mosaic delete` and `explain` re-evaluate with, and the shed identities: stored in
    // the same transaction as the profiles they describe.
    let out = std::path::absolute(&opts.out).unwrap_or_else(|_| opts.out.clone());
    let last = serde_json::json!({
        "asOf": opts.as_of,
        "policy": report.policy,
        "out": out,
        "policies": project.policies,
        // The batches these profiles are computed from (all that is stored: this run's).
        "data": store.data_stamp()?,
    });
    let shed: serde_json::Map<String, serde_json::Value> = report
        .shed
        .iter()
        .map(|(id, from, reason)| (id.clone(), serde_json::json!({"fromProfile": from, "reason": reason})))
        .collect();
    let meta = [("lastRun", last), ("shed", serde_json::Value::Object(shed))];

    // Output. One writer thread finishes the store's replacement: the identity index, `meta`
    // and, in the same transaction, the identity components that the rayon pool groups and
    // encodes meanwhile (CPU work overlapping I/O; a bounded channel of 64 chunks of 1 MiB lets
    // the encoding run ahead while the index is written, and no further), while another thread
    // syncs profiles.jsonl and puts it in place. The writer is a thread of its own, not a rayon
    // task: it blocks on the channel, which must not take a worker away from the encoding
    // (with one thread, that would never finish).
    let unchanged = store.components_stamp()?.as_deref() == Some(components.stamp.as_str());
    let (profiles, meta) = (&profiles, &meta);
    let (send, receive) = std::sync::mpsc::sync_channel(64);
    let (written, placed) = std::thread::scope(|scope| {
        // On a failed store the stream is dropped unread, which stops the encoding.
        let writer = scope.spawn(move || output.finish(profiles, meta, &receive));
        let placed = scope.spawn(move || pending.finish());
        // Components equal to the stored ones (same stamp: the same stored batches, datasets
        // and typed event paths, as when only rules that read no other event field changed)
        // are not encoded and written again; the transaction leaves them as they are.
        if !unchanged {
            components.stream(&mut |message| send.send(message).is_ok());
        }
        drop(send);
        // The run's flattened data is freed (millions of rows) while the writer commits.
        drop(components);
        let written = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (written, placed.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    });
    written?;
    placed.map_err(io(path.clone()))?;
    lap(&mut report, "output");
    let path = opts.out.join("report.json");
    output::write_atomic(&path, report.to_json().as_bytes()).map_err(io(path.clone()))?;
    Ok(report)
}

/// A profile as the run builds it: profileId, (JSON line, the keys of its identities).
type Built = (String, (String, Vec<String>));
/// What the run keeps of a profile once its line is written: profileId, identity keys.
type Kept = (String, Vec<String>);

/// Writes the chunks of `lines` (profileId, (JSON line, identity keys)), in order, as
/// profiles.jsonl at `path`, to be put in place by the caller, and pushes each profile to
/// `stored`; returns each profile's id and keys with `stored`.
fn write_lines<'s>(
    path: &std::path::Path,
    lines: std::sync::mpsc::Receiver<Vec<Built>>,
    mut stored: RunOutput<'s>,
) -> Result<(output::Pending, Vec<Kept>, RunOutput<'s>), Error> {
    use std::io::Write;
    let mut kept = Vec::new();
    // A store error stops the writing (as an I/O error would) and is returned as itself.
    let mut failed = None;
    let pending = output::write_pending(path, |f| {
        for chunk in lines {
            for (id, (line, keys)) in chunk {
                f.write_all(line.as_bytes())?;
                f.write_all(b"\n")?;
                if let Err(e) = stored.push(&id, &line) {
                    failed = Some(e);
                    return Err(std::io::Error::other("the store refused a profile"));
                }
                kept.push((id, keys));
            }
        }
        Ok(())
    });
    if let Some(e) = failed {
        return Err(e.into());
    }
    let pending = pending.map_err(|source| Error::Io { path: path.into(), source })?;
    Ok((pending, kept, stored))
}

/// The wall clock, µs since the epoch.
pub fn wall_clock_us() -> i64 {
    jiff::Timestamp::now().as_microsecond()
}

fn progress_bar(show: bool) -> Option<indicatif::ProgressBar> {
    if !show {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("ingest {bar:40} {pos}/{len} batches") {
        bar.set_style(style);
    }
    Some(bar)
}
