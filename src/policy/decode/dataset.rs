//! `kind: Dataset`: where a dataset's batches live and how its records are read.

use super::{name, AEP_COMMON};
use crate::diag::Code;
use crate::policy::fields::{required, Cx};
use crate::policy::model::{Dataset, DatasetClass, Format, IdentityField, SchemaType, Spanned};
use crate::policy::yaml::Node;
use std::path::{Component, Path, PathBuf};

/// A Dataset document with the namespace references that can only be resolved later.
#[derive(Debug)]
pub struct DatasetDoc {
    pub dataset: Dataset,
    /// Namespace codes of the identity fields, as written.
    pub namespaces: Vec<Spanned<String>>,
    /// The `path` value, for the missing-folder warning.
    pub path: Option<Spanned<String>>,
    /// False when `path` leaves the project (already reported; the folder is not looked at).
    pub inside: bool,
}

const CLASSES: &[(&str, DatasetClass)] =
    &[("profile", DatasetClass::Profile), ("event", DatasetClass::Event)];
const FORMATS: &[(&str, Format)] =
    &[("jsonl", Format::Jsonl), ("csv", Format::Csv), ("parquet", Format::Parquet)];
const TYPES: &[(&str, SchemaType)] = &[
    ("string", SchemaType::String),
    ("int", SchemaType::Int),
    ("double", SchemaType::Double),
    ("bool", SchemaType::Bool),
    ("timestamp", SchemaType::Timestamp),
    ("date", SchemaType::Date),
    ("object", SchemaType::Object),
    ("array", SchemaType::Array),
];

pub fn decode_dataset(cx: &mut Cx, node: &Node, kind_node: &Node) -> Option<DatasetDoc> {
    let map = node.as_mapping()?;
    let known =
        &["name", "class", "path", "format", "upsert", "timestamp", "identities", "schema", "description"];
    cx.check_doc_keys(map, "a Dataset", known, AEP_COMMON);
    let name = name(cx, node, kind_node, "a Dataset");
    let class =
        required(cx, node, kind_node, "class", "a Dataset").and_then(|c| cx.one_of(c, "class", CLASSES));
    if let Some(d) = node.get("description") {
        cx.string(d, "description");
    }
    let format = node.get("format").and_then(|f| cx.one_of(f, "format", FORMATS));
    let upsert_node = node.get("upsert");
    let upsert = upsert_node.and_then(|u| cx.bool(u, "upsert")).unwrap_or(false);
    if let (Some(u), true, Some(DatasetClass::Event)) = (upsert_node, upsert, class) {
        cx.error(
            Code::UpsertOnEvents,
            u,
            "upsert on an event dataset",
            "only profile datasets can be upserted",
        );
    }
    let timestamp = node.get("timestamp").and_then(|t| cx.string(t, "timestamp"));
    let path = node.get("path").and_then(|p| cx.string(p, "path").map(|s| cx.spanned(s, p)));
    let inside = path.as_ref().is_none_or(|p| stays_inside(&p.value));
    if let Some(p) = &path {
        if !inside {
            let d = crate::diag::Diagnostic::new(
                Code::PathOutsideProject,
                format!("dataset path `{}` leaves the project", p.value),
            )
            .at(cx.file, p.span.clone(), "must be a folder inside the project");
            cx.push(d);
        }
    }
    let mut namespaces = Vec::new();
    let identities = match node.get("identities") {
        Some(list) => {
            let items = cx.sequence(list, "identities").unwrap_or(&[]);
            items.iter().filter_map(|i| decode_identity_field(cx, i, &mut namespaces)).collect()
        }
        None => Vec::new(),
    };
    let schema = node.get("schema").map(|s| decode_schema(cx, s)).unwrap_or_default();
    let (name, class) = (name?, class?);
    let timestamp = timestamp.unwrap_or_else(|| match class {
        DatasetClass::Event => "timestamp".to_string(),
        DatasetClass::Profile => "extSourceSystemAudit.lastUpdatedDate".to_string(),
    });
    let folder = match &path {
        Some(p) => PathBuf::from(&p.value),
        None => Path::new("data").join(&name.value),
    };
    let dataset = Dataset { name, class, path: folder, format, upsert, timestamp, identities, schema };
    Some(DatasetDoc { dataset, namespaces, path, inside })
}

/// True when a relative path never climbs above its starting folder.
fn stays_inside(path: &str) -> bool {
    let p = Path::new(path);
    if p.is_absolute() || path.starts_with('/') || path.starts_with('\\') {
        return false;
    }
    let mut depth: i64 = 0;
    for c in p.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

fn decode_identity_field(cx: &mut Cx, node: &Node, refs: &mut Vec<Spanned<String>>) -> Option<IdentityField> {
    let map = cx.mapping(node, "identities")?;
    cx.check_keys(map, "an identity field", &["path", "namespace", "primary"], &[]);
    let anchor = map.first().map_or(node, |(k, _)| k);
    let path = required(cx, node, anchor, "path", "an identity field").and_then(|p| cx.string(p, "path"));
    let ns_node = required(cx, node, anchor, "namespace", "an identity field");
    let namespace = ns_node.and_then(|n| cx.string(n, "namespace"));
    let primary = node.get("primary").and_then(|p| cx.bool(p, "primary")).unwrap_or(false);
    let (path, namespace, ns_node) = (path?, namespace?, ns_node?);
    refs.push(cx.spanned(namespace.clone(), ns_node));
    Some(IdentityField { path, namespace, primary })
}

fn decode_schema(cx: &mut Cx, node: &Node) -> Vec<(String, SchemaType)> {
    let Some(map) = cx.mapping(node, "schema") else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in map {
        let Some(path) = cx.string(k, "schema") else { continue };
        if let Some(ty) = cx.one_of(v, &format!("schema.{path}"), TYPES) {
            out.push((path, ty));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_must_stay_inside() {
        assert!(super::stays_inside("data/crm"));
        assert!(super::stays_inside("data/../other"));
        assert!(!super::stays_inside("../crm"));
        assert!(!super::stays_inside("data/../../crm"));
        assert!(!super::stays_inside("/abs/crm"));
    }
}
