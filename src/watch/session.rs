//! One watch session: the current program, the last profiles written, and an evaluation step
//! that ingests what is new, re-evaluates, and logs what changed to `out/changes.jsonl`.
//!
//! A full evaluation is the same pipeline as `mosaic run` over the whole store, then the new
//! profiles are diffed against the previous ones and the in-memory [`State`] is rebuilt from
//! the store. New batch files take the incremental path (`apply.rs`): only the components they
//! touch are rebuilt, their changes appended to `changes.jsonl` and upserted in the store.
//! `profiles.jsonl` (100 MB at 100,000 profiles) is rewritten off that path by [`Session::flush`],
//! which the loop calls once idle and before exit. Architecture Invariant: after a flush the
//! store and `profiles.jsonl` equal those of a fresh `mosaic run` over the same files and
//! policies (with `--as-of` pinned; on the wall clock only the rebuilt profiles move with it).
//!
//! The store is open only during an evaluation, so `profile`, `export` and the other commands
//! can use it while the session waits (redb lets one process at a time have the file). Between
//! evaluations another process may change it (a `run`, a `delete`): an evaluation that finds
//! the store's manifest or last-run options other than the session left them evaluates in full.

use super::apply;
use super::classify::Layout;
use super::incremental::{self, AttributePath, Profiles};
use super::reload::{self, Loaded, ProgramDiff};
use super::state::{Shape, State};
use crate::engine::EngineKind;
use crate::output::report::{Report, RunStats};
use crate::runtime;
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// How to watch (the validated `mosaic watch` arguments).
#[derive(Debug, Clone)]
pub struct Options {
    pub root: PathBuf,
    /// `now` pinned (µs); `None`: the wall clock when each evaluation starts.
    pub as_of: Option<i64>,
    pub policy: Option<String>,
    /// Output folder; `<project>/out` when `None`.
    pub out: Option<PathBuf>,
    pub threads: Option<usize>,
    pub engine: EngineKind,
}

/// Errors that stop watching.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Runtime(#[from] runtime::Error),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// The policies did not compile at start (there is no previous program to keep).
    #[error("{0}")]
    Policies(String),
    #[error("no merge policy named `{0}`")]
    UnknownPolicy(String),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
    #[error("watching {path}: {source}")]
    Notify { path: PathBuf, source: notify::Error },
}

impl Error {
    /// Another process held the store for longer than opening it waits: the evaluation did
    /// nothing, and trying again later will do it.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            Error::Store(crate::store::Error::Busy { .. })
                | Error::Runtime(runtime::Error::Store(crate::store::Error::Busy { .. }))
        )
    }
}

/// What one evaluation did.
#[derive(Debug)]
pub struct Evaluation {
    pub report: Report,
    /// Profiles created, changed or removed.
    pub changed: u64,
    pub millis: u128,
}

/// A running session.
pub struct Session {
    pub opts: Options,
    /// The program in force; replaced whole by [`Session::swap`].
    loaded: Arc<Loaded>,
    /// Every profile's current line, by profileId.
    profiles: Profiles,
    /// The data behind `profiles` (`None` until a full evaluation has built it, or after an
    /// incremental one gave up).
    state: Option<State>,
    /// The store as this session last left it (`None`: unknown, evaluate in full).
    seen: Option<StoreMark>,
    /// `profiles.jsonl` lags behind `profiles`.
    dirty: bool,
    last_full: Instant,
    pool: Option<rayon::ThreadPool>,
    pub out: PathBuf,
    pub layout: Layout,
}

