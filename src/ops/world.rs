//! Profiles rebuilt in memory from the stored batches with the runtime's stage functions: for
//! the operations that need events, provenance, another merge policy or a re-evaluation.
//! Questions about a few identities load only their stored identity components
//! ([`World::load_for`], `runtime::components`), with the same stitching and building.

use super::Error;
use crate::engine::{self, Compiled, EngineKind, EvalContext};
use crate::identity;
use crate::ingest::Ident;
use crate::intern::Interner;
use crate::ir;
use crate::output::Profile;
use crate::policy::{MergePolicy, Project};
use crate::runtime::graph;
use crate::runtime::grouped::Grouped;
use crate::runtime::prepare::seq_of;
use crate::runtime::prepare::{self, Ev, Link, Prepared, Rec};
use crate::runtime::profile;
use crate::store::components::Component;
use crate::store::{BatchEntry, Store};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

/// Every stored batch, flattened and stitched under one merge policy.
pub struct World<'p> {
    pub project: &'p Project,
    pub program: &'p ir::Program,
    pub policy: &'p MergePolicy,
    /// Manifest entries of the stored batches loaded (all, or those of the loaded components),
    /// sorted by id (`Rec::batch`/`Ev::batch` index into it).
    pub batches: Vec<BatchEntry>,
    pub prepared: Prepared,
    /// Each stitched group's identities, sorted.
    pub groups: Vec<Vec<Ident>>,
    /// The identity module's result, with refused links and shed identities and their reasons.
    pub stitching: identity::Stitching,
    /// Identity (by the addresses of its interned texts, [`Ident::address`]: no text is hashed)
    /// → index into `groups`.
    owner: FxHashMap<(usize, usize), usize>,
    /// Per group: indexes into `prepared.records` / `prepared.events`, in ingestion order.
    records: Grouped<usize>,
    events: Grouped<usize>,
    /// For each dataset: whether it takes part under the policy (SPEC 4; as the runtime decides).
    pub takes_part: Vec<bool>,
    pub engine: Arc<dyn Compiled>,
    /// Which engine `engine` is, for the extra programs `explain` compiles.
    pub engine_kind: EngineKind,
    pub eval: EvalContext,
    /// Batch files opened to read event lines back (`event_body`), by batch index, each
    /// checked against its manifest entry once: an export with events reads millions of lines,
    /// and opening and checking the file for each cost more than reading it.
    files: std::sync::Mutex<FxHashMap<u32, Arc<std::fs::File>>>,
}

