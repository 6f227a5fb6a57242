//! `mosaic gen`: a deterministic synthetic retail project of any size, for trials and benchmarks.
//!
//! Everything is derived from the seed through keyed splitmix64 streams ([`rng`]), so a person
//! or an event can be regenerated alone and the output is byte-identical for a seed. Event
//! times lie in the 120 days before [`REFERENCE`], never relative to today.

mod events;
mod people;
mod policies;
mod profiles;
mod readme;
mod rng;
mod writer;

pub use writer::DatasetStats;

use crate::policy::GraphType;
use std::path::{Path, PathBuf};

/// The fixed reference instant: the as-of to use with a generated project.
pub const REFERENCE: &str = "2026-11-01T00:00:00Z";
/// [`REFERENCE`] in seconds since the epoch.
pub const REFERENCE_SECS: i64 = 1_793_491_200;
/// Batch files hold about this many lines.
pub const LINES_PER_FILE: u64 = 50_000;
/// More files than this per dataset would only cost file handles: files grow instead.
const MAX_FILES: u64 = 256;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub profiles: u64,
    /// Mean number of events per profile (each profile gets between half and 1.5 times it).
    pub events_per_profile: u64,
    pub seed: u64,
    /// The default merge policy's identity graph.
    pub identity_graph: GraphType,
    /// Only the three benchmark attributes and no audiences (for scripts/bench-duckdb.sh).
    pub bench: bool,
    /// Write into a non-empty folder, replacing a previous generated project there.
    pub force: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            profiles: 1000,
            events_per_profile: 20,
            seed: 1,
            identity_graph: GraphType::Pdg,
            bench: false,
            force: false,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub options: Options,
    pub datasets: Vec<DatasetStats>,
}

impl Summary {
    pub fn events(&self) -> u64 {
        self.datasets.iter().filter(|d| matches!(d.name, "web" | "commerce")).map(|d| d.records).sum()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("`{0}` is not empty; pass --force to replace the generated project in it")]
    NotEmpty(PathBuf),
    #[error("--profiles must be at least 1")]
    NoProfiles,
}

impl Error {
    fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), source }
    }
}

fn files_for(lines: u64) -> u64 {
    lines.div_ceil(LINES_PER_FILE).clamp(1, MAX_FILES)
}

fn names(prefix: &str, n: u64, ext: &str) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}-{i:04}.{ext}")).collect()
}

/// Writes a complete project into `out`.
pub fn generate(out: &Path, opts: &Options) -> Result<Summary, Error> {
    if opts.profiles == 0 {
        return Err(Error::NoProfiles);
    }
    prepare(out, opts.force)?;
    let (n, m, seed) = (opts.profiles, opts.events_per_profile, opts.seed);
    write_file(&out.join("mosaic.yaml"), "kind: Project\nname: retail\ntimezone: Europe/Stockholm\n")?;
    for (path, text) in policies::files(opts.identity_graph, opts.bench) {
        write_file(&out.join("policies").join(path), text)?;
    }

    let crm_files = files_for(n);
    let mut crm_names: Vec<(String, Option<&str>)> =
        names("part", crm_files, "jsonl").into_iter().map(|f| (f, None)).collect();
    crm_names.push(("updates-0001.jsonl".into(), None));
    let mut crm =
        writer::DatasetWriter::create(out, "crm", "data/crm", &crm_names, profiles::CRM_BAD, false)?;

    let members = n.div_ceil(5) * 2;
    let loyalty_files = files_for(members);
    let mut loyalty_names: Vec<(String, Option<&str>)> = names("part", loyalty_files, "csv")
        .into_iter()
        .map(|f| (f, Some(profiles::LOYALTY_HEADER)))
        .collect();
    loyalty_names.push(("patch-0001.csv".into(), Some(profiles::LOYALTY_PATCH_HEADER)));
    let mut loyalty = writer::DatasetWriter::create(
        out,
        "loyalty",
        "data/loyalty",
        &loyalty_names,
        profiles::LOYALTY_BAD,
        false,
    )?;

    let web_files = files_for(n.saturating_mul(m) / 8 * 7) as usize;
    let web_names: Vec<_> = names("part", web_files as u64, "jsonl").into_iter().map(|f| (f, None)).collect();
    let mut web = writer::DatasetWriter::create(out, "web", "data/web", &web_names, events::WEB_BAD, true)?;
    let commerce_files = files_for(n.saturating_mul(m) / 8) as usize;
    let commerce_names: Vec<_> =
        names("part", commerce_files as u64, "jsonl").into_iter().map(|f| (f, None)).collect();
    let mut commerce = writer::DatasetWriter::create(
        out,
        "commerce",
        "data/commerce",
        &commerce_names,
        events::COMMERCE_BAD,
        true,
    )?;

    let mut member = 0u64;
    for i in 0..n {
        let p = people::person(seed, i, m);
        crm.write((i / LINES_PER_FILE) as usize, &profiles::crm_line(seed, &p, false))?;
        if profiles::crm_updated(&p) {
            crm.write(crm_files as usize, &profiles::crm_line(seed, &p, true))?;
        }
        if let Some(row) = profiles::loyalty_row(seed, &p) {
            loyalty.write((member / LINES_PER_FILE) as usize, &row)?;
            member += 1;
        }
        if profiles::loyalty_patched(&p) {
            if let Some(row) = profiles::loyalty_patch_row(seed, &p) {
                loyalty.write(loyalty_files as usize, &row)?;
            }
        }
        let (w, c) = events::split(&p, seed);
        events::write_web(&mut web, web_files, seed, &p, w)?;
        events::write_commerce(&mut commerce, commerce_files, seed, &p, c)?;
    }
    let summary = Summary {
        options: opts.clone(),
        datasets: vec![crm.finish()?, loyalty.finish()?, web.finish()?, commerce.finish()?],
    };
    write_file(&out.join("README.md"), &readme::render(&summary))?;
    Ok(summary)
}

/// Refuses a non-empty folder unless forced; when forced, removes what a previous run wrote.
fn prepare(out: &Path, force: bool) -> Result<(), Error> {
    let non_empty = std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(false);
    if non_empty {
        if !force {
            return Err(Error::NotEmpty(out.to_path_buf()));
        }
        for dir in ["data", "policies", ".mosaic", "out"] {
            let p = out.join(dir);
            if p.exists() {
                std::fs::remove_dir_all(&p).map_err(|e| Error::io(&p, e))?;
            }
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}
