//! `mosaic explain`: why a profile looks as it does — its identity graph (links kept and
//! refused), the provenance and rule of every attribute leaf, each computed attribute's
//! qualifying events and each audience's top-level clauses. It reads only the identity
//! component of the asked identity ([`World::load_for`]).

use super::world::World;
use super::{Error, Session};
use crate::engine;
use crate::identity::{Identity, Origin};
use crate::ingest::typed::to_value;
use crate::ingest::Ident;
use crate::ir::{self, ExprKind, LogicOp};
use crate::merge::{self, Fragment, LeafChoice, Provenance};
use crate::output::{format_timestamp, to_json};
use crate::policy::ExprSource;
use crate::runtime::evaluate::columns;
use crate::runtime::graph::from_identity;
use crate::value::{Map, Value};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// How many qualifying events are listed per computed attribute.
const FIRST_EVENTS: usize = 3;

/// The explanation of the profile holding `ident` (restricted to `field` when given).
pub fn explain(
    session: &Session,
    ident: &Ident,
    field: Option<&str>,
    as_of: Option<i64>,
) -> Result<Json, Error> {
    let last = session.last_run()?;
    let world = World::load_for(
        &session.project,
        &session.program,
        &session.store,
        Some(&last.policy),
        as_of.unwrap_or(last.as_of),
        session.engine,
        std::slice::from_ref(ident),
    )?;
    let unknown = || Error::UnknownIdentity(ident.to_string());
    let g = world.group_of(ident).ok_or_else(unknown)?;
    let profile = world.build(g).ok_or_else(unknown)?;
    let mut leaves: Vec<Json> = leaf_choices(&world, g).iter().map(|c| leaf_json(&world, c)).collect();
    if let Some(f) = field {
        let prefix = format!("{f}.");
        leaves.retain(|l| l["path"].as_str().is_some_and(|p| p == f || p.starts_with(&prefix)));
    }
    Ok(json!({
        "profileId": profile.profile_id,
        "policy": world.policy.name.value,
        "asOf": format_timestamp(world.eval.as_of),
        "identityGraph": graph_json(&world, g),
        "attributes": leaves,
        "computedAttributes": computed_json(&world, g, &profile.entity, field),
        "audiences": if field.is_some() { Json::Array(Vec::new()) } else { audiences_json(&world, g, &profile.entity) },
    }))
}

/// The group's identity graph: the links among its identities, the links touching it that
/// stitching refused, and identities shed into or out of it, each with its reason.
fn graph_json(world: &World, g: usize) -> Json {
    let ids = &world.groups[g];
    let settings = &world.project.identity;
    let link_json = |a: String, b: String, dataset: u32, batch: u32, line: u64, time: i64| {
        json!({
            "a": a, "b": b,
            "dataset": world.dataset_name(dataset), "batch": world.batch_id(batch),
            "line": line, "time": format_timestamp(time),
        })
    };
    let links: Vec<Json> = world
        .prepared
        .links
        .iter()
        .filter(|l| ids.contains(&l.a) && ids.contains(&l.b))
        .map(|l| link_json(l.a.to_string(), l.b.to_string(), l.dataset, l.batch, u64::from(l.line), l.time))
        .collect();
    let mine = |i: &crate::identity::Identity| ids.contains(&from_identity(settings, i));
    let refused: Vec<Json> = world
        .stitching
        .refused
        .iter()
        .filter(|r| mine(&r.link.a) || mine(&r.link.b))
        .map(|r| {
            let l = &r.link;
            let mut j = link_json(
                l.a.key(settings),
                l.b.key(settings),
                l.origin.dataset,
                l.origin.batch,
                l.origin.line,
                l.time,
            );
            j["reason"] = Json::String(r.reason.clone());
            j
        })
        .collect();
    let this_id = crate::runtime::profile::profile_id(world.project, ids);
    let shed: Vec<Json> = world
        .stitching
        .shed
        .iter()
        .filter(|s| mine(&s.identity) || s.from_profile.key(settings) == this_id)
        .map(|s| {
            json!({"identity": s.identity.key(settings), "fromProfile": s.from_profile.key(settings), "reason": s.reason})
        })
        .collect();
    let identities: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    json!({"identities": identities, "links": links, "refusedLinks": refused, "shed": shed})
}

