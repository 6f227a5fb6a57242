//! The loaded policy set: plain data decoded from the YAML documents, with the spans checking needs.

use crate::diag::FileId;
use std::ops::Range;
use std::path::PathBuf;

/// A value with the place it came from (file and byte range of the YAML value).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub file: FileId,
    pub span: Range<usize>,
}

/// A PQL expression as written in a policy file, with the map from its text back to the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprSource {
    /// The expression text after YAML unescaping/folding.
    pub text: String,
    pub file: FileId,
    /// `offsets[i]` is the byte offset in the file of byte `i` of `text`; one extra entry at the
    /// end gives the offset just past the last byte.
    pub offsets: Vec<usize>,
}

impl ExprSource {
    /// Maps a byte range of the expression text to a byte range in the file.
    pub fn to_file(&self, range: Range<usize>) -> Range<usize> {
        let at = |i: usize| self.offsets[i.min(self.offsets.len() - 1)];
        let start = at(range.start);
        let end = if range.end > range.start { at(range.end - 1) + 1 } else { start };
        start..end.max(start)
    }
}

/// The whole policy set of a project: its own documents over the built-in standard library.
#[derive(Debug, Clone)]
pub struct Project {
    /// The project folder (absolute).
    pub root: PathBuf,
    pub name: String,
    /// IANA time zone name (validated by the loader).
    pub timezone: String,
    pub identity: IdentitySettings,
    pub datasets: Vec<Dataset>,
    pub merge_policies: Vec<MergePolicy>,
    pub attributes: Vec<ComputedAttribute>,
    pub audiences: Vec<Audience>,
    /// A fingerprint of the policy files the project was loaded from (names and texts) and of
    /// mosaic's version ([`crate::diag::Files::fingerprint`]). A run records it, so that
    /// `mosaic profile` can tell stored profiles computed under other policies.
    pub policies: String,
}

impl Project {
    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.datasets.iter().find(|d| d.name.value == name)
    }

    /// Dataset name → its index in `datasets` (the index records and events carry).
    pub fn dataset_indexes(&self) -> std::collections::HashMap<&str, u32> {
        self.datasets.iter().enumerate().map(|(i, d)| (d.name.value.as_str(), i as u32)).collect()
    }

    /// The merge policy named `name`, or the default one.
    pub fn merge_policy(&self, name: Option<&str>) -> Option<&MergePolicy> {
        match name {
            Some(n) => self.merge_policies.iter().find(|p| p.name.value == n),
            None => self.merge_policies.iter().find(|p| p.default).or_else(|| self.merge_policies.first()),
        }
    }

    /// The namespace with this code (case-insensitive).
    pub fn namespace(&self, code: &str) -> Option<&Namespace> {
        self.identity.namespaces.iter().find(|n| n.code.eq_ignore_ascii_case(code))
    }
}

#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub graph_limit: usize,
    /// Standard namespaces merged with the project's, sorted by code.
    pub namespaces: Vec<Namespace>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NamespaceType {
    Cookie,
    Device,
    CrossDevice,
    Email,
    Phone,
    NonPeople,
    Partner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalize {
    Trim,
    Lowercase,
    Uppercase,
}

#[derive(Debug, Clone)]
pub struct Namespace {
    /// The spelling used on output, which every identity ingested in the namespace takes.
    pub code: crate::ingest::Text,
    pub ty: NamespaceType,
    pub unique: bool,
    /// Lower is more important; `None` = no priority (sorts after every priority).
    pub priority: Option<i64>,
    pub normalize: Vec<Normalize>,
    /// Values that do not match are dropped (and counted).
    pub pattern: Option<regex::Regex>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatasetClass {
    Profile,
    Event,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Csv,
    Parquet,
}

/// A declared schema type (`schema:` of a dataset).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaType {
    String,
    Int,
    Double,
    Bool,
    Timestamp,
    Date,
    Object,
    Array,
}

#[derive(Debug, Clone)]
pub struct IdentityField {
    /// Dotted path of the field in the record.
    pub path: String,
    /// Namespace code as spelt in the namespace definition.
    pub namespace: String,
    pub primary: bool,
}

#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: Spanned<String>,
    pub class: DatasetClass,
    /// Folder relative to the project root (validated to stay inside it).
    pub path: PathBuf,
    /// `None`: from each file's extension.
    pub format: Option<Format>,
    pub upsert: bool,
    /// Dotted path of the record time.
    pub timestamp: String,
    pub identities: Vec<IdentityField>,
    /// Declared types by dotted path, in file order.
    pub schema: Vec<(String, SchemaType)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphType {
    None,
    Pdg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeType {
    TimestampOrdered,
    DataSetPrecedence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    MostRecent,
    Oldest,
    DataSetPrecedence,
    MostFrequent,
    NonEmpty,
    Sum,
    Min,
    Max,
    Union,
}

#[derive(Debug, Clone)]
pub struct FieldRule {
    /// Dotted path; the rule covers it and everything under it.
    pub path: String,
    pub strategy: Strategy,
    /// For `dataSetPrecedence`: dataset names, highest priority first.
    pub order: Vec<String>,
    /// Where the strategy is written, for diagnostics (`None` for a rule made in code).
    pub at: Option<Spanned<()>>,
}

#[derive(Debug, Clone)]
pub struct MergePolicy {
    pub name: Spanned<String>,
    pub default: bool,
    pub identity_graph: GraphType,
    pub merge: MergeType,
    /// For `dataSetPrecedence`: dataset names, highest priority first.
    pub order: Vec<String>,
    pub is_active_on_edge: bool,
    pub fields: Vec<FieldRule>,
    /// True for the standard library's policy.
    pub builtin: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    New,
    Processed,
    Disabled,
}

#[derive(Debug, Clone)]
pub struct ComputedAttribute {
    pub name: Spanned<String>,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Dotted output path; default `computedAttributes.<name>`.
    pub path: String,
    pub duration: Option<crate::ir::Duration>,
    pub expression: ExprSource,
    pub status: Status,
}

#[derive(Debug, Clone)]
pub struct Audience {
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub expression: ExprSource,
}
