//! `mosaic profile`: the entity lookup — one merged profile per identity, optionally with its
//! events (SPEC 8; AEP `GET /access/entities`).
//!
//! Decisions: the run's policy answers from the stored profiles (an index from every identity
//! to its profileId), so a lookup reads two keys; `--events`, another `--policy`, and policy
//! files edited since the run rebuild the profiles from the stored data ([`World::load_for`]:
//! only the identity components of the asked identities, which the run stored; the whole store
//! when those are stale) — for another policy they are re-stitched and re-merged under it, so
//! the answer is what `mosaic run --policy` would write.
//! An identity that stitching shed from an over-full graph (SPEC 3) gets its own profile, with
//! a `"shed": {"identity", "fromProfile", "reason"}` member added to say so.

use super::world::World;
use super::{select_fields, Error, Session};
use crate::ingest::Ident;
use crate::output::format_timestamp;
use crate::policy::Project;
use crate::store::Store;
use serde_json::{json, Value as Json};

/// What to look up and how to shape it.
#[derive(Debug, Clone)]
pub struct Query {
    pub identities: Vec<Ident>,
    pub policy: Option<String>,
    /// Entity paths to keep (`--fields`); all when `None`.
    pub fields: Option<Vec<Vec<String>>>,
    pub events: bool,
    /// Events with `from <= timestamp < to`, µs.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub limit: usize,
    /// Newest events first (`--order -timestamp`).
    pub descending: bool,
    /// `now` for re-evaluation; the last run's when `None`.
    pub as_of: Option<i64>,
}

/// Whether the query needs profiles rebuilt from the batches ([`lookup`]) rather than the
/// stored ones ([`lookup_stored`]): events, a policy other than the last run's, policy files
/// changed since the last run (the stored profiles would show the old rules), or batches
/// stored since its profiles were (by a run killed before its end: they would not show, while
/// `--events` and `explain` see them).
pub fn needs_rebuild(project: &Project, store: &Store, q: &Query) -> Result<bool, Error> {
    if let Some(p) = &q.policy {
        project.merge_policy(Some(p)).ok_or_else(|| Error::UnknownPolicy(p.clone()))?;
    }
    let last = super::last_run(project, store)?;
    let other_policy = q.policy.as_ref().is_some_and(|p| *p != last.policy);
    Ok(q.events || other_policy || !last.profiles_current(project, store)?)
}

/// The stored profiles of `q.identities`, in the order asked, as SPEC 8 objects.
pub fn lookup_stored(store: &Store, q: &Query) -> Result<Vec<Json>, Error> {
    let shed = store.meta("shed")?;
    let mut out = Vec::new();
    for ident in &q.identities {
        let key = ident.to_string();
        let id = store.profile_of_identity(&key)?.ok_or_else(|| Error::UnknownIdentity(key.clone()))?;
        let line = store.profile(&id)?.ok_or_else(|| Error::UnknownIdentity(key.clone()))?;
        let profile: Json = serde_json::from_str(&line).unwrap_or(Json::Null);
        let note = shed.as_ref().and_then(|m| m.get(&key)).map(|n| shed_note(&key, n));
        out.push(with_shed(shape(profile, q, None), note));
    }
    Ok(out)
}

/// The profiles of `q.identities`, in the order asked, as SPEC 8 objects.
pub fn lookup(session: &Session, q: &Query) -> Result<Vec<Json>, Error> {
    if !needs_rebuild(&session.project, &session.store, q)? {
        return lookup_stored(&session.store, q);
    }
    let last = session.last_run()?;
    let mut out = Vec::new();
    let policy = q.policy.as_deref().or(Some(last.policy.as_str()));
    let world = World::load_for(
        &session.project,
        &session.program,
        &session.store,
        policy,
        q.as_of.unwrap_or(last.as_of),
        session.engine,
        &q.identities,
    )?;
    for ident in &q.identities {
        let unknown = || Error::UnknownIdentity(ident.to_string());
        let g = world.group_of(ident).ok_or_else(unknown)?;
        let profile = world.build(g).ok_or_else(unknown)?;
        let events = if q.events { Some(events_json(&world, g, q)?) } else { None };
        let settings = &session.project.identity;
        let note = world.stitching.shed.iter().find(|s| s.identity.key(settings) == ident.to_string()).map(|s| {
            json!({"identity": ident.to_string(), "fromProfile": s.from_profile.key(settings), "reason": s.reason})
        });
        out.push(with_shed(shape(profile.to_json(), q, events), note));
    }
    Ok(out)
}

/// Applies `--fields` and adds the events.
fn shape(mut profile: Json, q: &Query, events: Option<Json>) -> Json {
    if let (Some(fields), Some(entity)) = (&q.fields, profile.get("entity")) {
        let kept = select_fields(entity, fields);
        profile["entity"] = kept;
    }
    if let (Some(events), Json::Object(m)) = (events, &mut profile) {
        m.insert("events".into(), events);
    }
    profile
}

/// The profile's events in `[from, to)`, ordered and limited, each with its dataset, batch
/// and line.
fn events_json(world: &World, g: usize, q: &Query) -> Result<Json, Error> {
    let mut events = world.events_of(g);
    events.retain(|e| q.from.is_none_or(|f| e.time >= f) && q.to.is_none_or(|t| e.time < t));
    events.sort_by_key(|e| (e.time, e.seq));
    if q.descending {
        events.reverse();
    }
    let list = events
        .iter()
        .take(q.limit)
        .map(|e| {
            Ok(json!({
                "timestamp": format_timestamp(e.time),
                "dataset": world.dataset_name(e.dataset),
                "batch": world.batch_id(e.batch),
                "line": e.line,
                "event": world.event_body(e)?,
            }))
        })
        .collect::<Result<_, Error>>()?;
    Ok(Json::Array(list))
}

/// The note of a shed identity stored by the run.
fn shed_note(key: &str, stored: &Json) -> Json {
    json!({"identity": key, "fromProfile": stored["fromProfile"], "reason": stored["reason"]})
}

fn with_shed(mut profile: Json, note: Option<Json>) -> Json {
    if let (Some(n), Json::Object(m)) = (note, &mut profile) {
        m.insert("shed".into(), n);
    }
    profile
}
