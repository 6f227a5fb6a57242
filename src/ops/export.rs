//! `mosaic export`: an export job writing merged profiles (optionally with their events) to a
//! file, atomically, with a job record (AEP export jobs, section 6).
//!
//! Decisions: JSONL, CSV and Parquet. A CSV has the columns `profileId`, `identities`
//! (`NS:VALUE` joined by `|`), `audiences`, `sources`, `lastModifiedAt`, then one column per
//! entity leaf path (the union over exported profiles, sorted; arrays and objects as JSON
//! text). A Parquet file has the same columns, typed ([`super::export_parquet`]): the lists as
//! `LIST<STRING>`, `lastModifiedAt` as a UTC microsecond timestamp, with `--events` an `events`
//! list of JSON strings. `--from-ingest` keeps profiles with a record or event in a batch
//! ingested at or after that time.

use super::world::World;
use super::{jobs, now_ms, select_fields, Error, Session};
use crate::output::{write_atomic_with, LineHead};
use crate::policy::DatasetClass;
use crate::runtime::profile::profile_id;
use rayon::prelude::*;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Parquet,
}

/// What to export.
#[derive(Debug, Clone)]
pub struct Request {
    pub out: PathBuf,
    pub fields: Option<Vec<Vec<String>>>,
    /// Only members of one of these audiences (all profiles when empty).
    pub audiences: Vec<String>,
    pub empty_profiles: bool,
    /// Event fields to add (`--events`); no events when `None`.
    pub events: Option<Vec<Vec<String>>>,
    pub from_ingest: Option<i64>,
    pub policy: Option<String>,
    pub format: Format,
}

/// Runs the export job and returns its final record (also stored) and the `--fields` paths
/// that no exported profile held (a typo, say).
pub fn export(session: &Session, req: &Request) -> Result<(Json, Vec<String>), Error> {
    for a in &req.audiences {
        if !session.project.audiences.iter().any(|x| x.name.value == *a) {
            return Err(Error::UnknownAudience(a.clone()));
        }
    }
    let request = json!({
        "jobType": "BATCH", "out": req.out.display().to_string(),
        "format": match req.format {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        },
        "mergePolicy": {"id": req.policy.clone().unwrap_or(session.last_run()?.policy)},
        "filter": {"segments": req.audiences, "emptyProfiles": req.empty_profiles},
    });
    let mut job = jobs::create(&session.store, request)?;
    let start = now_ms();
    jobs::set_status(&session.store, &mut job, "PROCESSING")?;
    match write(session, req) {
        Ok(written) => {
            let end = now_ms();
            job["metrics"] = json!({
                "totalTime": {"startTimeInMs": start, "endTimeInMs": end, "totalTimeInMs": end - start},
                "totalExportedProfileCounter": written.count,
                "exportedProfileByNamespaceCounter": written.by_ns,
            });
            job["errors"] = json!([]);
            jobs::set_status(&session.store, &mut job, "SUCCEEDED")?;
            Ok((job, written.unheld))
        }
        Err(e) => {
            job["errors"] = json!([{"code": "EXPORT", "msg": e.to_string()}]);
            jobs::set_status(&session.store, &mut job, "FAILED")?;
            Err(e)
        }
    }
}

/// What an export wrote.
struct Written {
    count: u64,
    /// The count by namespace of the profileId.
    by_ns: BTreeMap<String, u64>,
    /// The `--fields` paths that no exported profile held.
    unheld: Vec<String>,
}

