//! Identities of a record: read from `identityMap` and the dataset's identity fields, validated,
//! normalized, and the primary one chosen (SPEC 1.4).

use super::idmap::{scalar_text, IdentityMap};
use super::text::Text;
use crate::policy::{Dataset, DatasetClass, Namespace, Normalize, Project};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Placeholder values that never identify anyone (AEP blocks them); compared case-insensitively
/// after trimming, because `NULL` or ` Anonymous ` are the same placeholder written by another
/// system.
const PLACEHOLDERS: [&str; 3] = ["null", "anonymous", "invalid"];
/// Identity values longer than this many characters (Unicode scalar values, not bytes) are
/// dropped (AEP guardrail).
pub const MAX_IDENTITY_CHARS: usize = 1024;

/// Why an identity value was dropped; a run counts them (`droppedIdentities`), `profile
/// --identity` names the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("empty identity value")]
    Empty,
    #[error("identity value longer than {MAX_IDENTITY_CHARS} characters")]
    TooLong,
    #[error("junk identity value `{0}`")]
    Junk(String),
    #[error("identity value does not match the pattern of namespace {0}")]
    Pattern(String),
}

impl Rejection {
    /// A short stable name for reports (`empty`, `tooLong`, `junk`, `pattern`).
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Empty => "empty",
            Rejection::TooLong => "tooLong",
            Rejection::Junk(_) => "junk",
            Rejection::Pattern(_) => "pattern",
        }
    }
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

/// Validates and normalizes one identity value of namespace `ns` (SPEC 1.2, 1.4): the one
/// rule for values read at ingest and for identities given on the command line, so a lookup
/// finds exactly what a run stored.
///
/// Order: the namespace's `normalize` steps are applied first (so matching sees the normalized
/// value); then the value is rejected when it is blank (empty or only whitespace), longer than
/// [`MAX_IDENTITY_CHARS`] characters, a placeholder, or does not match the namespace `pattern`.
/// A value that normalizing leaves as it is (the usual case) is not copied.
pub fn normalize<'v>(ns: &Namespace, raw: &'v str) -> Result<Cow<'v, str>, Rejection> {
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
    let trimmed = v.trim();
    if trimmed.is_empty() {
        return Err(Rejection::Empty);
    }
    // At most 4 bytes a character: a short value needs no counting.
    if v.len() > MAX_IDENTITY_CHARS && v.chars().count() > MAX_IDENTITY_CHARS {
        return Err(Rejection::TooLong);
    }
    if PLACEHOLDERS.iter().any(|p| trimmed.eq_ignore_ascii_case(p)) {
        return Err(Rejection::Junk(v.into_owned()));
    }
    if let Some(re) = &ns.pattern {
        if !re.is_match(&v) {
            return Err(Rejection::Pattern(ns.code.to_string()));
        }
    }
    Ok(v)
}

/// [`normalize`], interned.
pub fn normalize_identity(ns: &Namespace, raw: &str) -> Result<Text, Rejection> {
    normalize(ns, raw).map(|v| Text::new(&v))
}

/// A candidate before the primary choice.
struct Candidate<'v> {
    namespace: Text,
    value: Cow<'v, str>,
    marked_primary: bool,
    declared_primary: bool,
    priority: Option<i64>,
}

/// The identities of a record before their values are interned: each identity's namespace
/// and normalized value, valid ones only, each once, in the order listed (identityMap first).
#[derive(Debug, Default)]
pub struct Candidates<'v> {
    pub values: Vec<(Text, Cow<'v, str>)>,
    /// Index of the primary identity; meaningless when `values` is empty.
    pub primary: usize,
    /// Values that were dropped as invalid.
    pub dropped: u64,
}

/// The identities of a record of `dataset`, from its identity map (`ids`) and the values of the
/// dataset's identity fields (in their order; `None` when the record lacks one): validated
/// and normalized, each once, the primary chosen (SPEC 1.4). Their values are interned by the
/// caller, many records' at a time (`ingest::line::Deferred`).
pub fn candidates<'v>(
    project: &Project,
    dataset: &Dataset,
    ids: Option<&'v IdentityMap>,
    fields: impl Iterator<Item = Option<&'v Value>>,
) -> Candidates<'v> {
    let mut dropped = 0;
    let mut cands: Vec<Candidate<'v>> = Vec::new();
    let mut push = |ns: Option<&Namespace>, value: Option<Cow<'v, str>>, marked: bool, declared: bool| {
        let (Some(ns), Some(raw)) = (ns, value) else {
            dropped += 1;
            return;
        };
        let value = match raw {
            Cow::Borrowed(raw) => normalize(ns, raw),
            // A value printed from a number: normalized, then owned.
            Cow::Owned(raw) => normalize(ns, &raw).map(|v| Cow::Owned(v.into_owned())),
        };
        let Ok(value) = value else {
            dropped += 1;
            return;
        };
        if let Some(c) = cands.iter_mut().find(|c| c.namespace == ns.code && c.value == value) {
            c.marked_primary |= marked;
            c.declared_primary |= declared;
            return;
        }
        cands.push(Candidate {
            namespace: ns.code,
            value,
            marked_primary: marked,
            declared_primary: declared,
            priority: ns.priority,
        });
    };
    for (code, entries) in ids.into_iter().flatten() {
        let ns = project.namespace(code);
        for e in entries {
            push(ns, e.id.as_deref().map(Cow::Borrowed), e.primary, false);
        }
    }
    for (field, value) in dataset.identities.iter().zip(fields) {
        match value {
            None | Some(Value::Null) => {}
            Some(v) => {
                let text = match v {
                    Value::String(s) => Some(Cow::Borrowed(s.as_str())),
                    other => scalar_text(other).map(Cow::Owned),
                };
                push(project.namespace(&field.namespace), text, false, field.primary)
            }
        }
    }
    let primary = choose_primary(dataset.class, &cands);
    Candidates { values: cands.into_iter().map(|c| (c.namespace, c.value)).collect(), primary, dropped }
}

/// SPEC 1.4: events prefer the highest-priority namespace (within it, the identity marked
/// primary, else the first listed), profile records the dataset's declared primary field; both
/// then fall back to the identity marked primary, then the first.
fn choose_primary(class: DatasetClass, cands: &[Candidate<'_>]) -> usize {
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
