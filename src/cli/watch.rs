//! `mosaic watch`: `run`, then keep ingesting new batch files and hot-reloading policies.

use super::run::RunOptions;
use super::Exit;
use crate::{runtime, watch};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub run: RunOptions,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let args = args.run;
    let as_of = match args.checked_as_of() {
        Ok(t) => t,
        Err(exit) => return Ok(exit),
    };
    let opts = watch::Options {
        root: args.store.project,
        as_of,
        policy: args.policy,
        out: args.out,
        threads: args.threads,
        engine: args.store.engine.kind(),
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
