//! `mosaic preview`: the sample-status summary and its reports in AEP's shapes (section 7),
//! computed over every stored profile (the "sample" is the whole store: `samplingRatio` 1).
//!
//! Decisions: a fragment is one (profile dataset, primary identity); an "unstitched" profile
//! is one with a single identity; a bucket of N days counts unstitched profiles with no event
//! in the N days before the last run's as-of; times are that as-of, not the wall clock, so
//! reports are reproducible.

use super::world::World;
use super::{jobs::render_table, Error, Session};
use crate::ingest::Ident;
use crate::output::{format_timestamp, LineHead};
use crate::policy::{DatasetClass, MergeType};
use crate::runtime::profile::profile_id;
use rayon::prelude::*;
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Summary,
    Dataset,
    Namespace,
    DatasetOverlap,
    NamespaceOverlap,
    Unstitched,
}

/// What one stored profile contributes to the reports.
struct Row {
    datasets: BTreeSet<String>,
    namespaces: BTreeSet<String>,
    identities: usize,
    fragments_by_ns: BTreeMap<String, u64>,
    fragments: u64,
    events: Vec<i64>,
}

/// The report as JSON.
pub fn preview(session: &Session, report: Report) -> Result<Json, Error> {
    let last = session.last_run()?;
    // What the reports read of each profile comes from the stored profiles while they are
    // current (read while the batches are decoded); else from profiles built anew, as
    // `profile` and `export` do, so the reports count the profiles those commands show.
    let current = last.profiles_current(&session.project, &session.store)?;
    let (world, stored) = rayon::join(
        || {
            let (project, program) = (&session.project, &session.program);
            World::load(project, program, &session.store, Some(&last.policy), last.as_of, session.engine)
        },
        || current.then(|| stored_heads(session)).transpose(),
    );
    let (world, stored) = (world?, stored?);
    let head = |g: usize| match &stored {
        Some(stored) => stored.get(&profile_id(&session.project, &world.groups[g])).cloned(),
        None => world.build(g).map(|p| {
            let namespaces = p.identities.iter().map(|i| i.namespace.to_string()).collect();
            (namespaces, p.sources.into_iter().collect())
        }),
    };
    // Each profile's row, on every worker, in profile order.
    let rows: Vec<Row> = (0..world.groups.len())
        .into_par_iter()
        .filter_map(|g| {
            let (namespaces, sources) = head(g)?;
            // Fragments by identity (interned: compared by address, no text copied).
            let fragments: BTreeSet<(u32, Ident)> =
                world.records_of(g).iter().map(|r| (r.dataset, r.primary)).collect();
            let mut fragments_by_ns = BTreeMap::new();
            for (_, ident) in &fragments {
                *fragments_by_ns.entry(ident.namespace.to_string()).or_default() += 1;
            }
            Some(Row {
                datasets: sources,
                identities: namespaces.len(),
                namespaces: namespaces.into_iter().collect(),
                fragments: fragments.len() as u64,
                fragments_by_ns,
                events: world.events_of(g).iter().map(|e| e.time).collect(),
            })
        })
        .collect();
    let stamp = format_timestamp(last.as_of);
    let total = rows.len() as f64;
    let pct = |n: u64| if total > 0.0 { n as f64 / total } else { 0.0 };
    Ok(match report {
        Report::Summary => {
            let policy = world.policy;
            let strategy = match policy.merge {
                MergeType::TimestampOrdered => "timestampOrdered",
                MergeType::DataSetPrecedence => "dataSetPrecedence",
            };
            json!({
                "numRowsToRead": rows.len().to_string(),
                "totalRows": rows.len().to_string(),
                "totalFragmentCount": rows.iter().map(|r| r.fragments).sum::<u64>(),
                "samplingRatio": 1.0,
                "mergeStrategy": format!("{strategy}_{}", policy.name.value),
                "status": "TASK_FINISHED",
                "sampleJobRunning": {"status": false},
                "lastSampledTimestamp": stamp,
            })
        }
        Report::Dataset => {
            let data: Vec<Json> = session
                .project
                .datasets
                .iter()
                .map(|d| {
                    let n = rows.iter().filter(|r| r.datasets.contains(&d.name.value)).count() as u64;
                    let class = match d.class {
                        DatasetClass::Profile => "profile",
                        DatasetClass::Event => "event",
                    };
                    json!({"name": d.name.value, "value": d.name.value, "description": class,
                           "sampleCount": n, "samplePercentage": pct(n), "fullIDsCount": n,
                           "fullIDsPercentage": pct(n), "reportTimestamp": stamp})
                })
                .collect();
            json!({"data": data, "reportTimestamp": stamp})
        }
        Report::Namespace => {
            let codes: BTreeSet<&String> = rows.iter().flat_map(|r| r.namespaces.iter()).collect();
            let data: Vec<Json> = codes
                .iter()
                .map(|code| {
                    let n = rows.iter().filter(|r| r.namespaces.contains(*code)).count() as u64;
                    let frags: u64 = rows.iter().filter_map(|r| r.fragments_by_ns.get(*code)).sum();
                    json!({"code": code, "value": code, "sampleCount": n, "samplePercentage": pct(n),
                           "fullIDsCount": n, "fullIDsPercentage": pct(n), "fullIDsFragmentCount": frags,
                           "reportTimestamp": stamp})
                })
                .collect();
            json!({"data": data, "reportTimestamp": stamp})
        }
        Report::DatasetOverlap | Report::NamespaceOverlap => {
            let mut data: BTreeMap<String, u64> = BTreeMap::new();
            for r in &rows {
                let set = if report == Report::DatasetOverlap { &r.datasets } else { &r.namespaces };
                let key: Vec<&str> = set.iter().map(String::as_str).collect();
                *data.entry(key.join(",")).or_default() += 1;
            }
            json!({"data": data, "reportTimestamp": stamp})
        }
        Report::Unstitched => {
            let mut buckets = serde_json::Map::new();
            for days in [120i64, 90, 60, 30, 7] {
                let since = last.as_of - days * 86_400_000_000;
                let mut count = 0u64;
                let mut events = 0u64;
                let mut by_ns: BTreeMap<String, (u64, u64)> = BTreeMap::new();
                for r in rows
                    .iter()
                    .filter(|r| r.identities == 1 && !r.events.iter().any(|&t| t >= since && t <= last.as_of))
                {
                    count += 1;
                    events += r.events.len() as u64;
                    if let Some(ns) = r.namespaces.iter().next() {
                        let e = by_ns.entry(ns.clone()).or_default();
                        e.0 += 1;
                        e.1 += r.events.len() as u64;
                    }
                }
                let ns: serde_json::Map<String, Json> = by_ns
                    .into_iter()
                    .map(|(k, (c, e))| (k, json!({"countOfProfiles": c, "eventsAssociated": e})))
                    .collect();
                buckets.insert(
                    format!("{days}days"),
                    json!({"countOfProfiles": count, "eventsAssociated": events, "nsDistribution": ns}),
                );
            }
            json!({"data": {
                "totalNumberOfProfiles": rows.len(),
                "totalNumberOfEvents": rows.iter().map(|r| r.events.len()).sum::<usize>(),
                "unstitchedProfiles": buckets,
            }, "reportTimestamp": stamp})
        }
    })
}

