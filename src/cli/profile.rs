//! `mosaic profile`: print merged profiles by identity, optionally with their events.

use super::{ops_failed, Exit};
use crate::ops::{self, profile::Query};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: super::run::StoreOptions,
    /// An identity `NAMESPACE:VALUE` (repeatable: one profile per identity, as an array).
    #[arg(long, required = true)]
    pub identity: Vec<String>,
    /// The merge policy; default: the one of the last run (another one re-merges the store).
    #[arg(long)]
    pub policy: Option<String>,
    /// Entity fields to keep, comma-separated dotted paths.
    #[arg(long)]
    pub fields: Option<String>,
    /// Include the profile's events.
    #[arg(long)]
    pub events: bool,
    /// Events at or after this time (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Events before this time.
    #[arg(long)]
    pub to: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 1000)]
    pub limit: usize,
    /// Event order.
    #[arg(long, default_value = "+timestamp", value_parser = ["+timestamp", "-timestamp"], allow_hyphen_values = true)]
    pub order: String,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
    Table,
}

pub fn run(args: Args) -> anyhow::Result<Exit> {
    match go(&args) {
        Ok(text) => {
            print!("{text}");
            Ok(Exit::Success)
        }
        Err(e) => Ok(ops_failed(&e)),
    }
}

fn go(args: &Args) -> Result<String, ops::Error> {
    // Policies are loaded without compiling expressions first: a stored profile needs none.
    let (project, store) = ops::open_stored(&args.store.project)?;
    let q = Query {
        identities: args
            .identity
            .iter()
            .map(|i| ops::parse_identity(&project, i))
            .collect::<Result<_, _>>()?,
        policy: args.policy.clone(),
        fields: args.fields.as_deref().map(ops::parse_fields).transpose()?,
        events: args.events,
        from: args.from.as_deref().map(|t| ops::parse_time("--from", t)).transpose()?,
        to: args.to.as_deref().map(|t| ops::parse_time("--to", t)).transpose()?,
        limit: args.limit,
        descending: args.order == "-timestamp",
        as_of: None,
    };
    let mut profiles = if ops::profile::needs_rebuild(&project, &store, &q)? {
        // The store is opened once per process: close it before the full session opens it.
        drop(store);
        {
            let session = args.store.open()?;
            ops::profile::lookup(&session, &q)?
        }
    } else {
        ops::profile::lookup_stored(&store, &q)?
    };
    // A path no profile has may be a typo: say so, as the output cannot (it is just empty).
    for path in q.fields.iter().flatten() {
        let held = |p: &serde_json::Value| ops::field_at(&p["entity"], path).is_some();
        if !profiles.iter().any(held) {
            eprintln!("note: no profile here has the field `{}`", path.join("."));
        }
    }
    let value = if profiles.len() == 1 { profiles.remove(0) } else { serde_json::Value::Array(profiles) };
    Ok(match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()),
        Format::Yaml => ops::yaml::to_yaml(&value),
        Format::Table => table(&value),
    })
}

/// Every leaf of the profile(s) as `path  value` rows.
fn table(v: &serde_json::Value) -> String {
    let mut rows = vec![vec!["FIELD".to_string(), "VALUE".to_string()]];
    leaves(v, "", &mut rows);
    ops::jobs::render_table(&rows)
}

fn leaves(v: &serde_json::Value, prefix: &str, rows: &mut Vec<Vec<String>>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        serde_json::Value::Object(m) if !m.is_empty() => {
            m.iter().for_each(|(k, v)| leaves(v, &join(k), rows))
        }
        serde_json::Value::Array(a) if !a.is_empty() && a.iter().any(|x| x.is_object()) => {
            a.iter().enumerate().for_each(|(i, v)| leaves(v, &join(&i.to_string()), rows))
        }
        other => rows
            .push(vec![prefix.to_string(), other.as_str().map_or_else(|| other.to_string(), String::from)]),
    }
}
