//! What ingest extracts from one batch file: records, events, rejections and counters.

use super::text::Text;
use serde::{Deserialize, Serialize};

/// One identity as read from a record: canonical namespace code (as spelt in the namespace
/// definition) and the normalized value. Both are interned ([`Text`]): an identity is copied
/// into every link and event that names it, and a copy is two addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ident {
    pub namespace: Text,
    pub id: Text,
}

impl Ident {
    pub fn new(namespace: &str, id: &str) -> Ident {
        Ident { namespace: Text::new(namespace), id: Text::new(id) }
    }

    /// The addresses of its two texts: equal identities, and only they, have equal addresses
    /// (see [`Text`]), so this is a key that finds an identity without hashing its text.
    pub fn address(&self) -> (usize, usize) {
        (self.namespace.address(), self.id.address())
    }
}

impl std::fmt::Display for Ident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.namespace)?;
        f.write_str(":")?;
        f.write_str(&self.id)
    }
}

impl Ident {
    /// `NS:VALUE`, as `to_string` writes it, in one exact allocation (a run makes one for
    /// every identity of every profile).
    pub fn key(&self) -> String {
        let mut key = String::with_capacity(self.namespace.len() + 1 + self.id.len());
        key.push_str(&self.namespace);
        key.push(':');
        key.push_str(&self.id);
        key
    }

    /// Whether [`Ident::key`] would be `key`, without making it.
    pub fn has_key(&self, key: &str) -> bool {
        let (ns, id) = (self.namespace.as_bytes(), self.id.as_bytes());
        let key = key.as_bytes();
        key.len() == ns.len() + 1 + id.len()
            && key.starts_with(ns)
            && key.get(ns.len()) == Some(&b':')
            && key.ends_with(id)
    }
}

/// A profile record (one line of a profile dataset).
#[derive(Debug, Clone)]
pub struct Record {
    /// 1-based line (or row) number in the batch file.
    pub line: u32,
    /// Record time (µs); `None` when absent or invalid: the batch's ingestion time applies.
    pub time: Option<i64>,
    /// Valid identities, deduplicated, in the order listed (identityMap first).
    pub identities: Vec<Ident>,
    /// Index of the primary identity in `identities`.
    pub primary: u32,
    /// The record without its `identityMap`, untyped (typing happens at evaluation, by the
    /// current program, so that a policy change needs no re-ingest). Packed as soon as it is
    /// read: the store writes these bytes as they are, and the run keeps them.
    pub body: crate::store::PackedJson,
}

/// An experience event (one line of an event dataset), with the fields ingest was asked to keep
/// (see `ingest::Keep`).
#[derive(Debug, Clone)]
pub struct Event {
    pub line: u32,
    /// `_id`, used to de-duplicate events of one dataset.
    pub id: Option<String>,
    /// Record time (µs).
    pub time: i64,
    pub identities: Vec<Ident>,
    pub primary: u32,
    /// The whole event when its line cannot be read back from its file (`offset` is `None`:
    /// CSV and Parquet rows, inline records); `Null` otherwise.
    pub body: serde_json::Value,
    /// The event's value at each of its batch's kept paths ([`Batch::paths`]), in order.
    pub fields: Vec<serde_json::Value>,
    /// Byte offset of the event's line in its JSONL file, where the whole event is read back.
    pub offset: Option<u64>,
}

/// Why a line was rejected (SPEC 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Reason {
    InvalidJson,
    InvalidCsv,
    NotAnObject,
    NoIdentity,
    InvalidTimestamp,
    TooLarge,
    UnreadableFile,
    UnsupportedFormat,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 8] = [
        Reason::InvalidJson,
        Reason::InvalidCsv,
        Reason::NotAnObject,
        Reason::NoIdentity,
        Reason::InvalidTimestamp,
        Reason::TooLarge,
        Reason::UnreadableFile,
        Reason::UnsupportedFormat,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::InvalidJson => "invalidJson",
            Reason::InvalidCsv => "invalidCsv",
            Reason::NotAnObject => "notAnObject",
            Reason::NoIdentity => "noIdentity",
            Reason::InvalidTimestamp => "invalidTimestamp",
            Reason::TooLarge => "tooLarge",
            Reason::UnreadableFile => "unreadableFile",
            Reason::UnsupportedFormat => "unsupportedFormat",
        }
    }
}

/// A rejected line, written to `.mosaic/rejected/<dataset>.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rejection {
    pub line: u32,
    pub reason: Reason,
    /// A short human explanation (e.g. the JSON parser's message).
    pub detail: String,
    /// The raw line (cut at the size guardrail).
    pub raw: String,
}

/// Everything extracted from one batch file.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// `<dataset>/<file name>`.
    pub id: String,
    pub dataset: String,
    pub records: Vec<Record>,
    pub events: Vec<Event>,
    pub rejections: Vec<Rejection>,
    /// Identity values dropped as invalid (empty, too long, `null`, pattern mismatch …).
    pub dropped_identities: u64,
    /// The event paths extracted into [`Event::fields`]; `None`: events are kept whole.
    pub paths: Option<Vec<Vec<String>>>,
}

#[cfg(test)]
mod tests {
    use super::Ident;

    #[test]
    fn has_key_is_key_equality() {
        let i = Ident::new("ECID", "a:b");
        for key in ["ECID:a:b", "ECID:a:", "ECIDa:b", "ECID:a:bc", "ECI:Da:b", "", "ECID::b"] {
            assert_eq!(i.has_key(key), i.key() == key, "{key}");
        }
        assert!(Ident::new("", "").has_key(":"));
    }
}
