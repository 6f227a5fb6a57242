//! `mosaic jobs`: list export and delete jobs, or show one.

use super::{ops_failed, Exit};
use crate::ops;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The project folder.
    #[arg(default_value = ".")]
    pub project: PathBuf,
    /// Show this job as JSON.
    #[arg(long)]
    pub id: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let go = || -> Result<String, ops::Error> {
        let store = crate::store::Store::open_existing(&args.project)?
            .ok_or_else(|| ops::Error::NoStore(args.project.clone()))?;
        Ok(match &args.id {
            Some(id) => format!(
                "{}\n",
                serde_json::to_string_pretty(&ops::jobs::get(&store, id)?).unwrap_or_default()
            ),
            None => ops::jobs::table(&ops::jobs::list(&store)?),
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
