//! One watch session: the current program, the last profiles written, and an evaluation step
//! that ingests what is new, re-evaluates, and logs what changed to `out/changes.jsonl`.
//!
//! Each evaluation is the same pipeline as `mosaic run` over the whole store (ingest commits
//! per batch; stitching, merging and evaluation are recomputed), then the new profiles are
//! diffed against the previous ones. Architecture Invariant: after any evaluation the store and
//! `profiles.jsonl` equal those of a fresh `mosaic run` over the same files and policies.

use super::classify::Layout;
use super::incremental::{self, AttributePath, Profiles};
use super::reload::{self, Loaded, ProgramDiff};
use crate::engine::EngineKind;
use crate::output::report::Report;
use crate::runtime;
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
    #[error("watching {path}: {source}")]
    Notify { path: PathBuf, source: notify::Error },
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
    profiles: Profiles,
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
        let path = out.join("profiles.jsonl");
        let profiles = incremental::read_profiles(&path).map_err(|source| Error::Io { path, source })?;
        let mut session = Session { opts, loaded: Arc::new(loaded), profiles, out, layout };
        let first = session.evaluate()?;
        Ok((session, first))
    }

    /// The project folder as loaded (absolute).
    pub fn root(&self) -> &Path {
        &self.loaded.project.root
    }

    /// Ingests new, changed and removed batch files, re-evaluates, rewrites `profiles.jsonl`
    /// and appends the changed profiles to `changes.jsonl`.
    pub fn evaluate(&mut self) -> Result<Evaluation, Error> {
        let started = Instant::now();
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
        let attributes: Vec<AttributePath> = loaded
            .program
            .attributes
            .iter()
            .map(|a| AttributePath { name: &a.name, path: &a.path })
            .collect();
        let lines = incremental::diff(
            &self.profiles,
            &profiles,
            &attributes,
            &crate::output::format_timestamp(as_of),
        );
        let path = self.out.join("changes.jsonl");
        incremental::append(&path, &lines).map_err(|source| Error::Io { path, source })?;
        self.profiles = profiles;
        Ok(Evaluation { report, changed: lines.len() as u64, millis: started.elapsed().as_millis() })
    }

    /// Puts `new` in force between evaluations and says what changed; the old program is
    /// dropped here (or when an evaluation still holding it ends), which frees its code.
    pub fn swap(&mut self, new: Loaded) -> ProgramDiff {
        let diff = ProgramDiff::between(&self.loaded, &new);
        self.layout = Layout::of(&new.project, &self.out);
        self.loaded = Arc::new(new);
        diff
    }

    /// Records and rejections of a stored batch, for the log (`None`: not stored).
    pub fn batch_counts(&self, id: &str) -> Result<Option<(u64, u64)>, Error> {
        let store = crate::store::Store::open(self.root(), false)?;
        Ok(store.batch(id)?.map(|b| ((b.records.len() + b.events.len()) as u64, b.rejections.len() as u64)))
    }
}
