//! `mosaic export`: an export job writing merged profiles (optionally with their events) to a
//! file, atomically, with a job record (AEP export jobs, section 6).
//!
//! Decisions: JSONL, CSV and Parquet. A CSV has the columns `profileId`, `identities`
//! (`NS:VALUE` joined by `|`), `audiences`, `sources`, `lastModifiedAt`, then one column per
//! entity leaf path (the union over exported profiles, sorted; arrays and objects as JSON
//! text). A Parquet file has the same columns, typed ([`super::export_parquet`]): the lists as
//! LIST<STRING>, `lastModifiedAt` as a UTC microsecond timestamp, with `--events` an `events`
//! list of JSON strings. `--from-ingest` keeps profiles with a record or event in a batch
//! ingested at or after that time.

use super::world::World;
use super::{jobs, now_ms, select_fields, Error, Session};
use crate::output::write_atomic;
use crate::policy::DatasetClass;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

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

/// Runs the export job and returns its final record (also stored).
pub fn export(session: &Session, req: &Request) -> Result<Json, Error> {
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
        Ok((count, by_ns)) => {
            let end = now_ms();
            job["metrics"] = json!({
                "totalTime": {"startTimeInMs": start, "endTimeInMs": end, "totalTimeInMs": end - start},
                "totalExportedProfileCounter": count,
                "exportedProfileByNamespaceCounter": by_ns,
            });
            job["errors"] = json!([]);
            jobs::set_status(&session.store, &mut job, "SUCCEEDED")?;
            Ok(job)
        }
        Err(e) => {
            job["errors"] = json!([{"code": "EXPORT", "msg": e.to_string()}]);
            jobs::set_status(&session.store, &mut job, "FAILED")?;
            Err(e)
        }
    }
}

/// Selects, shapes and writes the profiles; returns the count and the count by namespace of
/// the profileId.
fn write(session: &Session, req: &Request) -> Result<(u64, BTreeMap<String, u64>), Error> {
    let last = session.last_run()?;
    let rebuild = req.events.is_some()
        || req.from_ingest.is_some()
        || req.policy.as_ref().is_some_and(|p| *p != last.policy);
    let mut profiles: Vec<Json> = Vec::new();
    if rebuild {
        let policy = req.policy.as_deref().or(Some(last.policy.as_str()));
        let world = World::load(
            &session.project,
            &session.program,
            &session.store,
            policy,
            last.as_of,
            session.engine,
        )?;
        for g in 0..world.groups.len() {
            if let Some(from) = req.from_ingest {
                let fresh = |b: u32| world.batches.get(b as usize).is_some_and(|e| e.ingested_at >= from);
                let touched = world.records_of(g).iter().any(|r| fresh(r.batch))
                    || world.events_of(g).iter().any(|e| fresh(e.batch));
                if !touched {
                    continue;
                }
            }
            let Some(p) = world.build(g) else { continue };
            let mut j = p.to_json();
            if let Some(fields) = &req.events {
                let mut evs = world.events_of(g);
                evs.sort_by_key(|e| (e.time, e.dataset, e.seq));
                let list = evs
                    .iter()
                    .map(|e| Ok(select_fields(&world.event_body(e)?, fields)))
                    .collect::<Result<_, Error>>()?;
                j["events"] = Json::Array(list);
            }
            profiles.push(j);
        }
        profiles.sort_by(|a, b| a["profileId"].as_str().cmp(&b["profileId"].as_str()));
    } else {
        for line in session.store.profiles()? {
            profiles.push(serde_json::from_str(&line).unwrap_or(Json::Null));
        }
    }
    let profile_dataset = |name: &Json| {
        session.project.datasets.iter().any(|d| d.name.value == *name && d.class == DatasetClass::Profile)
    };
    profiles.retain(|p| {
        // A profile made only of events has no record fragment (SPEC 8, `--empty-profiles`).
        let has_attrs = p["sources"].as_array().is_some_and(|s| s.iter().any(profile_dataset));
        let in_audience = req.audiences.is_empty()
            || p["audiences"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| req.audiences.iter().any(|r| x == r)));
        (has_attrs || req.empty_profiles) && in_audience
    });
    let mut by_ns: BTreeMap<String, u64> = BTreeMap::new();
    for p in &mut profiles {
        if let Some((ns, _)) = p["profileId"].as_str().and_then(|s| s.split_once(':')) {
            *by_ns.entry(ns.to_string()).or_default() += 1;
        }
        if let Some(fields) = &req.fields {
            let kept = select_fields(&p["entity"], fields);
            p["entity"] = kept;
        }
    }
    let bytes = match req.format {
        Format::Jsonl => profiles.iter().map(|p| format!("{p}\n")).collect::<String>().into_bytes(),
        Format::Csv => csv_bytes(&profiles)?,
        Format::Parquet => {
            super::export_parquet::parquet_bytes(&profiles, req.events.is_some()).map_err(|e| Error::Io {
                path: req.out.clone(),
                source: std::io::Error::other(format!("parquet: {e}")),
            })?
        }
    };
    write_atomic(&req.out, &bytes).map_err(|source| Error::Io { path: req.out.clone(), source })?;
    Ok((profiles.len() as u64, by_ns))
}

/// Each profile's entity as its leaf paths (the CSV and Parquet rows).
pub(super) fn entity_rows(profiles: &[Json]) -> Vec<BTreeMap<String, Json>> {
    let row = |p: &Json| {
        let mut m = BTreeMap::new();
        leaves(&p["entity"], "", &mut m);
        m
    };
    profiles.iter().map(row).collect()
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

fn csv_bytes(profiles: &[Json]) -> Result<Vec<u8>, Error> {
    let rows = entity_rows(profiles);
    let columns: BTreeSet<&String> = rows.iter().flat_map(|r| r.keys()).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let fixed = ["profileId", "identities", "audiences", "sources", "lastModifiedAt"];
    let header: Vec<&str> = fixed.iter().copied().chain(columns.iter().map(|c| c.as_str())).collect();
    let err = |e: csv::Error| Error::Usage(format!("csv: {e}"));
    w.write_record(&header).map_err(err)?;
    for (p, leaves) in profiles.iter().zip(&rows) {
        let join = |k: &str| {
            p[k].as_array()
                .map_or_else(String::new, |a| a.iter().map(item_text).collect::<Vec<_>>().join("|"))
        };
        let mut rec = vec![cell(&p["profileId"]), join("identities"), join("audiences"), join("sources")];
        rec.push(cell(&p["lastModifiedAt"]));
        rec.extend(columns.iter().map(|c| leaves.get(*c).map_or_else(String::new, cell)));
        w.write_record(&rec).map_err(err)?;
    }
    w.into_inner().map_err(|e| Error::Usage(format!("csv: {e}")))
}
