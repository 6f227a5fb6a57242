//! `mosaic export`: an export job writing merged profiles to a file; prints the job record.

use super::{ops_failed, Exit};
use crate::ops::{self, export};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: super::run::StoreOptions,
    /// The file to write (replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Entity fields to keep, comma-separated dotted paths.
    #[arg(long)]
    pub fields: Option<String>,
    /// Only members of this audience (repeatable: members of any).
    #[arg(long)]
    pub audience: Vec<String>,
    /// Also export profiles made only of events.
    #[arg(long = "empty-profiles")]
    pub empty_profiles: bool,
    /// Add each profile's events with these fields (comma-separated dotted paths).
    #[arg(long)]
    pub events: Option<String>,
    /// Only profiles with data in batches ingested at or after this time.
    #[arg(long = "from-ingest")]
    pub from_ingest: Option<String>,
    /// The merge policy; default: the one of the last run.
    #[arg(long)]
    pub policy: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Jsonl,
    Csv,
    Parquet,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let go = || -> Result<String, ops::Error> {
        let session = args.store.open()?;
        let req = export::Request {
            out: args.out.clone(),
            fields: args.fields.as_deref().map(ops::parse_fields).transpose()?,
            audiences: args.audience.clone(),
            empty_profiles: args.empty_profiles,
            events: args.events.as_deref().map(ops::parse_fields).transpose()?,
            from_ingest: args
                .from_ingest
                .as_deref()
                .map(|t| ops::parse_time("--from-ingest", t))
                .transpose()?,
            policy: args.policy.clone(),
            format: match args.format {
                Format::Jsonl => export::Format::Jsonl,
                Format::Csv => export::Format::Csv,
                Format::Parquet => export::Format::Parquet,
            },
        };
        if let Some(p) = &req.policy {
            session.project.merge_policy(Some(p)).ok_or_else(|| ops::Error::UnknownPolicy(p.clone()))?;
        }
        let (job, unheld) = export::export(&session, &req)?;
        for path in unheld {
            eprintln!("note: no exported profile has the field `{path}`");
        }
        Ok(format!("{}\n", serde_json::to_string_pretty(&job).unwrap_or_default()))
    };
    match go() {
        Ok(text) => {
            print!("{text}");
            Ok(Exit::Success)
        }
        Err(e) => Ok(ops_failed(&e)),
    }
}