/// What the reports read of each stored profile, by profileId: its identities' namespaces and
/// its sources (the entity is skipped unparsed).
type Heads = HashMap<String, (Vec<String>, BTreeSet<String>)>;

/// The [`Heads`] of the stored profiles.
fn stored_heads(session: &Session) -> Result<Heads, Error> {
    let mut stored = HashMap::new();
    session.store.each_profile(&mut |line| {
        if let Ok(p) = LineHead::parse(line) {
            let namespaces = p.identities.iter().map(|i| i.namespace.to_string()).collect();
            let sources = p.sources.iter().map(|s| s.to_string()).collect();
            stored.insert(p.profile_id.into_owned(), (namespaces, sources));
        }
        true
    })?;
    Ok(stored)
}

/// A report for a person: a label, a count and a bar per row.
pub fn table(report: Report, json: &Json) -> String {
    let mut items: Vec<(String, u64)> = Vec::new();
    match report {
        Report::Summary => {
            if let Json::Object(m) = json {
                let rows: Vec<Vec<String>> = m
                    .iter()
                    .map(|(k, v)| vec![k.clone(), v.as_str().map_or_else(|| v.to_string(), String::from)])
                    .collect();
                return render_table(&rows);
            }
        }
        Report::Dataset | Report::Namespace => {
            for d in json["data"].as_array().into_iter().flatten() {
                let label = d["name"].as_str().or(d["code"].as_str()).unwrap_or("").to_string();
                items.push((label, d["fullIDsCount"].as_u64().unwrap_or(0)));
            }
        }
        Report::DatasetOverlap | Report::NamespaceOverlap => {
            for (k, v) in json["data"].as_object().into_iter().flatten() {
                items.push((k.clone(), v.as_u64().unwrap_or(0)));
            }
        }
        Report::Unstitched => {
            for (k, v) in json["data"]["unstitchedProfiles"].as_object().into_iter().flatten() {
                items.push((k.clone(), v["countOfProfiles"].as_u64().unwrap_or(0)));
            }
        }
    }
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let rows: Vec<Vec<String>> = items
        .into_iter()
        .map(|(label, n)| {
            let bar = "█".repeat(((n * 40).div_ceil(max)) as usize);
            vec![label, n.to_string(), bar]
        })
        .collect();
    render_table(&rows)
}
