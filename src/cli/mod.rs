//! The command line: raw clap arguments → validated options → one file per command.
//!
//! Commands print results to stdout and progress to stderr, and exit with [`Exit`].

mod check;
mod explain_code;
mod gen;
mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// How a command ended: 0 success, 1 policy or data errors that stopped the work, 2 usage errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Failure = 1,
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "mosaic",
    version,
    about = "A declarative compiler and runtime for unified customer profiles"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile every policy of a project and report diagnostics.
    Check(check::Args),
    /// Explain a diagnostic code, e.g. `mosaic explain-code E0204`.
    ExplainCode(explain_code::Args),
    /// Ingest new batches, stitch, merge, evaluate; write out/profiles.jsonl and out/report.json.
    Run(run::Args),
    /// Write a synthetic retail project, e.g. `mosaic gen /tmp/shop --profiles 1000`.
    Gen(gen::Args),
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage = e.use_stderr();
            let _ = e.print();
            return if usage { Exit::Usage.into() } else { Exit::Success.into() };
        }
    };
    let result = match cli.command {
        Command::Check(args) => check::run(args),
        Command::ExplainCode(args) => explain_code::run(args),
        Command::Run(args) => run::run(args),
        Command::Gen(args) => gen::run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {e:#}");
            Exit::Failure.into()
        }
    }
}
