//! `mosaic test`: run the project's rule tests against their snapshots.

use super::{ops_failed, Exit};
use crate::ops::{self, ruletest::Outcome};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: super::run::StoreOptions,
    /// Write the snapshots of new and changed cases.
    #[arg(long)]
    pub update: bool,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let outcomes = match ops::load(&args.store.project).and_then(|(project, program, _)| {
        ops::ruletest::run_all(&project, &program, args.update, args.store.engine.kind())
    }) {
        Ok(o) => o,
        Err(e) => return Ok(ops_failed(&e)),
    };
    let mut failed = 0;
    for (name, outcome) in &outcomes {
        match outcome {
            Outcome::Passed => println!("ok       {name}"),
            Outcome::Updated => println!("updated  {name}"),
            Outcome::Failed(diff) => {
                failed += 1;
                println!("FAILED   {name}\n{diff}");
            }
        }
    }
    println!("{} passed, {} failed", outcomes.len() - failed, failed);
    if failed > 0 {
        return Ok(ops_failed(&ops::Error::TestsFailed(failed, outcomes.len())));
    }
    Ok(Exit::Success)
}