impl<'p> World<'p> {
    /// Loads every stored batch and stitches it under `policy` (the default when `None`).
    pub fn load(
        project: &'p Project,
        program: &'p ir::Program,
        store: &Store,
        policy: Option<&str>,
        as_of: i64,
        engine_kind: EngineKind,
    ) -> Result<World<'p>, Error> {
        let policy = merge_policy(project, policy)?;
        let entries = store.live_manifest()?;
        // Decoded in parallel, kept in manifest order, and each flattened as soon as it is
        // decoded, so the decoded batches are never all in memory at once (as a run reads them).
        let dataset_index = project.dataset_indexes();
        let parts: Vec<prepare::Part> = entries
            .par_iter()
            .enumerate()
            .map(|(bi, entry)| {
                let batch = store.batch(&entry.id)?.unwrap_or_default();
                Ok(prepare::flatten(bi as u32, &dataset_index, entry, batch, &program.event_paths))
            })
            .collect::<Result<_, crate::store::Error>>()?;
        let prepared = prepare::merge(parts);
        World::assemble(project, program, policy, entries, prepared, as_of, engine_kind)
    }

    /// Like [`World::load`], but only the stored identity components holding `identities`
    /// (`runtime::components`), when the store still holds what they were computed from;
    /// otherwise (a store of an older mosaic, batches written or deleted since, policies
    /// reading other event paths) the whole store, as [`World::load`]. The groups of the
    /// asked identities are the same either way: a component is closed under links.
    pub fn load_for(
        project: &'p Project,
        program: &'p ir::Program,
        store: &Store,
        policy: Option<&str>,
        as_of: i64,
        engine_kind: EngineKind,
        identities: &[Ident],
    ) -> Result<World<'p>, Error> {
        let forced = std::env::var(WORLD_ENV).ok();
        if forced.as_deref() == Some("full") {
            return World::load(project, program, store, policy, as_of, engine_kind);
        }
        let policy_def = merge_policy(project, policy)?;
        let manifest = store.live_manifest()?;
        let names: Vec<&str> = project.datasets.iter().map(|d| d.name.value.as_str()).collect();
        let now = crate::runtime::components::stamp(&manifest, &names, &program.event_paths);
        if store.components_stamp()?.as_deref() != Some(now.as_str()) {
            if forced.as_deref() == Some("components") {
                return Err(Error::Io {
                    path: crate::store::state_dir(&project.root),
                    source: std::io::Error::other(format!(
                        "{WORLD_ENV}=components: the stored components are stale"
                    )),
                });
            }
            return World::load(project, program, store, policy, as_of, engine_kind);
        }
        let keys: Vec<String> = identities.iter().map(Ident::to_string).collect();
        let components = match store.components_of(&keys) {
            Ok(c) => c,
            // Unreadable components cost speed, not the answer.
            Err(crate::store::Error::Component { .. }) if forced.is_none() => {
                return World::load(project, program, store, policy, as_of, engine_kind);
            }
            Err(e) => return Err(e.into()),
        };
        let (entries, prepared) = join(&manifest, components);
        World::assemble(project, program, policy_def, entries, prepared, as_of, engine_kind)
    }

    /// Stitches `prepared` (whose batch indexes point into `entries`) and compiles the
    /// program: the part of [`World::load`] and [`World::load_for`] after reading the data.
    fn assemble(
        project: &'p Project,
        program: &'p ir::Program,
        policy: &'p MergePolicy,
        entries: Vec<BatchEntry>,
        prepared: Prepared,
        as_of: i64,
        engine_kind: EngineKind,
    ) -> Result<World<'p>, Error> {
        if prepared.missing_fields {
            return Err(Error::Stale);
        }
        let primaries = graph::distinct(
            prepared.records.iter().map(|r| &r.primary).chain(prepared.events.iter().map(|e| &e.primary)),
        );
        let stitching = graph::stitching(project, policy.identity_graph, &prepared.links, &primaries);
        let settings = &project.identity;
        let groups = graph::groups(settings, &stitching);
        let mut owner =
            FxHashMap::with_capacity_and_hasher(groups.iter().map(Vec::len).sum(), Default::default());
        for (g, ids) in groups.iter().enumerate() {
            for i in ids {
                owner.insert(i.address(), g);
            }
        }
        // Each row's group is looked up in parallel (millions of events), then the rows are
        // put in their groups in ingestion order.
        let of = |primary: &Ident| owner.get(&primary.address()).copied();
        let n = groups.len();
        let records = by_group(n, &prepared.records, |r: &Rec| of(&r.primary));
        let events = by_group(n, &prepared.events, |e: &Ev| of(&e.primary));
        let takes_part = crate::merge::taking_part(policy, &project.datasets);
        let interner = Arc::new(Interner::new());
        let engine = engine::compile(program, engine_kind, &interner);
        let tz = jiff::tz::TimeZone::get(&project.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
        let eval = EvalContext { as_of, tz, interner };
        Ok(World {
            project,
            program,
            policy,
            batches: entries,
            prepared,
            groups,
            stitching,
            owner,
            records,
            events,
            takes_part,
            engine,
            engine_kind,
            eval,
            files: Default::default(),
        })
    }

    /// The group holding `ident`.
    pub fn group_of(&self, ident: &Ident) -> Option<usize> {
        self.owner.get(&ident.address()).copied()
    }

    /// The records of group `g` from datasets that take part under the policy, in ingestion order.
    pub fn records_of(&self, g: usize) -> Vec<&Rec> {
        self.records
            .of(g)
            .iter()
            .map(|&i| &self.prepared.records[i])
            .filter(|r| self.takes_part(r.dataset))
            .collect()
    }

    /// The events of group `g` from datasets that take part under the policy (SPEC 5: a
    /// profile's events are those of the datasets the merge policy includes), in ingestion
    /// order.
    pub fn events_of(&self, g: usize) -> Vec<&Ev> {
        self.events
            .of(g)
            .iter()
            .map(|&i| &self.prepared.events[i])
            .filter(|e| self.takes_part(e.dataset))
            .collect()
    }

    /// Whether dataset `d` takes part under the policy.
    fn takes_part(&self, d: u32) -> bool {
        self.takes_part.get(d as usize).copied().unwrap_or(false)
    }

    /// Builds the profile of group `g` exactly as `mosaic run` does (`None`: not a profile).
    pub fn build(&self, g: usize) -> Option<Profile> {
        let ctx = profile::Ctx {
            project: self.project,
            program: self.program,
            policy: self.policy,
            takes_part: self.takes_part.clone(),
            engine: Some(self.engine.as_ref()),
            eval: self.eval.clone(),
        };
        let ids = self.groups.get(g)?;
        let id = profile::profile_id(self.project, ids);
        profile::build(&ctx, id, ids, &self.records_of(g), &self.events_of(g)).0
    }

    /// The batch id of a batch index.
    pub fn batch_id(&self, batch: u32) -> &str {
        self.batches.get(batch as usize).map_or("", |e| e.id.as_str())
    }

    /// The whole event `e`: its stored body, or, when ingest kept only the fields rules read,
    /// its line read back from the batch file, which must not have changed since it was
    /// ingested (a changed file is re-ingested by the next `run`).
    pub fn event_body(&self, e: &Ev) -> Result<serde_json::Value, Error> {
        let Some(offset) = e.offset else {
            return Ok(e.body.as_deref().cloned().unwrap_or(serde_json::Value::Null));
        };
        let line = self.line_at(e.batch, offset)?;
        serde_json::from_str(&line).map_err(|_| changed(self.batch_path(e.batch), "the batch file changed"))
    }

    /// The line at byte `offset` of batch `batch`'s file (an event's [`Ev::offset`]).
    fn line_at(&self, batch: u32, offset: u64) -> Result<String, Error> {
        let file = self.batch_file(batch)?;
        crate::ingest::read_line_from(&file, offset)
            .map_err(|source| Error::Io { path: self.batch_path(batch), source })
    }

    /// The values of `fields` of event `e`, as [`select_fields`](super::select_fields) takes
    /// them from its [whole body](World::event_body), with `plan` made for `fields` by
    /// [`fields_plan`]: a line read back is parsed only as far as the fields reach (an export
    /// with events reads millions of lines, and building each whole was most of its time).
    pub fn event_fields(
        &self,
        e: &Ev,
        fields: &[Vec<String>],
        plan: &crate::ingest::sparse::Plan,
    ) -> Result<serde_json::Value, Error> {
        let Some(offset) = e.offset else {
            return Ok(super::select_fields(&self.event_body(e)?, fields));
        };
        let line = self.line_at(e.batch, offset)?;
        let (slim, _) =
            plan.parse(&line).map_err(|_| changed(self.batch_path(e.batch), "the batch file changed"))?;
        Ok(super::select_fields(&slim, fields))
    }

    /// The open batch file of batch `index`, checked against its manifest entry when first
    /// opened.
    fn batch_file(&self, index: u32) -> Result<Arc<std::fs::File>, Error> {
        let mut files = self.files.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(file) = files.get(&index) {
            return Ok(Arc::clone(file));
        }
        let path = self.batch_path(index);
        let file = std::fs::File::open(&path).map_err(|_| changed(path.clone(), "the batch file is gone"))?;
        let meta = file.metadata().map_err(|_| changed(path.clone(), "the batch file is gone"))?;
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as i128);
        let entry = self.batches.get(index as usize);
        if entry.is_none_or(|b| b.size != meta.len() || b.mtime != mtime) {
            return Err(changed(path, "the batch file changed"));
        }
        let file = Arc::new(file);
        files.insert(index, Arc::clone(&file));
        Ok(file)
    }

    /// Where batch `index`'s file is: under its dataset's folder.
    fn batch_path(&self, index: u32) -> std::path::PathBuf {
        let id = self.batch_id(index);
        let (dataset, file) = id.split_once('/').unwrap_or(("", id));
        match self.project.dataset(dataset) {
            Some(d) => self.project.root.join(&d.path).join(file),
            None => self.project.root.join(id),
        }
    }

    /// The dataset name of a dataset index.
    pub fn dataset_name(&self, dataset: u32) -> &str {
        self.project.datasets.get(dataset as usize).map_or("", |d| d.name.value.as_str())
    }
}

