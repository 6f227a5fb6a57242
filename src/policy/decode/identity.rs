//! `kind: IdentitySettings`: the graph limit and namespace definitions.

use super::AEP_COMMON;
use crate::diag::Code;
use crate::policy::fields::{required, Cx};
use crate::policy::model::{NamespaceType, Normalize, Spanned};
use crate::policy::yaml::Node;

/// An IdentitySettings document. Absent fields stay `None` so that a namespace overriding a
/// standard one inherits what it does not say.
#[derive(Debug)]
pub struct IdentityDoc {
    pub graph_limit: Option<usize>,
    pub namespaces: Vec<NamespaceDoc>,
}

#[derive(Debug)]
pub struct NamespaceDoc {
    pub code: Spanned<String>,
    pub ty: Option<NamespaceType>,
    pub unique: Option<bool>,
    pub priority: Option<i64>,
    pub normalize: Option<Vec<Normalize>>,
    pub pattern: Option<regex::Regex>,
}

pub const TYPES: &[(&str, NamespaceType)] = &[
    ("cookie", NamespaceType::Cookie),
    ("device", NamespaceType::Device),
    ("crossDevice", NamespaceType::CrossDevice),
    ("email", NamespaceType::Email),
    ("phone", NamespaceType::Phone),
    ("nonPeople", NamespaceType::NonPeople),
    ("partner", NamespaceType::Partner),
];

const NORMALIZE: &[(&str, Normalize)] =
    &[("trim", Normalize::Trim), ("lowercase", Normalize::Lowercase), ("uppercase", Normalize::Uppercase)];

pub fn decode_identity(cx: &mut Cx, node: &Node) -> Option<IdentityDoc> {
    let map = node.as_mapping()?;
    cx.check_doc_keys(map, "IdentitySettings", &["graphLimit", "namespaces"], AEP_COMMON);
    let mut graph_limit = None;
    if let Some(g) = node.get("graphLimit") {
        match cx.int(g, "graphLimit") {
            Some(n) if n >= 1 => graph_limit = Some(n as usize),
            Some(_) => cx.error(
                Code::InvalidValue,
                g,
                "`graphLimit` must be at least 1",
                "expected a positive integer",
            ),
            None => {}
        }
    }
    let mut namespaces = Vec::new();
    if let Some(list) = node.get("namespaces") {
        for item in cx.sequence(list, "namespaces").unwrap_or(&[]) {
            if let Some(ns) = decode_namespace(cx, item) {
                namespaces.push(ns);
            }
        }
    }
    Some(IdentityDoc { graph_limit, namespaces })
}

fn decode_namespace(cx: &mut Cx, node: &Node) -> Option<NamespaceDoc> {
    let map = cx.mapping(node, "namespaces")?;
    let known = &["code", "type", "unique", "priority", "normalize", "pattern", "name", "description"];
    cx.check_keys(map, "a namespace", known, &["id", "idType", "status", "custom"]);
    let anchor = map.first().map_or(node, |(k, _)| k);
    let code_node = required(cx, node, anchor, "code", "a namespace");
    let ty = node.get("type").and_then(|t| cx.one_of(t, "type", TYPES));
    let unique = node.get("unique").and_then(|u| cx.bool(u, "unique"));
    let priority = node.get("priority").and_then(|p| cx.int(p, "priority"));
    for field in ["name", "description"] {
        if let Some(n) = node.get(field) {
            cx.string(n, field);
        }
    }
    let normalize = node.get("normalize").map(|n| {
        let items = cx.sequence(n, "normalize").unwrap_or(&[]);
        items.iter().filter_map(|i| cx.one_of(i, "normalize", NORMALIZE)).collect()
    });
    let mut pattern = None;
    if let Some(p) = node.get("pattern") {
        if let Some(text) = cx.string(p, "pattern") {
            match regex::Regex::new(&text) {
                Ok(re) => pattern = Some(re),
                Err(e) => {
                    let msg = e.to_string();
                    let last = msg.lines().last().unwrap_or("invalid pattern").trim().to_string();
                    cx.error(Code::BadPattern, p, format!("invalid namespace pattern `{text}`"), last);
                }
            }
        }
    }
    let code_node = code_node?;
    let code = cx.string(code_node, "code")?;
    Some(NamespaceDoc { code: cx.spanned(code, code_node), ty, unique, priority, normalize, pattern })
}
