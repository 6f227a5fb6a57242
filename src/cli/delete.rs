//! `mosaic delete`: a profile system job removing a dataset's or a batch's data from the store.

use super::{ops_failed, Exit};
use crate::ops::{self, delete::Target};

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["dataset", "batch"])))]
pub struct Args {
    #[command(flatten)]
    pub store: super::run::StoreOptions,
    /// Remove every batch of this dataset.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Remove one batch `<dataset>/<file name>` (event datasets only).
    #[arg(long)]
    pub batch: Option<String>,
    /// The as-of instant of the re-evaluation; default: the last run's.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let go = || -> Result<String, ops::Error> {
        let as_of = args.as_of.as_deref().map(|t| ops::parse_time("--as-of", t)).transpose()?;
        let target = match (&args.dataset, &args.batch) {
            (Some(d), _) => Target::Dataset(d.clone()),
            (None, Some(b)) => Target::Batch(b.clone()),
            (None, None) => return Err(ops::Error::Usage("give --dataset or --batch".into())),
        };
        let session = args.store.open()?;
        let job = ops::delete::delete(session, &target, as_of)?;
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