impl Session {
    /// Compiles the policies (errors stop here: there is nothing to fall back on), then
    /// evaluates once, as `mosaic run` would; the profiles left by an earlier session are the
    /// baseline, so what changed while nobody watched is logged too.
    pub fn start(opts: Options) -> Result<(Session, Evaluation), Error> {
        let (result, warnings) = reload::compile(&opts.root, opts.engine, opts.policy.as_deref());
        if let Some(w) = warnings {
            eprint!("{w}");
        }
        let loaded = result.map_err(|f| Error::Policies(f.to_string()))?;
        let out = opts.out.clone().unwrap_or_else(|| loaded.project.root.join("out"));
        let layout = Layout::of(&loaded.project, &out);
        let profiles = baseline(&loaded.project.root, &out)?;
        let pool = match opts.threads {
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n.max(1))
                    .build()
                    .map_err(|e| Error::Threads(n, e.to_string()))?,
            ),
            None => None,
        };
        let mut session = Session {
            opts,
            loaded: Arc::new(loaded),
            profiles,
            state: None,
            seen: None,
            dirty: false,
            last_full: Instant::now(),
            pool,
            out,
            layout,
        };
        let first = session.evaluate_full()?;
        Ok((session, first))
    }

    /// The project folder as loaded (absolute).
    pub fn root(&self) -> &Path {
        &self.loaded.project.root
    }

    /// When the last full evaluation started.
    pub fn last_full(&self) -> Instant {
        self.last_full
    }

    /// Whether `profiles.jsonl` (or a rejection file) lags behind (see [`Session::flush`]).
    pub fn dirty(&self) -> bool {
        self.dirty
    }

    /// Ingests new, changed and removed batch files and re-evaluates only the profiles they
    /// touch, appending those that changed to `changes.jsonl` and upserting them in the store.
    /// Falls back to [`Session::evaluate_full`] when there is no state to build on.
    pub fn evaluate(&mut self) -> Result<Evaluation, Error> {
        let Some(mut state) = self.state.take() else { return self.evaluate_full() };
        let started = Instant::now();
        let as_of = self.opts.as_of.unwrap_or_else(runtime::wall_clock_us);
        let loaded = Arc::clone(&self.loaded);
        let (project, program) = (&loaded.project, &loaded.program);
        let policy = project.merge_policy(self.opts.policy.as_deref()).ok_or_else(|| {
            Error::UnknownPolicy(self.opts.policy.clone().unwrap_or_else(|| "(default)".into()))
        })?;
        let store = Store::open(&project.root, false)?;
        if self.seen.as_ref() != Some(&StoreMark::of(&store)?) {
            // Changed by another process since this session's last evaluation: the state is stale.
            drop(store);
            return self.evaluate_full();
        }
        let store = &store;
        let keep = crate::ingest::Keep::for_program(program);
        // The batch is committed to the store before anything else (a kill loses nothing).
        let ingested = runtime::incremental::ingest_new(project, store, &keep, runtime::wall_clock_us())?;
        let (added, removed) = (ingested.added.len() as u64, ingested.removed.len() as u64);
        let mut report = Report {
            as_of: crate::output::format_timestamp(as_of),
            policy: policy.name.value.clone(),
            profiles: self.profiles.len() as u64,
            ..Report::default()
        };
        let tm = |w: &str| {
            if std::env::var("MOSAIC_WATCH_TIMING").is_ok() {
                eprintln!("T {w} {:?}", started.elapsed())
            }
        };
        tm("ingest");
        if added + removed == 0 {
            report.batches = state.batches.len() as u64;
            report.run.stored_batches = report.batches;
            // Nothing was written: the store is as `seen` says.
            self.state = Some(state);
            return Ok(Evaluation { report, changed: 0, millis: started.elapsed().as_millis() });
        }
        let shape = Shape::of(project, program);
        let takes_part = crate::merge::taking_part(policy, &project.datasets);
        let tz = jiff::tz::TimeZone::get(&project.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let eval = crate::engine::EvalContext { as_of, tz, interner: Arc::clone(&loaded.interner) };
        let ctx = runtime::profile::Ctx {
            project,
            program,
            policy,
            takes_part,
            engine: Some(&*loaded.engine),
            eval,
        };
        let attributes = attribute_paths(program);
        let changed_at = crate::output::format_timestamp(as_of);
        let profiles = &mut self.profiles;
        let step = || apply::apply(&mut state, profiles, &ctx, &shape, ingested, &attributes, &changed_at);
        let update = match &self.pool {
            Some(pool) => pool.install(step),
            None => step(),
        };
        let Some(update) = update else {
            // No rank left between two batches: renumber everything.
            drop(ctx);
            return self.evaluate_full();
        };
        tm("apply");
        let path = self.out.join("changes.jsonl");
        incremental::append(&path, &update.changes).map_err(|source| Error::Io { path, source })?;
        tm("append");
        let shed = serde_json::Value::Object(state.shed.clone().into_iter().collect());
        // The stored profiles now describe the batches just committed too.
        let mut last = store.meta("lastRun")?.filter(serde_json::Value::is_object).unwrap_or_default();
        last["data"] = serde_json::Value::String(store.data_stamp()?);
        store.update_profiles(&update.removed, &update.upserted, &[("shed", shed), ("lastRun", last)])?;
        self.dirty |= added + removed > 0;
        tm("store");
        report.batches = state.batches.len() as u64;
        report.profiles = self.profiles.len() as u64;
        report.run =
            RunStats { ingested_batches: added, stored_batches: report.batches.saturating_sub(added) };
        self.state = Some(state);
        self.seen = Some(StoreMark::of(store)?);
        Ok(Evaluation { report, changed: update.changes.len() as u64, millis: started.elapsed().as_millis() })
    }

    /// Ingests what is new and re-evaluates every profile, as `mosaic run` does, rewriting
    /// `profiles.jsonl` and appending the changed profiles to `changes.jsonl`; then rebuilds
    /// the in-memory state from the store.
    pub fn evaluate_full(&mut self) -> Result<Evaluation, Error> {
        let started = Instant::now();
        self.last_full = started;
        self.state = None;
        self.seen = None;
        let as_of = self.opts.as_of.unwrap_or_else(runtime::wall_clock_us);
        // One program for the whole evaluation, even if a swap is pending.
        let loaded = Arc::clone(&self.loaded);
        let opts = runtime::Options {
            as_of,
            policy: self.opts.policy.clone(),
            out: self.out.clone(),
            threads: self.opts.threads,
            engine: self.opts.engine,
            fresh: false,
            progress: false,
        };
        let report = runtime::run(
            &loaded.project,
            &loaded.program,
            Some(&*loaded.engine),
            Arc::clone(&loaded.interner),
            &opts,
        )?;
        let path = self.out.join("profiles.jsonl");
        let profiles = incremental::read_profiles(&path).map_err(|source| Error::Io { path, source })?;
        let attributes = attribute_paths(&loaded.program);
        let changed_at = crate::output::format_timestamp(as_of);
        let diff = || incremental::diff(&self.profiles, &profiles, &attributes, &changed_at);
        // On the session's pool, so `--threads` holds here too.
        let lines = match &self.pool {
            Some(pool) => pool.install(diff),
            None => diff(),
        };
        let path = self.out.join("changes.jsonl");
        incremental::append(&path, &lines).map_err(|source| Error::Io { path, source })?;
        self.profiles = profiles;
        self.dirty = false;
        let store = Store::open(&loaded.project.root, false)?;
        let shape = Shape::of(&loaded.project, &loaded.program);
        let load = || State::load(&store, &shape, &self.profiles);
        let state = match &self.pool {
            Some(pool) => pool.install(load),
            None => load(),
        }?;
        self.state = Some(state);
        self.seen = Some(StoreMark::of(&store)?);
        Ok(Evaluation { report, changed: lines.len() as u64, millis: started.elapsed().as_millis() })
    }

    /// Rewrites `profiles.jsonl` (atomically) and the rejection files that lag behind the
    /// incremental evaluations.
    pub fn flush(&mut self) -> Result<(), Error> {
        if !self.dirty {
            return Ok(());
        }
        let path = self.out.join("profiles.jsonl");
        crate::output::write_profiles(&path, self.profiles.values().map(String::as_str))
            .map_err(|source| Error::Io { path, source })?;
        if let Some(state) = &mut self.state {
            let dir = crate::store::state_dir(&self.loaded.project.root).join("rejected");
            state.write_rejections(&dir).map_err(|source| Error::Io { path: dir, source })?;
        }
        self.dirty = false;
        Ok(())
    }

    /// Puts `new` in force between evaluations and says what changed; the old program is
    /// dropped here (or when an evaluation still holding it ends), which frees its code. The
    /// caller re-evaluates in full.
    pub fn swap(&mut self, new: Loaded) -> ProgramDiff {
        let diff = ProgramDiff::between(&self.loaded, &new);
        self.layout = Layout::of(&new.project, &self.out);
        self.loaded = Arc::new(new);
        self.state = None;
        diff
    }

    /// Records and rejections of a stored batch, for the log (`None`: not stored).
    pub fn batch_counts(&self, id: &str) -> Result<Option<(u64, u64)>, Error> {
        if let Some(state) = &self.state {
            return Ok(state.batches.get(id).map(|b| b.counts));
        }
        let store = crate::store::Store::open(self.root(), false)?;
        Ok(store.batch(id)?.map(|b| ((b.records.len() + b.events.len()) as u64, b.rejections.len() as u64)))
    }
}