/// Selects, shapes and writes the profiles. Every format streams: profiles go to the file one at
/// a time, in profileId order, so memory does not grow with the store (a stored line that needs
/// no reshaping is copied as it is). CSV and Parquet take a first pass for their columns (Parquet
/// types each column over all of its values) and write row groups as they fill.
fn write(session: &Session, req: &Request) -> Result<Written, Error> {
    let profiles = Profiles::open(session, req)?;
    let mut selection = Selection::new(session, req);
    let io = |source| Error::Io { path: req.out.clone(), source };
    match req.format {
        Format::Jsonl => stream_to(&req.out, |file| {
            profiles.each(session, req, &mut |item| {
                if !selection.keeps(&item, session)? {
                    return Ok(());
                }
                let line = match item {
                    Item::Line(line) | Item::Printed { line, .. } if req.fields.is_none() => {
                        std::borrow::Cow::Borrowed(line)
                    }
                    item => std::borrow::Cow::Owned(selection.shape(item.into_json(session)?).to_string()),
                };
                file.write_all(line.as_bytes()).and_then(|()| file.write_all(b"\n")).map_err(io)
            })
        })?,
        // CSV and Parquet read the profiles twice: first for their columns, then to write them.
        // The second pass keeps the same profiles; only the first one's counts are kept.
        Format::Csv => {
            let mut columns: BTreeSet<String> = BTreeSet::new();
            profiles.each_taken(session, req, &mut selection, &mut |profile| {
                columns.extend(entity_leaves(&profile).into_keys());
                Ok(())
            })?;
            stream_to(&req.out, |file| {
                let mut csv = csv::Writer::from_writer(file);
                let csv_err = |e: csv::Error| io(e.into());
                let fixed = ["profileId", "identities", "audiences", "sources", "lastModifiedAt"];
                let header = fixed.iter().copied().chain(columns.iter().map(String::as_str));
                csv.write_record(header).map_err(csv_err)?;
                profiles.each_taken(session, req, &mut Selection::new(session, req), &mut |profile| {
                    csv.write_record(csv_record(&profile, &columns)).map_err(csv_err)
                })?;
                csv.flush().map_err(io)
            })?;
        }
        Format::Parquet => {
            use super::export_parquet::{Planner, Writer};
            let parquet =
                |e: parquet::errors::ParquetError| io(std::io::Error::other(format!("parquet: {e}")));
            let mut plan = Planner::new(req.events.is_some(), &session.program.profile_type);
            profiles.each_taken(session, req, &mut selection, &mut |profile| {
                plan.add(&profile);
                Ok(())
            })?;
            stream_to(&req.out, |file| {
                let mut writer = Writer::new(file, &plan).map_err(parquet)?;
                profiles.each_taken(session, req, &mut Selection::new(session, req), &mut |profile| {
                    writer.push(profile).map_err(parquet)
                })?;
                writer.finish().map(drop).map_err(parquet)
            })?;
        }
    }
    let unheld = req.fields.iter().flatten().zip(&selection.held).filter(|(_, held)| !**held);
    let unheld = unheld.map(|(path, _)| path.join(".")).collect();
    Ok(Written { count: selection.count, by_ns: selection.by_ns, unheld })
}

/// Writes `path` atomically with what `fill` writes; when `fill` fails, no file is left.
fn stream_to(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut failure = None;
    let written = write_atomic_with(path, |file| {
        fill(file).map_err(|e| {
            failure = Some(e);
            std::io::Error::other("export stopped")
        })
    });
    match failure {
        Some(e) => Err(e),
        None => written.map_err(|source| Error::Io { path: path.to_path_buf(), source }),
    }
}

/// One profile to export: a stored line, which the request's filter has yet to take, or one
/// rebuilt from the stored batches (with its events when they are asked for), which passed the
/// filter on the worker that built it and comes as JSON, or printed when the export writes
/// profiles whole (the one thread writing the file then only copies it).
enum Item<'a> {
    Line(&'a str),
    Built(Json),
    Printed { profile_id: &'a str, line: &'a str },
}

impl Item<'_> {
    fn into_json(self, session: &Session) -> Result<Json, Error> {
        match self {
            Item::Line(line) | Item::Printed { line, .. } => {
                serde_json::from_str(line).map_err(|e| unreadable(session, e))
            }
            Item::Built(json) => Ok(json),
        }
    }
}

/// A stored profile line that does not parse: the store is damaged.
fn unreadable(session: &Session, source: serde_json::Error) -> Error {
    let path = session.store.path().to_path_buf();
    Error::Store(crate::store::Error::Decode { path, key: "profiles".into(), source })
}

/// Where the exported profiles come from: the stored ones, or, when the request needs events,
/// ingestion times or another merge policy, ones rebuilt from the stored batches.
enum Profiles<'s> {
    Stored,
    Rebuilt(Box<World<'s>>),
}

