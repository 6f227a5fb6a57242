//! `mosaic explain`: why a profile looks as it does (graph, provenance, rules, clauses).

use super::{ops_failed, Exit};
use crate::ops;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: super::run::StoreOptions,
    /// An identity `NAMESPACE:VALUE` of the profile.
    #[arg(long)]
    pub identity: String,
    /// Explain only this attribute path (and what is under it) or computed attribute.
    #[arg(long)]
    pub field: Option<String>,
    /// The as-of instant for computed attributes and audiences; default: the last run's.
    #[arg(long = "as-of")]
    pub as_of: Option<String>,
    /// `text` for a person; `json` / `yaml` for programs.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Text,
    Json,
    Yaml,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    let go = || -> Result<String, ops::Error> {
        let session = args.store.open()?;
        let ident = ops::parse_identity(&session.project, &args.identity)?;
        if let Some(f) = &args.field {
            ops::parse_fields(f)?;
        }
        let as_of = args.as_of.as_deref().map(|t| ops::parse_time("--as-of", t)).transpose()?;
        let v = ops::explain::explain(&session, &ident, args.field.as_deref(), as_of)?;
        let empty = |key: &str| v[key].as_array().is_none_or(Vec::is_empty);
        if let Some(f) = args.field.as_deref().filter(|_| empty("attributes") && empty("computedAttributes"))
        {
            // Nothing to explain may be a typo: say so, as the output cannot.
            eprintln!("note: the profile has no field `{f}` and no computed attribute of that name");
        }
        Ok(match args.format {
            Format::Text => ops::explain_text::render(&v),
            Format::Json => format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default()),
            Format::Yaml => ops::yaml::to_yaml(&v),
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
