//! Decoding YAML documents into policy documents, one function per kind, collecting diagnostics.

mod dataset;
mod identity;
mod merge;
mod rules;

pub use dataset::DatasetDoc;
pub use identity::{IdentityDoc, NamespaceDoc};
pub use merge::PolicyDoc;

use super::fields::{suggest, Cx};
use super::model::{Audience, ComputedAttribute, Spanned};
use super::yaml::Node;
use crate::diag::Code;

/// Fields of AEP payloads that every kind accepts and ignores (W0001).
const AEP_COMMON: &[&str] = &[
    "id",
    "imsOrgId",
    "sandbox",
    "version",
    "createEpoch",
    "updateEpoch",
    "createdBy",
    "modifiedBy",
    "_links",
];

/// One decoded policy document.
#[derive(Debug)]
pub enum Doc {
    Project(ProjectDoc),
    Identity(IdentityDoc),
    Dataset(DatasetDoc),
    MergePolicy(PolicyDoc),
    Attribute(ComputedAttribute),
    Audience(Audience),
}

#[derive(Debug)]
pub struct ProjectDoc {
    pub name: Spanned<String>,
    pub timezone: String,
}

/// A decoded document with the span of its `kind` value, where document-level problems point.
#[derive(Debug)]
pub struct Located {
    pub doc: Doc,
    pub kind: Spanned<String>,
}

const KINDS: &[&str] =
    &["Project", "IdentitySettings", "Dataset", "MergePolicy", "ComputedAttribute", "Audience"];

/// Decodes one YAML document; `None` when it is empty or too broken to use (diagnostics say why).
pub fn decode_document(cx: &mut Cx, node: &Node) -> Option<Located> {
    if node.is_null() {
        return None;
    }
    let Some(map) = node.as_mapping() else {
        cx.error(
            Code::WrongType,
            node,
            "a policy document must be a mapping",
            format!("expected a mapping, found {}", node.describe()),
        );
        return None;
    };
    let Some(kind_node) = node.get("kind") else {
        let anchor = map.first().map_or(node, |(k, _)| k);
        cx.error(Code::MissingKind, anchor, "document has no `kind`", "this document needs a `kind:` field");
        return None;
    };
    let kind = cx.string(kind_node, "kind")?;
    let doc = match kind.as_str() {
        "Project" => Doc::Project(decode_project(cx, node, kind_node)?),
        "IdentitySettings" => Doc::Identity(identity::decode_identity(cx, node)?),
        "Dataset" => Doc::Dataset(dataset::decode_dataset(cx, node, kind_node)?),
        "MergePolicy" => Doc::MergePolicy(merge::decode_merge_policy(cx, node, kind_node)?),
        "ComputedAttribute" => Doc::Attribute(rules::decode_attribute(cx, node, kind_node)?),
        "Audience" => Doc::Audience(rules::decode_audience(cx, node, kind_node)?),
        _ => {
            let label = match suggest(&kind, KINDS) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "unknown kind".to_string(),
            };
            cx.push(
                crate::diag::Diagnostic::new(Code::UnknownKind, format!("unknown kind `{kind}`"))
                    .at(cx.file, kind_node.span.clone(), label)
                    .with_note(format!("expected one of: {}", KINDS.join(", "))),
            );
            return None;
        }
    };
    Some(Located { doc, kind: cx.spanned(kind, kind_node) })
}

/// The `name` of a document: required, a string.
fn name(cx: &mut Cx, node: &Node, kind_node: &Node, what: &str) -> Option<Spanned<String>> {
    let n = super::fields::required(cx, node, kind_node, "name", what)?;
    let value = cx.string(n, "name")?;
    Some(cx.spanned(value, n))
}

fn decode_project(cx: &mut Cx, node: &Node, kind_node: &Node) -> Option<ProjectDoc> {
    let map = node.as_mapping()?;
    cx.check_doc_keys(map, "a Project", &["name", "timezone", "description"], AEP_COMMON);
    let name = name(cx, node, kind_node, "a Project");
    let mut timezone = "UTC".to_string();
    if let Some(tz) = node.get("timezone") {
        if let Some(value) = cx.string(tz, "timezone") {
            if jiff::tz::TimeZone::get(&value).is_ok() {
                timezone = value;
            } else {
                cx.error(
                    Code::BadTimezone,
                    tz,
                    format!("unknown time zone `{value}`"),
                    "not an IANA time zone name",
                );
            }
        }
    }
    if let Some(d) = node.get("description") {
        cx.string(d, "description");
    }
    // A Project without a name is still the project: the error is reported, the rest goes on.
    let name = name.unwrap_or_else(|| cx.spanned(String::new(), kind_node));
    Some(ProjectDoc { name, timezone })
}