/// The program's computed attributes with where they land, for change descriptions.
fn attribute_paths(program: &crate::ir::Program) -> Vec<AttributePath<'_>> {
    program.attributes.iter().map(|a| AttributePath { name: &a.name, path: &a.path }).collect()
}

/// What tells a session whether another process changed the store since it last did: the
/// batch manifest and the options of the last full run (the only writers besides a session
/// are `run` and `delete`, which change one or both).
#[derive(Debug, PartialEq)]
struct StoreMark {
    manifest: Vec<crate::store::BatchEntry>,
    last_run: Option<serde_json::Value>,
}

impl StoreMark {
    fn of(store: &Store) -> Result<StoreMark, Error> {
        Ok(StoreMark { manifest: store.manifest()?, last_run: store.meta("lastRun")? })
    }
}

/// The profiles the previous session left: the store's, which every batch updates in the same
/// step as its `changes.jsonl` lines, so a restart after a kill logs again at most the changes
/// of the batch that was being applied; `profiles.jsonl` (rewritten only when idle) when there
/// is no store yet.
fn baseline(root: &Path, out: &Path) -> Result<incremental::Profiles, Error> {
    if let Some(store) = Store::open_existing(root)? {
        let lines = store.profiles()?;
        if !lines.is_empty() {
            return Ok(incremental::profiles_of(lines));
        }
    }
    let path = out.join("profiles.jsonl");
    incremental::read_profiles(&path).map_err(|source| Error::Io { path, source })
}
