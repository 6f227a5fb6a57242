//! `mosaic run`: ingest new batches, stitch, merge, evaluate; write profiles and the report.

use super::Exit;
use crate::engine::EngineKind;
use crate::intern::Interner;
use crate::{diag, frontend, runtime};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub run: RunOptions,
    /// Rebuild the profile store from the batch files.
    #[arg(long)]
    pub fresh: bool,
}

/// The project and engine options of the commands that work on the profile store.
#[derive(clap::Args, Debug)]
pub struct StoreOptions {
    /// The project folder.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Which engine evaluates expressions.
    #[arg(long, value_enum, default_value = "jit")]
    pub engine: Engine,
}

impl StoreOptions {
    /// Opens the project's policies and profile store with the chosen engine.
    pub fn open(&self) -> Result<crate::ops::Session, crate::ops::Error> {
        crate::ops::open(&self.project, self.engine.kind())
    }
}

/// The options `run` and `watch` share.
#[derive(clap::Args, Debug)]
pub struct RunOptions {
    #[command(flatten)]
    pub store: StoreOptions,
    /// The as-of instant (`now`), RFC 3339; default: the wall clock when an evaluation starts.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// The merge policy; default: the project's default policy.
    #[arg(long)]
    pub policy: Option<String>,
    /// Output folder; default `<project>/out`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads.
    #[arg(long)]
    pub threads: Option<usize>,
}

impl RunOptions {
    /// Checks `--threads` and parses `--as-of` (µs; `None` without one): a usage error when
    /// either is wrong.
    pub fn checked_as_of(&self) -> Result<Option<i64>, Exit> {
        if self.threads == Some(0) {
            eprintln!("error: --threads must be at least 1");
            return Err(Exit::Usage);
        }
        match &self.as_of {
            None => Ok(None),
            Some(t) => crate::ingest::line::parse_timestamp(t).map(Some).ok_or_else(|| {
                eprintln!("error: --as-of `{t}` is not an RFC 3339 timestamp (e.g. 2026-10-01T12:00:00Z)");
                Exit::Usage
            }),
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Engine {
    Jit,
    Interp,
}

impl Engine {
    pub fn kind(self) -> EngineKind {
        match self {
            Engine::Jit => EngineKind::Jit,
            Engine::Interp => EngineKind::Interp,
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let fresh = args.fresh;
    let args = args.run;
    let as_of = match args.checked_as_of() {
        Ok(t) => t.unwrap_or_else(runtime::wall_clock_us),
        Err(exit) => return Ok(exit),
    };
    let fe = frontend::compile_project(&args.store.project);
    if !fe.diagnostics.is_empty() {
        eprint!("{}", diag::render_human(&fe.files, &fe.diagnostics));
    }
    if fe.has_errors() {
        return Ok(Exit::Failure);
    }
    let (Some(project), Some(program)) = (fe.project, fe.program) else {
        eprintln!("error: could not load the project at {}", args.store.project.display());
        return Ok(Exit::Failure);
    };
    if let Some(name) = &args.policy {
        if project.merge_policy(Some(name)).is_none() {
            eprintln!("error: no merge policy named `{name}`");
            return Ok(Exit::Failure);
        }
    }
    let kind = args.store.engine.kind();
    let interner = Arc::new(Interner::new());
    let engine = crate::engine::compile(&program, kind, &interner);
    let opts = runtime::Options {
        as_of,
        policy: args.policy.clone(),
        out: args.out.clone().unwrap_or_else(|| project.root.join("out")),
        threads: args.threads,
        engine: kind,
        fresh,
        progress: std::io::stderr().is_terminal(),
    };
    let report = runtime::run(&project, &program, Some(&*engine), interner, &opts)?;
    print!("{}", report.summary());
    println!("wrote {}", opts.out.join("profiles.jsonl").display());
    Ok(Exit::Success)
}
