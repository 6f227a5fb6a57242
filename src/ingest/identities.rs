//! Identities of a record: read from `identityMap` and the dataset's identity fields, validated,
//! normalized, and the primary one chosen (SPEC 1.4).

use super::idmap::{self, scalar_text, IdentityMap};
use super::record::Ident;
use super::text::Text;
use crate::policy::{Dataset, DatasetClass, Namespace, Normalize, Project};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Values that never identify anyone.
const PLACEHOLDERS: [&str; 3] = ["null", "anonymous", "invalid"];
/// Longest identity value accepted, in characters.
const MAX_IDENTITY_LEN: usize = 1024;

/// Identities found in one record.
#[derive(Debug, Default)]
pub struct Found {
    pub identities: Vec<Ident>,
    /// Index of the primary identity; meaningless when `identities` is empty.
    pub primary: usize,
    /// Values that were dropped as invalid.
    pub dropped: u64,
}

/// Reads a dotted path from a JSON object (no array projection: identity and time fields are
/// scalars).
pub fn json_path<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = obj.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// Validates and normalizes one identity value of namespace `ns`. A value that normalizing
/// leaves as it is (the usual case) is not copied.
pub fn normalize<'v>(ns: &Namespace, raw: &'v str) -> Option<Cow<'v, str>> {
    let mut v = Cow::Borrowed(raw);
    for n in &ns.normalize {
        v = match (n, v) {
            (Normalize::Trim, Cow::Borrowed(s)) => Cow::Borrowed(s.trim()),
            (Normalize::Trim, Cow::Owned(s)) => Cow::Owned(s.trim().to_string()),
            // ASCII text without letters of the other case maps to itself.
            (Normalize::Lowercase, v) if v.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) => v,
            (Normalize::Uppercase, v) if v.bytes().all(|b| b.is_ascii() && !b.is_ascii_lowercase()) => v,
            (Normalize::Lowercase, v) => Cow::Owned(v.to_lowercase()),
            (Normalize::Uppercase, v) => Cow::Owned(v.to_uppercase()),
        };
    }
    if v.is_empty() || v.chars().count() > MAX_IDENTITY_LEN {
        return None;
    }
    if PLACEHOLDERS.iter().any(|p| v.eq_ignore_ascii_case(p)) {
        return None;
    }
    if let Some(re) = &ns.pattern {
        if !re.is_match(&v) {
            return None;
        }
    }
    Some(v)
}

/// A candidate before the primary choice.
struct Candidate {
    ident: Ident,
    marked_primary: bool,
    declared_primary: bool,
    priority: Option<i64>,
}

/// Extracts the identities of `obj`, a record of `dataset`.
/// `ids` is the record's `identityMap` when the parse already read it (see [`idmap::Seed`]);
/// otherwise it is read from `obj`.
pub fn extract(
    project: &Project,
    dataset: &Dataset,
    obj: &Map<String, Value>,
    ids: Option<&IdentityMap>,
) -> Found {
    let parsed;
    let ids = match ids {
        Some(ids) => Some(ids),
        None => {
            parsed = obj.get("identityMap").and_then(idmap::from_value);
            parsed.as_ref()
        }
    };
    let fields = dataset.identities.iter().map(|field| json_path(obj, &field.path));
    extract_from(project, dataset, ids, fields)
}

/// [`extract`] from a record's identity map and the values of the dataset's identity fields
/// (in their order; `None` when the record lacks one).
pub fn extract_from<'v>(
    project: &Project,
    dataset: &Dataset,
    ids: Option<&IdentityMap>,
    fields: impl Iterator<Item = Option<&'v Value>>,
) -> Found {
    let mut found = Found::default();
    let mut cands: Vec<Candidate> = Vec::new();
    let mut push =
        |found: &mut Found, ns: Option<&Namespace>, raw: Option<&str>, marked: bool, declared: bool| {
            let (Some(ns), Some(raw)) = (ns, raw) else {
                found.dropped += 1;
                return;
            };
            let Some(id) = normalize(ns, raw) else {
                found.dropped += 1;
                return;
            };
            let ident = Ident { namespace: ns.code, id: Text::new(&id) };
            if let Some(c) = cands.iter_mut().find(|c| c.ident == ident) {
                c.marked_primary |= marked;
                c.declared_primary |= declared;
                return;
            }
            cands.push(Candidate {
                ident,
                marked_primary: marked,
                declared_primary: declared,
                priority: ns.priority,
            });
        };
    for (code, entries) in ids.into_iter().flatten() {
        let ns = project.namespace(code);
        for e in entries {
            push(&mut found, ns, e.id.as_deref(), e.primary, false);
        }
    }
    for (field, value) in dataset.identities.iter().zip(fields) {
        match value {
            None | Some(Value::Null) => {}
            Some(v) => {
                let text = scalar_text(v);
                push(&mut found, project.namespace(&field.namespace), text.as_deref(), false, field.primary)
            }
        }
    }
    found.primary = choose_primary(dataset.class, &cands);
    found.identities = cands.into_iter().map(|c| c.ident).collect();
    found
}

/// SPEC 1.4: events prefer the highest-priority namespace (within it, the identity marked
/// primary, else the first listed), profile records the dataset's declared primary field; both
/// then fall back to the identity marked primary, then the first.
fn choose_primary(class: DatasetClass, cands: &[Candidate]) -> usize {
    if class == DatasetClass::Event {
        if let Some(best) = cands.iter().filter_map(|c| c.priority).min() {
            let in_best = || cands.iter().enumerate().filter(|(_, c)| c.priority == Some(best));
            let marked = in_best().find(|(_, c)| c.marked_primary);
            if let Some((i, _)) = marked.or_else(|| in_best().next()) {
                return i;
            }
        }
    } else if let Some(i) = cands.iter().position(|c| c.declared_primary) {
        return i;
    }
    cands.iter().position(|c| c.marked_primary || c.declared_primary).unwrap_or(0)
}
