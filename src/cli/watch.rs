//! `mosaic watch`: `run`, then keep ingesting new batch files and hot-reloading policies.

use super::run::Engine;
use super::Exit;
use crate::engine::EngineKind;
use crate::{runtime, watch};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The project folder.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// The as-of instant (`now`), RFC 3339; default: the wall clock when each evaluation starts.
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
    /// Which engine evaluates expressions.
    #[arg(long, value_enum, default_value = "jit")]
    pub engine: Engine,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let as_of = match &args.as_of {
        Some(t) => match crate::ingest::line::parse_timestamp(t) {
            Some(us) => Some(us),
            None => {
                eprintln!("error: --as-of `{t}` is not an RFC 3339 timestamp (e.g. 2026-10-01T12:00:00Z)");
                return Ok(Exit::Usage);
            }
        },
        None => None,
    };
    if args.threads == Some(0) {
        eprintln!("error: --threads must be at least 1");
        return Ok(Exit::Usage);
    }
    let opts = watch::Options {
        root: args.project,
        as_of,
        policy: args.policy,
        out: args.out,
        threads: args.threads,
        engine: match args.engine {
            Engine::Jit => EngineKind::Jit,
            Engine::Interp => EngineKind::Interp,
        },
    };
    match watch::watch(opts) {
        Ok(()) => Ok(Exit::Success),
        Err(watch::Error::Policies(text)) => {
            eprint!("{text}");
            if !text.ends_with('\n') {
                eprintln!();
            }
            Ok(Exit::Failure)
        }
        Err(watch::Error::Runtime(runtime::Error::UnknownPolicy(name))) => {
            eprintln!("error: no merge policy named `{name}`");
            Ok(Exit::Failure)
        }
        Err(e) => Err(e.into()),
    }
}
