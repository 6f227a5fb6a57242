//! `mosaic preview`: the sample-status summary or one of its reports.

use super::{ops_failed, Exit};
use crate::ops::{self, preview::Report};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: super::run::StoreOptions,
    /// A report instead of the summary.
    #[arg(long, value_enum)]
    pub report: Option<Kind>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Kind {
    Dataset,
    Namespace,
    DatasetOverlap,
    NamespaceOverlap,
    Unstitched,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Json,
    Table,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let report = match args.report {
        None => Report::Summary,
        Some(Kind::Dataset) => Report::Dataset,
        Some(Kind::Namespace) => Report::Namespace,
        Some(Kind::DatasetOverlap) => Report::DatasetOverlap,
        Some(Kind::NamespaceOverlap) => Report::NamespaceOverlap,
        Some(Kind::Unstitched) => Report::Unstitched,
    };
    let go = || -> Result<String, ops::Error> {
        let session = args.store.open()?;
        let v = ops::preview::preview(&session, report)?;
        Ok(match args.format {
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()),
            Format::Table => ops::preview::table(report, &v),
        })
    };
    match go() {
        Ok(text) => {
            print!("{text}");
            Ok(Exit::Success)
        }
        Err(e) => Ok(ops_failed(&e)),
    }
}
