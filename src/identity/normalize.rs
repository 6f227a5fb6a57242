//! Identity value validation and normalization (SPEC 1.2, 1.4).

use crate::ingest::Text;
use crate::policy::{Namespace, Normalize};

/// Identity values longer than this many characters are dropped (AEP guardrail).
pub const MAX_IDENTITY_CHARS: usize = 1024;

/// Why an identity value was dropped; the runtime counts these by reason.
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

/// The junk values AEP blocks; compared case-insensitively after trimming, because `NULL` or
/// ` Anonymous ` are the same placeholder written by another system, never a real person.
const JUNK: [&str; 3] = ["null", "anonymous", "invalid"];

/// Validates and normalizes a raw identity value of namespace `ns`.
///
/// Order: the namespace's `normalize` steps are applied first (so matching sees the normalized
/// value); then the value is rejected when it is blank (empty or only whitespace), longer than
/// [`MAX_IDENTITY_CHARS`] characters (Unicode scalar values, not bytes), a junk value, or does
/// not match the namespace `pattern` (checked against the normalized value).
pub fn normalize_identity(ns: &Namespace, raw: &str) -> Result<Text, Rejection> {
    let mut value = raw.to_string();
    for step in &ns.normalize {
        value = match step {
            Normalize::Trim => value.trim().to_string(),
            Normalize::Lowercase => value.to_lowercase(),
            Normalize::Uppercase => value.to_uppercase(),
        };
    }
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::Empty);
    }
    if value.chars().count() > MAX_IDENTITY_CHARS {
        return Err(Rejection::TooLong);
    }
    if JUNK.iter().any(|j| trimmed.eq_ignore_ascii_case(j)) {
        return Err(Rejection::Junk(value));
    }
    if let Some(pattern) = &ns.pattern {
        if !pattern.is_match(&value) {
            return Err(Rejection::Pattern(ns.code.to_string()));
        }
    }
    Ok(Text::new(&value))
}
