//! Job records of exports and deletes (AEP export jobs and profile system jobs), kept in the
//! store: each status change is written at once, so `mosaic jobs` shows a job that failed or
//! was killed halfway with the last status it reached.

use super::{now_ms, Error};
use crate::store::Store;
use serde_json::{json, Value as Json};

/// A new job record with status `NEW`, stored; `fields` are merged into it.
pub fn create(store: &Store, fields: Json) -> Result<Json, Error> {
    let id = store.next_job_id()?;
    let now = now_ms();
    let mut job = json!({"id": id, "status": "NEW", "creationTime": now, "updateTime": now});
    if let (Json::Object(m), Json::Object(f)) = (&mut job, fields) {
        m.extend(f);
    }
    store.put_job(id, &job)?;
    Ok(job)
}

/// Sets the job's status (and update time) and stores it.
pub fn set_status(store: &Store, job: &mut Json, status: &str) -> Result<(), Error> {
    job["status"] = Json::String(status.into());
    job["updateTime"] = json!(now_ms());
    store.put_job(job["id"].as_u64().unwrap_or(0), job)?;
    Ok(())
}

/// Every job, by id.
pub fn list(store: &Store) -> Result<Vec<Json>, Error> {
    Ok(store.jobs()?)
}

/// One job by id.
pub fn get(store: &Store, id: &str) -> Result<Json, Error> {
    list(store)?
        .into_iter()
        .find(|j| j["id"].as_u64().is_some_and(|n| id.trim() == n.to_string()))
        .ok_or_else(|| Error::UnknownJob(id.to_string()))
}

/// The jobs as a table for a person: id, type, status, target, counts.
pub fn table(jobs: &[Json]) -> String {
    let mut rows = vec![["ID", "TYPE", "STATUS", "TARGET", "PROFILES/RECORDS"].map(String::from).to_vec()];
    for j in jobs {
        let target =
            ["dataSetId", "batchId", "out"].iter().find_map(|k| j[*k].as_str()).unwrap_or("").to_string();
        let count = j["metrics"]["totalExportedProfileCounter"]
            .as_u64()
            .or_else(|| j["metrics"]["recordsProcessed"].as_u64())
            .map_or_else(String::new, |n| n.to_string());
        rows.push(vec![
            j["id"].to_string(),
            j["jobType"].as_str().unwrap_or("").to_string(),
            j["status"].as_str().unwrap_or("").to_string(),
            target,
            count,
        ]);
    }
    render_table(&rows)
}

/// Left-aligned columns separated by two spaces.
pub fn render_table(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let cells: Vec<String> =
            r.iter().enumerate().map(|(c, s)| format!("{s:<w$}", w = widths[c])).collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
