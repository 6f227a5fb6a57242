//! `mosaic jobs [ID] [PROJECT]`: list export and delete jobs, or show one.
//!
//! Both arguments are optional positionals: a lone argument made of digits is a job id (job
//! ids are integers), anything else is the project folder.

use super::{ops_failed, Exit};
use crate::ops;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// `[ID] [PROJECT]`: the job to show as JSON (all jobs as a table without it), then the
    /// project folder (default `.`).
    #[arg(num_args = 0..=2, value_name = "ID|PROJECT")]
    pub args: Vec<String>,
}

/// The job id and the project folder from the positionals.
fn split(args: &[String]) -> (Option<&str>, PathBuf) {
    let is_id = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match args {
        [] => (None, PathBuf::from(".")),
        [one] if is_id(one) => (Some(one.as_str()), PathBuf::from(".")),
        [one] => (None, PathBuf::from(one)),
        [id, project, ..] => (Some(id.as_str()), PathBuf::from(project)),
    }
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let (id, project) = split(&args.args);
    let go = || -> Result<String, ops::Error> {
        let store = crate::store::Store::open_existing(&project)?
            .ok_or_else(|| ops::Error::NoStore(project.clone()))?;
        Ok(match id {
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