impl<'s> Profiles<'s> {
    fn open(session: &'s Session, req: &Request) -> Result<Profiles<'s>, Error> {
        let last = session.last_run()?;
        // Stored profiles made under other rules (policy files edited since the run) or that do
        // not describe the stored batches (a run killed after storing some) are rebuilt too, as
        // `profile` does: the export shows what `--events` and `profile` would.
        let rebuild = req.events.is_some()
            || req.from_ingest.is_some()
            || req.policy.as_ref().is_some_and(|p| *p != last.policy)
            || !last.profiles_current(&session.project, &session.store)?;
        if !rebuild {
            return Ok(Profiles::Stored);
        }
        let policy = req.policy.as_deref().or(Some(last.policy.as_str()));
        let (project, program) = (&session.project, &session.program);
        let world = World::load(project, program, &session.store, policy, last.as_of, session.engine)?;
        Ok(Profiles::Rebuilt(Box::new(world)))
    }

    /// Hands `each` every profile `selection` takes (filtered and shaped), in profileId order.
    fn each_taken(
        &self,
        session: &Session,
        req: &Request,
        selection: &mut Selection<'_>,
        each: &mut dyn FnMut(Json) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.each(session, req, &mut |item| match selection.take(item, session)? {
            Some(profile) => each(profile),
            None => Ok(()),
        })
    }

    /// Hands `each` every profile, in profileId order, one at a time.
    fn each(
        &self,
        session: &Session,
        req: &Request,
        each: &mut dyn FnMut(Item<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let world = match self {
            Profiles::Stored => {
                let mut failure = None;
                session.store.each_profile(&mut |line| match each(Item::Line(line)) {
                    Ok(()) => true,
                    Err(e) => {
                        failure = Some(e);
                        false
                    }
                })?;
                return failure.map_or(Ok(()), Err);
            }
            Profiles::Rebuilt(world) => world,
        };
        let mut order: Vec<(String, usize)> =
            (0..world.groups.len()).map(|g| (profile_id(&session.project, &world.groups[g]), g)).collect();
        order.sort_unstable();
        // Profiles are built (and their events read back) in parallel a chunk at a time, and
        // handed out in order. A JSONL export that writes profiles whole gets them as lines
        // printed by the workers too, as stored lines are handed out: the one thread writing the
        // file then only copies them.
        let plan = req.events.as_deref().map(super::world::fields_plan);
        let print = req.format == Format::Jsonl && req.fields.is_none();
        let filter = Filter::new(&session.project.datasets, req);
        for chunk in order.chunks(BUILD_CHUNK) {
            let built: Vec<Option<Json>> = chunk
                .par_iter()
                .map(|&(_, g)| built(world, req, &filter, plan.as_ref(), g))
                .collect::<Result<_, Error>>()?;
            if print {
                // Consumed by the workers, which free the trees too.
                let id = |j: &Json| j["profileId"].as_str().unwrap_or_default().to_string();
                let lines: Vec<(String, String)> =
                    built.into_par_iter().flatten().map(|j| (id(&j), j.to_string())).collect();
                lines.iter().try_for_each(|(profile_id, line)| each(Item::Printed { profile_id, line }))?;
            } else {
                built.into_iter().flatten().try_for_each(|json| each(Item::Built(json)))?;
            }
        }
        Ok(())
    }
}

/// How many rebuilt profiles are built at once: enough to keep every thread busy, few enough
/// that their events stay small.
const BUILD_CHUNK: usize = 1024;

/// Group `g`'s profile as JSON, with its events when asked for (their fields read with `plan`,
/// made for them); `None` when the request leaves it out (`--from-ingest`, `filter`) or it has
/// nothing to show.
fn built(
    world: &World<'_>,
    req: &Request,
    filter: &Filter<'_>,
    plan: Option<&crate::ingest::sparse::Plan>,
    g: usize,
) -> Result<Option<Json>, Error> {
    if let Some(from) = req.from_ingest {
        let fresh = |b: u32| world.batches.get(b as usize).is_some_and(|e| e.ingested_at >= from);
        let touched = world.records_of(g).iter().any(|r| fresh(r.batch))
            || world.events_of(g).iter().any(|e| fresh(e.batch));
        if !touched {
            return Ok(None);
        }
    }
    let Some(profile) = world.build(g) else { return Ok(None) };
    // A profile the request leaves out is not shown: its events are not read back.
    if !filter.passes(&profile.sources, &profile.audiences) {
        return Ok(None);
    }
    let events = match (&req.events, plan) {
        (Some(fields), Some(plan)) => {
            let mut evs = world.events_of(g);
            evs.sort_by_key(|e| (e.time, e.seq));
            let list =
                evs.iter().map(|e| world.event_fields(e, fields, plan)).collect::<Result<_, Error>>()?;
            Some(Json::Array(list))
        }
        _ => None,
    };
    let mut json = profile.to_json();
    if let Some(events) = events {
        json["events"] = events;
    }
    Ok(Some(json))
}

/// Which profiles the request exports: those with a record fragment (or all, with
/// `--empty-profiles`) in one of its audiences (or all, when it names none).
struct Filter<'r> {
    req: &'r Request,
    /// The names of the profile datasets: a profile with none among its sources is made only of
    /// events and has no record fragment (SPEC 8, `--empty-profiles`).
    profile_datasets: Vec<&'r str>,
}

impl<'r> Filter<'r> {
    fn new(datasets: &'r [crate::policy::Dataset], req: &'r Request) -> Filter<'r> {
        let profile_datasets = datasets
            .iter()
            .filter(|d| d.class == DatasetClass::Profile)
            .map(|d| d.name.value.as_str())
            .collect();
        Filter { req, profile_datasets }
    }

