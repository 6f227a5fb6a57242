//! The evaluate stage: a profile's events → typed columns → computed attributes and audiences.

use super::prepare::Ev;
use crate::engine::{Compiled, EvalContext, EventColumns};
use crate::intern::Interner;
use crate::ir;
use crate::value::{Map, Value};
use std::sync::Arc;

/// Builds the columns of `paths` (the program's event paths, which `events` were prepared
/// with) from `events`, already in evaluation order.
pub fn columns(
    events: &[&Ev],
    paths: &[ir::EventPath],
    interner: &Interner,
    mismatches: &mut u64,
) -> EventColumns {
    let mut cols = EventColumns::default();
    fill_columns(&mut cols, events, paths, interner, mismatches);
    cols
}

/// [`columns`] into `cols`, reusing its vectors (a run builds columns for every profile, most
/// of a few rows: allocating them each time cost more than filling them).
pub fn fill_columns(
    cols: &mut EventColumns,
    events: &[&Ev],
    paths: &[ir::EventPath],
    interner: &Interner,
    mismatches: &mut u64,
) {
    *mismatches += events.iter().map(|e| u64::from(e.mismatches)).sum::<u64>();
    let mut ids = Recent::default();
    cols.timestamp.clear();
    cols.timestamp.extend(events.iter().map(|e| e.time));
    cols.columns.resize_with(paths.len(), Default::default);
    for (k, (p, col)) in paths.iter().zip(&mut cols.columns).enumerate() {
        col.tags.clear();
        col.bits.clear();
        col.complex.clear();
        let keeps_strings = matches!(p.ty, ir::Type::String | ir::Type::Any | ir::Type::Null);
        for e in events {
            match e.fields.get(k) {
                Some(Value::String(s)) if keeps_strings => col.push_string(ids.id(s, interner)),
                v => col.push(v.cloned().unwrap_or_default(), &p.ty, interner),
            }
        }
    }
}

/// The interned ids of the strings last seen, by address. The events of a batch share their
/// strings (`prepare::flatten`) and a profile's events repeat a few values (event types), so
/// most strings are found here without hashing their text or taking the interner's lock.
#[derive(Default)]
struct Recent {
    seen: [(usize, u32); 8],
    next: usize,
}

impl Recent {
    fn id(&mut self, s: &Arc<str>, interner: &Interner) -> u32 {
        let at = Arc::as_ptr(s) as *const u8 as usize;
        if let Some(&(_, id)) = self.seen.iter().find(|(a, _)| *a == at) {
            return id;
        }
        let id = interner.intern(s);
        self.seen[self.next % self.seen.len()] = (at, id);
        self.next += 1;
        id
    }
}

/// Sets `value` at the dotted `path` of `entity`, creating objects on the way.
pub fn set_path(entity: &mut Map, path: &[String], value: Value) {
    let Some((last, init)) = path.split_last() else { return };
    let mut cur = entity;
    for p in init {
        let slot = cur.entry(p.clone()).or_insert_with(|| Value::object(Map::new()));
        if !matches!(slot, Value::Object(_)) {
            *slot = Value::object(Map::new());
        }
        let Value::Object(m) = slot else { return };
        cur = Arc::make_mut(m);
    }
    cur.insert(last.clone(), value);
}

/// Evaluates the program for one profile: computed attributes land in `entity`; returns the
/// names of the audiences the profile is in, sorted.
pub fn evaluate(
    engine: &dyn Compiled,
    program: &ir::Program,
    entity: &mut Map,
    events: &EventColumns,
    ctx: &EvalContext,
) -> Vec<String> {
    let rows = 0..events.len();
    let mut values = Vec::new();
    if !program.attributes.is_empty() {
        with_profile(entity, |profile| engine.attributes(profile, events, rows.clone(), ctx, &mut values));
        for (attr, v) in program.attributes.iter().zip(values) {
            // Null attributes are left out of the profile (SPEC 1.6).
            if !v.is_null() {
                set_path(entity, &attr.path, v);
            }
        }
    }
    let mut audiences = Vec::new();
    if !program.audiences.is_empty() {
        let mut member = Vec::new();
        with_profile(entity, |profile| engine.audiences(profile, events, rows, ctx, &mut member));
        for (aud, m) in program.audiences.iter().zip(member) {
            if m {
                audiences.push(aud.name.clone());
            }
        }
        audiences.sort();
    }
    audiences
}

/// Runs `f` with `entity` as a profile value, lending the map instead of copying it.
fn with_profile<T>(entity: &mut Map, f: impl FnOnce(&Value) -> T) -> T {
    let profile = Value::object(std::mem::take(entity));
    let out = f(&profile);
    if let Value::Object(map) = profile {
        // The engines keep no reference once they return, so this takes the map back as is.
        *entity = Arc::try_unwrap(map).unwrap_or_else(|shared| (*shared).clone());
    }
    out
}