/// The indexes of `rows` in each of `n` groups, in row order, by `group` of each row (`None`:
/// in no group). The groups are looked up in parallel, then the rows placed.
fn by_group<T: Sync>(
    n: usize,
    rows: &crate::runtime::rows::Rows<T>,
    group: impl Fn(&T) -> Option<usize> + Sync,
) -> Grouped<usize> {
    let chunks: Vec<(usize, Vec<Option<usize>>)> =
        rows.par_chunks().map(|(start, chunk)| (start, chunk.iter().map(&group).collect())).collect();
    let indexed = chunks.iter().flat_map(|(start, groups)| {
        groups.iter().enumerate().map(move |(i, g)| (start + i, g.unwrap_or(usize::MAX)))
    });
    Grouped::new(indexed, n)
}

/// How [`World::event_fields`] parses lines for `fields`: only the paths they name.
pub fn fields_plan(fields: &[Vec<String>]) -> crate::ingest::sparse::Plan {
    crate::ingest::sparse::Plan::new(fields, &[])
}

/// A batch file that is not as it was ingested: the store cannot answer until a run.
fn changed(path: std::path::PathBuf, what: &str) -> Error {
    let source = std::io::Error::other(format!("{what} since it was ingested; run `mosaic run` again"));
    Error::Io { path, source }
}