    /// Whether a profile of these sources and audiences is exported.
    fn passes(&self, sources: &[impl AsRef<str>], audiences: &[impl AsRef<str>]) -> bool {
        let has_attrs = sources.iter().any(|s| self.profile_datasets.contains(&s.as_ref()));
        let in_audience = self.req.audiences.is_empty()
            || audiences.iter().any(|a| self.req.audiences.iter().any(|r| r == a.as_ref()));
        (has_attrs || self.req.empty_profiles) && in_audience
    }
}

/// The request's filters and shaping, with the counts of what passed them.
struct Selection<'r> {
    req: &'r Request,
    filter: Filter<'r>,
    count: u64,
    by_ns: BTreeMap<String, u64>,
    /// For each `--fields` path, whether an exported profile held it.
    held: Vec<bool>,
}

impl<'r> Selection<'r> {
    fn new(session: &'r Session, req: &'r Request) -> Selection<'r> {
        let filter = Filter::new(&session.project.datasets, req);
        let held = vec![false; req.fields.as_ref().map_or(0, Vec::len)];
        Selection { req, filter, count: 0, by_ns: BTreeMap::new(), held }
    }

    /// Whether `item` is exported (a stored line is filtered here, a rebuilt profile was where
    /// it was built); counts it when it is.
    fn keeps(&mut self, item: &Item<'_>, session: &Session) -> Result<bool, Error> {
        let profile_id: std::borrow::Cow<'_, str> = match item {
            // Only the head of a stored line is read here: its entity is parsed when it is shaped.
            Item::Line(line) => {
                let head = LineHead::parse(line).map_err(|e| unreadable(session, e))?;
                if !self.filter.passes(&head.sources, &head.audiences) {
                    return Ok(false);
                }
                head.profile_id
            }
            Item::Built(json) => json["profileId"].as_str().unwrap_or_default().into(),
            Item::Printed { profile_id, .. } => (*profile_id).into(),
        };
        self.count += 1;
        if let Some((ns, _)) = profile_id.split_once(':') {
            *self.by_ns.entry(ns.to_string()).or_default() += 1;
        }
        Ok(true)
    }

    /// `item` as exported, when it is ([`Selection::keeps`], [`Selection::shape`]).
    fn take(&mut self, item: Item<'_>, session: &Session) -> Result<Option<Json>, Error> {
        if !self.keeps(&item, session)? {
            return Ok(None);
        }
        Ok(Some(self.shape(item.into_json(session)?)))
    }

    /// The profile as exported: its entity cut down to `--fields` (noting which it held).
    fn shape(&mut self, mut profile: Json) -> Json {
        if let Some(fields) = &self.req.fields {
            for (held, path) in self.held.iter_mut().zip(fields) {
                *held = *held || super::field_at(&profile["entity"], path).is_some();
            }
            let kept = select_fields(&profile["entity"], fields);
            profile["entity"] = kept;
        }
        profile
    }
}

/// Each profile's entity as its leaf paths (the CSV and Parquet rows).
/// A profile's entity as its leaf paths (a CSV or Parquet row).
pub(super) fn entity_leaves(profile: &Json) -> BTreeMap<String, Json> {
    let mut m = BTreeMap::new();
    leaves(&profile["entity"], "", &mut m);
    m
}

/// Every leaf path of a JSON object → its value (arrays and empty objects are leaves).
pub(super) fn leaves(v: &Json, prefix: &str, out: &mut BTreeMap<String, Json>) {
    if let Json::Object(m) = v {
        for (k, v) in m {
            let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            match v {
                Json::Object(o) if !o.is_empty() => leaves(v, &path, out),
                _ => {
                    out.insert(path, v.clone());
                }
            }
        }
    }
}

/// A list member as text: an identity as `NS:VALUE`, a string as itself, else JSON.
pub(super) fn item_text(x: &Json) -> String {
    match (x["namespace"].as_str(), x["id"].as_str()) {
        (Some(n), Some(i)) => format!("{n}:{i}"),
        _ => cell(x),
    }
}

fn cell(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One CSV row of `profile`, with a cell for each of `columns` (its entity leaf paths).
fn csv_record(profile: &Json, columns: &BTreeSet<String>) -> Vec<String> {
    let join = |k: &str| {
        profile[k]
            .as_array()
            .map_or_else(String::new, |a| a.iter().map(item_text).collect::<Vec<_>>().join("|"))
    };
    let leaves = entity_leaves(profile);
    let mut record =
        vec![cell(&profile["profileId"]), join("identities"), join("audiences"), join("sources")];
    record.push(cell(&profile["lastModifiedAt"]));
    record.extend(columns.iter().map(|c| leaves.get(c).map_or_else(String::new, cell)));
    record
}