/// The identity of the merge module for a runtime identity.
fn identity_of(world: &World, i: &Ident) -> Identity {
    crate::runtime::graph::to_identity(&world.project.identity, i)
        .unwrap_or(Identity { ns: u32::MAX, value: i.id })
}

/// The merge module's explained merge over the group's records.
fn leaf_choices(world: &World, g: usize) -> Vec<LeafChoice> {
    let mut fragments: BTreeMap<(u32, &Ident), Fragment> = BTreeMap::new();
    let mut mismatches = 0;
    for r in world.records_of(g) {
        let Value::Object(typed) = to_value(&r.body.value(), &world.program.profile_type, &mut mismatches)
        else {
            continue;
        };
        let upsert = world.project.datasets.get(r.dataset as usize).is_some_and(|d| d.upsert);
        let origin = Origin { dataset: r.dataset, batch: r.batch, line: u64::from(r.line) };
        let key = (r.dataset, &r.primary);
        let old = fragments.remove(&key);
        let primary = identity_of(world, &r.primary);
        fragments.insert(key, merge::apply_record(old, &primary, &typed, r.time, r.seq, origin, upsert));
    }
    let parts: Vec<&Fragment> = fragments.values().collect();
    merge::merge(&parts, world.policy, &world.project.datasets, true).choices
}

fn provenance_json(world: &World, p: &Provenance) -> Json {
    json!({
        "dataset": world.dataset_name(p.dataset),
        "batch": world.batch_id(p.origin.batch),
        "line": p.origin.line,
        "recordTime": format_timestamp(p.time),
    })
}

fn leaf_json(world: &World, c: &LeafChoice) -> Json {
    let mut j = json!({"path": c.path, "value": to_json(&c.value), "rule": c.rule});
    if let (Json::Object(m), Json::Object(p)) = (&mut j, provenance_json(world, &c.winner)) {
        m.extend(p);
    }
    let losers: Vec<Json> = c
        .losers
        .iter()
        .map(|(p, v)| {
            let mut l = provenance_json(world, p);
            l["value"] = to_json(v);
            l
        })
        .collect();
    j["losers"] = Json::Array(losers);
    j
}

/// Each computed attribute's value, number of qualifying events and the first of them. An
/// event qualifies when a COUNT over it alone, with the attribute's filter and window, is 1.
fn computed_json(world: &World, g: usize, entity: &Map, field: Option<&str>) -> Json {
    let mut events = world.events_of(g);
    events.sort_by_key(|e| (e.time, e.seq));
    let mut mismatches = 0;
    let cols = columns(&events, &world.program.event_paths, &world.eval.interner, &mut mismatches);
    let mut counting = world.program.clone();
    for a in &mut counting.attributes {
        a.function = ir::Function::Count;
        a.value = None;
    }
    let engine = engine::compile(&counting, world.engine_kind, &world.eval.interner);
    let profile = Value::object(entity.clone());
    let mut per_event: Vec<Vec<Value>> = Vec::with_capacity(events.len());
    for i in 0..events.len() {
        let mut out = Vec::new();
        engine.attributes(&profile, &cols, i..i + 1, &world.eval, &mut out);
        per_event.push(out);
    }
    let mut list = Vec::new();
    for (k, a) in world.program.attributes.iter().enumerate() {
        let path = a.path.join(".");
        if field.is_some_and(|f| f != path && f != a.name) {
            continue;
        }
        let qualifying: Vec<usize> =
            (0..events.len()).filter(|&i| matches!(per_event[i].get(k), Some(Value::Int(1)))).collect();
        let first: Vec<Json> = qualifying
            .iter()
            .take(FIRST_EVENTS)
            .map(|&i| {
                let e = events[i];
                json!({"timestamp": format_timestamp(e.time), "dataset": world.dataset_name(e.dataset),
                       "batch": world.batch_id(e.batch), "line": e.line})
            })
            .collect();
        let value = get_path(entity, &a.path).map_or(Json::Null, to_json);
        list.push(json!({
            "name": a.name, "path": path, "function": a.function.name(), "value": value,
            "qualifyingEvents": qualifying.len(), "firstEvents": first,
        }));
    }
    Json::Array(list)
}

