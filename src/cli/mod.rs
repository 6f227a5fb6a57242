//! The command line: raw clap arguments → validated options → one file per command.
//!
//! Commands print results to stdout and progress to stderr, and exit with [`Exit`].

mod check;
mod delete;
mod explain;
mod explain_code;
mod export;
mod gen;
mod jobs;
mod preview;
mod profile;
mod run;
mod test;
mod watch;

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
    /// Print merged profiles by identity, optionally with their events.
    Profile(profile::Args),
    /// Explain a profile: identity graph, attribute provenance, computed attributes, audiences.
    Explain(explain::Args),
    /// Export merged profiles to a file (an export job); print the job record.
    Export(export::Args),
    /// The sample-status summary or a report (dataset, namespace, overlaps, unstitched).
    Preview(preview::Args),
    /// Remove a dataset's or a batch's data from the profile store and re-evaluate.
    Delete(delete::Args),
    /// List export and delete jobs, or show one.
    Jobs(jobs::Args),
    /// Run the project's rule tests (tests/*.yaml) against their snapshots.
    Test(test::Args),
    /// Run, then keep ingesting new batch files and hot-reloading policies until stopped.
    Watch(watch::Args),
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
        Command::Profile(args) => profile::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Export(args) => export::run(args),
        Command::Preview(args) => preview::run(args),
        Command::Delete(args) => delete::run(args),
        Command::Jobs(args) => jobs::run(args),
        Command::Test(args) => test::run(args),
        Command::Watch(args) => watch::run(args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            Exit::Failure.into()
        }
    }
}

/// The error and each cause its message does not already spell out (most errors name their
/// cause in their own message, and `{:#}` would repeat it).
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

/// Prints an operation's error to stderr and gives its exit status (2 for usage errors).
fn ops_failed(e: &crate::ops::Error) -> Exit {
    eprintln!("error: {e}");
    if e.is_usage() {
        Exit::Usage
    } else {
        Exit::Failure
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn causes_are_named_once() {
        let gone = || std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
        let spelt_out = crate::runtime::Error::Io { path: "out/profiles.jsonl".into(), source: gone() };
        assert_eq!(describe(&anyhow::Error::new(spelt_out)), "out/profiles.jsonl: gone");
        let wrapped = anyhow::Error::new(gone()).context("reading data/web");
        assert_eq!(describe(&wrapped), "reading data/web: gone");
    }
}
