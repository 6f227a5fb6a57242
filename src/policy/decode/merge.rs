//! `kind: MergePolicy`: how fragments are merged (AEP's merge-policy payload plus field rules).

use super::{name, AEP_COMMON};
use crate::diag::{Code, Diagnostic};
use crate::policy::fields::Cx;
use crate::policy::model::{FieldRule, GraphType, MergePolicy, MergeType, Spanned, Strategy};
use crate::policy::yaml::Node;
use std::ops::Range;

/// A MergePolicy document with the spans cross-document checks point at.
#[derive(Debug)]
pub struct PolicyDoc {
    pub policy: MergePolicy,
    /// Every dataset name in an `order` list (policy and field level).
    pub orders: Vec<Spanned<String>>,
    /// The `default: true` value, when set.
    pub default_span: Option<Range<usize>>,
    /// The `isActiveOnEdge: true` value, when set.
    pub edge_span: Option<Range<usize>>,
}

/// `auto` and `Private Graph` are legacy AEP spellings of `pdg`.
const GRAPHS: &[(&str, GraphType)] = &[
    ("none", GraphType::None),
    ("pdg", GraphType::Pdg),
    ("auto", GraphType::Pdg),
    ("Private Graph", GraphType::Pdg),
];
const MERGES: &[(&str, MergeType)] =
    &[("timestampOrdered", MergeType::TimestampOrdered), ("dataSetPrecedence", MergeType::DataSetPrecedence)];
const STRATEGIES: &[(&str, Strategy)] = &[
    ("mostRecent", Strategy::MostRecent),
    ("oldest", Strategy::Oldest),
    ("dataSetPrecedence", Strategy::DataSetPrecedence),
    ("mostFrequent", Strategy::MostFrequent),
    ("nonEmpty", Strategy::NonEmpty),
    ("sum", Strategy::Sum),
    ("min", Strategy::Min),
    ("max", Strategy::Max),
    ("union", Strategy::Union),
];

pub fn decode_merge_policy(cx: &mut Cx, node: &Node, kind_node: &Node) -> Option<PolicyDoc> {
    let map = node.as_mapping()?;
    let known =
        &["name", "default", "identityGraph", "attributeMerge", "isActiveOnEdge", "fields", "description"];
    let ignored: Vec<&str> = AEP_COMMON.iter().copied().chain(["schema"]).collect();
    cx.check_doc_keys(map, "a MergePolicy", known, &ignored);
    let name = name(cx, node, kind_node, "a MergePolicy");
    let mut orders = Vec::new();
    let flag = |cx: &mut Cx, field: &str| -> (bool, Option<Range<usize>>) {
        match node.get(field) {
            Some(n) => match cx.bool(n, field) {
                Some(true) => (true, Some(n.span.clone())),
                _ => (false, None),
            },
            None => (false, None),
        }
    };
    let (default, default_span) = flag(cx, "default");
    let (is_active_on_edge, edge_span) = flag(cx, "isActiveOnEdge");
    if let Some(d) = node.get("description") {
        cx.string(d, "description");
    }
    let mut identity_graph = GraphType::Pdg;
    if let Some(g) = node.get("identityGraph") {
        if let Some(m) = cx.mapping(g, "identityGraph") {
            cx.check_keys(m, "identityGraph", &["type"], &[]);
            if let Some(t) = g.get("type").and_then(|t| cx.one_of(t, "identityGraph.type", GRAPHS)) {
                identity_graph = t;
            }
        }
    }
    let (merge, order) = match node.get("attributeMerge") {
        Some(a) => decode_attribute_merge(cx, a, &mut orders),
        None => (MergeType::TimestampOrdered, Vec::new()),
    };
    let fields = match node.get("fields") {
        Some(f) => decode_fields(cx, f, &mut orders),
        None => Vec::new(),
    };
    let policy = MergePolicy {
        name: name?,
        default,
        identity_graph,
        merge,
        order,
        is_active_on_edge,
        fields,
        builtin: false,
    };
    Some(PolicyDoc { policy, orders, default_span, edge_span })
}

fn decode_attribute_merge(
    cx: &mut Cx,
    node: &Node,
    orders: &mut Vec<Spanned<String>>,
) -> (MergeType, Vec<String>) {
    let Some(m) = cx.mapping(node, "attributeMerge") else {
        return (MergeType::TimestampOrdered, Vec::new());
    };
    cx.check_keys(m, "attributeMerge", &["type", "order", "data"], &[]);
    let type_node = node.get("type");
    let merge = type_node
        .and_then(|t| cx.one_of(t, "attributeMerge.type", MERGES))
        .unwrap_or(MergeType::TimestampOrdered);
    // The legacy AEP shape nests the order under `data`.
    let mut order_node = node.get("order");
    if let Some(data) = node.get("data") {
        if let Some(dm) = cx.mapping(data, "attributeMerge.data") {
            cx.check_keys(dm, "attributeMerge.data", &["order"], &[]);
            order_node = order_node.or(data.get("order"));
        }
    }
    let order = order_node.map(|o| decode_order(cx, o, orders)).unwrap_or_default();
    if merge == MergeType::DataSetPrecedence && order.is_empty() {
        if let Some(t) = type_node {
            cx.error(
                Code::PrecedenceWithoutOrder,
                t,
                "`dataSetPrecedence` without `order`",
                "needs an `order` list of datasets",
            );
        }
    }
    (merge, order)
}

fn decode_order(cx: &mut Cx, node: &Node, orders: &mut Vec<Spanned<String>>) -> Vec<String> {
    let items = cx.sequence(node, "order").unwrap_or(&[]);
    let mut out = Vec::new();
    for item in items {
        if let Some(s) = cx.string(item, "order") {
            orders.push(cx.spanned(s.clone(), item));
            out.push(s);
        }
    }
    out
}

fn decode_fields(cx: &mut Cx, node: &Node, orders: &mut Vec<Spanned<String>>) -> Vec<FieldRule> {
    let Some(map) = cx.mapping(node, "fields") else { return Vec::new() };
    let mut out = Vec::new();
    for (k, v) in map {
        let Some(path) = cx.string(k, "fields") else { continue };
        let Some(rule) = cx.mapping(v, &format!("fields.{path}")) else { continue };
        cx.check_keys(rule, "a field rule", &["strategy", "order"], &[]);
        let Some(s) = crate::policy::fields::required(cx, v, k, "strategy", "a field rule") else { continue };
        let Some(strategy) = cx.one_of(s, "strategy", STRATEGIES) else { continue };
        let order = v.get("order").map(|o| decode_order(cx, o, orders)).unwrap_or_default();
        if strategy == Strategy::DataSetPrecedence && order.is_empty() {
            let d = Diagnostic::new(
                Code::PrecedenceWithoutOrder,
                format!("field `{path}`: `dataSetPrecedence` without `order`"),
            )
            .at(cx.file, s.span.clone(), "needs an `order` list of datasets");
            cx.push(d);
        }
        let at = Some(cx.spanned((), s));
        out.push(FieldRule { path, strategy, order, at });
    }
    out
}