fn get_path<'m>(m: &'m Map, path: &[String]) -> Option<&'m Value> {
    let (first, rest) = path.split_first()?;
    let v = m.get(first)?;
    match (rest.is_empty(), v) {
        (true, v) => Some(v),
        (false, Value::Object(o)) => get_path(o, rest),
        _ => None,
    }
}

/// The operands of the top-level `and`/`or` chain of an expression.
fn clauses(e: &ir::Expr) -> (Option<LogicOp>, Vec<&ir::Expr>) {
    fn flatten<'e>(e: &'e ir::Expr, op: LogicOp, out: &mut Vec<&'e ir::Expr>) {
        match &e.kind {
            ExprKind::Logic { op: o, lhs, rhs } if *o == op => {
                flatten(lhs, op, out);
                flatten(rhs, op, out);
            }
            _ => out.push(e),
        }
    }
    match &e.kind {
        ExprKind::Logic { op, .. } => {
            let mut out = Vec::new();
            flatten(e, *op, &mut out);
            (Some(*op), out)
        }
        _ => (None, vec![e]),
    }
}

/// Each audience's membership and the value of each of its top-level clauses.
fn audiences_json(world: &World, g: usize, entity: &Map) -> Json {
    let mut events = world.events_of(g);
    events.sort_by_key(|e| (e.time, e.seq));
    let mut mismatches = 0;
    let cols = columns(&events, &world.program.event_paths, &world.eval.interner, &mut mismatches);
    let profile = Value::object(entity.clone());
    let mut list = Vec::new();
    for aud in &world.program.audiences {
        let (op, parts) = clauses(&aud.expr);
        let mut split = world.program.clone();
        split.attributes.clear();
        split.audiences = std::iter::once(aud.clone())
            .chain(parts.iter().map(|p| ir::Audience { name: aud.name.clone(), expr: (*p).clone() }))
            .collect();
        let engine = engine::compile(&split, world.engine_kind, &world.eval.interner);
        let mut out = Vec::new();
        engine.audiences(&profile, &cols, 0..events.len(), &world.eval, &mut out);
        let source = world.project.audiences.iter().find(|a| a.name.value == aud.name);
        let text =
            |e: &ir::Expr| source.and_then(|s| clause_text(&s.expression, &e.span)).unwrap_or_default();
        let clause_list: Vec<Json> = parts
            .iter()
            .zip(out.iter().skip(1))
            .map(|(p, v)| json!({"clause": text(p), "value": v}))
            .collect();
        list.push(json!({
            "name": aud.name,
            "member": out.first().copied().unwrap_or(false),
            "operator": op.map(|o| format!("{o:?}").to_lowercase()),
            "clauses": clause_list,
        }));
    }
    Json::Array(list)
}

/// The text of a file byte range inside an expression, whitespace collapsed (IR spans are file
/// offsets; `offsets` maps the expression text to them).
fn clause_text(src: &ExprSource, span: &std::ops::Range<usize>) -> Option<String> {
    let text_len = src.offsets.len().saturating_sub(1);
    let offsets = src.offsets.get(..text_len)?;
    let start = offsets.iter().position(|&o| o >= span.start)?;
    let end = offsets.iter().rposition(|&o| o < span.end)? + 1;
    let t = src.text.get(start..end.max(start))?;
    Some(t.split_whitespace().collect::<Vec<_>>().join(" "))
}
