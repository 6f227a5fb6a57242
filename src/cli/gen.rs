//! `mosaic gen OUTDIR --profiles N`: write a synthetic retail project.

use super::Exit;
use crate::gen;
use crate::policy::GraphType;
use std::path::PathBuf;

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum Graph {
    Pdg,
    None,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to write the project into (created if missing; must be empty unless --force).
    #[arg(value_name = "OUTDIR")]
    pub out: PathBuf,
    /// Number of people.
    #[arg(long)]
    pub profiles: u64,
    /// Mean number of events per person (each gets between half and 1.5 times it).
    #[arg(long, default_value_t = 20)]
    pub events_per_profile: u64,
    /// Seed of the generator: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Identity graph of the default merge policy.
    #[arg(long, value_enum, default_value = "pdg")]
    pub identity_graph: Graph,
    /// Benchmark variant: no stitching, only the three attributes scripts/bench-duckdb.sh compares.
    #[arg(long)]
    pub bench: bool,
    /// Replace a project generated earlier in OUTDIR.
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let identity_graph = match (args.bench, args.identity_graph) {
        (true, _) | (false, Graph::None) => GraphType::None,
        (false, Graph::Pdg) => GraphType::Pdg,
    };
    let opts = gen::Options {
        profiles: args.profiles,
        events_per_profile: args.events_per_profile,
        seed: args.seed,
        identity_graph,
        bench: args.bench,
        force: args.force,
    };
    let summary = match gen::generate(&args.out, &opts) {
        Ok(s) => s,
        Err(e @ (gen::Error::NotEmpty(_) | gen::Error::NoProfiles)) => {
            eprintln!("error: {e}");
            return Ok(Exit::Usage);
        }
        Err(e) => return Err(e.into()),
    };
    println!(
        "wrote {} (seed {}, {} profiles, {} events)",
        args.out.display(),
        opts.seed,
        opts.profiles,
        summary.events()
    );
    for d in &summary.datasets {
        println!(
            "  {:<9} {:>3} files  {:>10} records  {:>6} duplicates  {:>5} bad lines",
            d.name,
            d.files.len(),
            d.records,
            d.duplicates,
            d.bad
        );
    }
    println!("run it with: mosaic run {} --as-of {}", args.out.display(), gen::REFERENCE);
    Ok(Exit::Success)
}