/// Test hook: `full` always loads the whole store; `components` refuses to fall back to it
/// (an error when the stored components are stale), so tests can tell the two paths apart.
const WORLD_ENV: &str = "MOSAIC_TEST_WORLD";

fn merge_policy<'p>(project: &'p Project, policy: Option<&str>) -> Result<&'p MergePolicy, Error> {
    project
        .merge_policy(policy)
        .ok_or_else(|| Error::UnknownPolicy(policy.unwrap_or("(default)").to_string()))
}

/// Joins decoded components into one `Prepared` over one batch list: the union of their batch
/// tables, sorted by id like the run's, each with its manifest entry (`event_body` checks the
/// file against it). Each component keeps its own order.
fn join(manifest: &[BatchEntry], components: Vec<Component>) -> (Vec<BatchEntry>, Prepared) {
    let mut ids: Vec<String> = components.iter().flat_map(|c| c.batches.iter().cloned()).collect();
    ids.sort_unstable();
    ids.dedup();
    let entries: Vec<BatchEntry> = ids
        .iter()
        .map(|id| {
            let found = manifest.binary_search_by(|e| e.id.cmp(id)).ok().and_then(|i| manifest.get(i));
            // The stamp matched, so every id is in the manifest; an empty entry only fails
            // `event_body`'s file check.
            found.cloned().unwrap_or_else(|| BatchEntry {
                id: id.clone(),
                size: 0,
                mtime: 0,
                ingested_at: 0,
                status: String::new(),
                fingerprint: String::new(),
            })
        })
        .collect();
    let mut prepared = Prepared::default();
    for c in components {
        let global: Vec<u32> =
            c.batches.iter().map(|id| ids.binary_search(id).map_or(0, |i| i as u32)).collect();
        let at = |local: u32| global.get(local as usize).copied().unwrap_or(0);
        // Sequence numbers only order lines: numbered over the joined batch list, they keep
        // the run's order.
        let seq = |local: u32, line: u32| seq_of(at(local), line);
        prepared.records.extend(c.records.into_iter().map(|r| Rec {
            batch: at(r.batch),
            seq: seq(r.batch, r.line),
            ..r
        }));
        prepared.events.extend(c.events.into_iter().map(|e| Ev {
            batch: at(e.batch),
            seq: seq(e.batch, e.line),
            ..e
        }));
        prepared.links.extend(c.links.into_iter().map(|l| Link {
            batch: at(l.batch),
            seq: seq(l.batch, l.line),
            ..l
        }));
    }
    (entries, prepared)
}
