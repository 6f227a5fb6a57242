//! `mosaic delete`: a profile system job removing a dataset's or a batch's data from the store
//! (never the files) and re-evaluating every profile (AEP section 8).
//!
//! Decisions: the batches are removed from the store and marked deleted in the manifest (the
//! next `run` does not ingest them again unless `--fresh`), then every profile is rebuilt from
//! what is left by `runtime::run` with the last run's policy and as-of (`--as-of` overrides),
//! so the result equals a fresh run over the data without them; links made only by the
//! deleted data go with it. Like any run, the re-evaluation also ingests new batch files and
//! stores fresh identity components (`runtime::components`); until it ends, the deletion has
//! changed the manifest, so `profile` and `explain` see the old components as stale and read
//! every batch left.

use super::{jobs, now_ms, Error, LastRun, Session};
use crate::engine::{self, EngineKind};
use crate::intern::Interner;
use crate::ir;
use crate::policy::DatasetClass;
use crate::policy::Project;
use crate::runtime;
use crate::store::Store;
use serde_json::{json, Value as Json};
use std::sync::Arc;

/// What to delete.
#[derive(Debug, Clone)]
pub enum Target {
    Dataset(String),
    Batch(String),
}

/// Validates the target, then runs the job; returns its final record.
/// Takes the session by value: the runtime opens the store itself, so it is closed meanwhile.
pub fn delete(session: Session, target: &Target, as_of: Option<i64>) -> Result<Json, Error> {
    let manifest = session.store.manifest()?;
    let live = |id: &str| manifest.iter().any(|e| e.id == id && e.status != crate::store::DELETED);
    let (fields, ids): (Json, Vec<String>) = match target {
        Target::Dataset(name) => {
            session.project.dataset(name).ok_or_else(|| Error::UnknownDataset(name.clone()))?;
            let prefix = format!("{name}/");
            let ids = manifest
                .iter()
                .filter(|e| e.id.starts_with(&prefix) && live(&e.id))
                .map(|e| e.id.clone())
                .collect();
            (json!({"dataSetId": name}), ids)
        }
        Target::Batch(id) => {
            let dataset = id.split_once('/').map_or("", |(d, _)| d);
            let ds = session
                .project
                .dataset(dataset)
                .filter(|_| live(id))
                .ok_or_else(|| Error::UnknownBatch(id.clone()))?;
            if ds.class != DatasetClass::Event {
                return Err(Error::RecordBatch(dataset.to_string()));
            }
            (json!({"batchId": id}), vec![id.clone()])
        }
    };
    let mut fields = fields;
    fields["jobType"] = json!("DELETE");
    let mut job = jobs::create(&session.store, fields)?;
    let start = now_ms();
    jobs::set_status(&session.store, &mut job, "PROCESSING")?;
    let last = session.last_run()?;
    let result = run(session.store, &session.project, &session.program, &ids, &last, as_of, session.engine);
    let store = Store::open(&session.project.root, false)?;
    match result {
        Ok(records) => {
            let secs = (now_ms() - start) / 1000;
            job["metrics"] = json!({"recordsProcessed": records, "timeTakenInSec": secs});
            jobs::set_status(&store, &mut job, "COMPLETED")?;
            Ok(job)
        }
        Err(e) => {
            job["errors"] = json!([{"message": e.to_string()}]);
            jobs::set_status(&store, &mut job, "ERROR")?;
            Err(e)
        }
    }
}

/// Deletes the batches, closes the store and re-runs; returns the number of records and
/// events removed.
fn run(
    store: Store,
    project: &Project,
    program: &ir::Program,
    ids: &[String],
    last: &LastRun,
    as_of: Option<i64>,
    kind: EngineKind,
) -> Result<u64, Error> {
    let mut records = 0u64;
    for id in ids {
        if let Some(b) = store.batch(id)? {
            records += (b.records.len() + b.events.len()) as u64;
        }
    }
    store.delete_batches(ids)?;
    drop(store);
    let interner = Arc::new(Interner::new());
    let engine = engine::compile(program, kind, &interner);
    let opts = runtime::Options {
        as_of: as_of.unwrap_or(last.as_of),
        policy: Some(last.policy.clone()),
        out: last.out.clone(),
        threads: None,
        engine: kind,
        fresh: false,
        progress: false,
    };
    runtime::run(project, program, Some(engine.as_ref()), interner, &opts)?;
    Ok(records)
}
