//! `kind: ComputedAttribute` and `kind: Audience`: the rules whose expressions are PQL.

use super::{name, AEP_COMMON};
use crate::diag::{Code, Diagnostic};
use crate::ir::{Duration, DurationUnit};
use crate::policy::fields::{required, Cx};
use crate::policy::model::{Audience, ComputedAttribute, ExprSource, Status};
use crate::policy::scalar::expr_source;
use crate::policy::yaml::Node;

/// AEP computed-attribute response fields that mean nothing here (besides [`AEP_COMMON`]).
const CA_IGNORED: &[&str] = &[
    "type",
    "keepCurrent",
    "mergeFunction",
    "schema",
    "returnSchema",
    "definedOn",
    "encodedDefinedOn",
    "positionPath",
    "lastEvaluationTs",
    "dependencies",
    "dependents",
    "active",
    "evaluationInfo",
];

/// AEP segment-definition fields that mean nothing here (besides [`AEP_COMMON`]).
const AUDIENCE_IGNORED: &[&str] = &[
    "schema",
    "ttlInDays",
    "evaluationInfo",
    "creationTime",
    "updateTime",
    "dependencies",
    "dependents",
    "definedOn",
    "mergePolicyId",
    "profileInstanceId",
    "type",
];

/// `INITIALIZING`/`PROCESSING` are AEP's transient states of an evaluated attribute.
const STATUSES: &[(&str, Status)] = &[
    ("DRAFT", Status::Draft),
    ("NEW", Status::New),
    ("INITIALIZING", Status::New),
    ("PROCESSING", Status::Processed),
    ("PROCESSED", Status::Processed),
    ("DISABLED", Status::Disabled),
];

const UNITS: &[(&str, DurationUnit)] = &[
    ("MINUTES", DurationUnit::Minutes),
    ("HOURS", DurationUnit::Hours),
    ("DAYS", DurationUnit::Days),
    ("WEEKS", DurationUnit::Weeks),
    ("MONTHS", DurationUnit::Months),
];

fn ignored(extra: &[&'static str]) -> Vec<&'static str> {
    AEP_COMMON.iter().chain(extra).copied().collect()
}

pub fn decode_attribute(cx: &mut Cx, node: &Node, kind_node: &Node) -> Option<ComputedAttribute> {
    let map = node.as_mapping()?;
    let known = &["name", "displayName", "description", "path", "duration", "expression", "status"];
    cx.check_doc_keys(map, "a ComputedAttribute", known, &ignored(CA_IGNORED));
    let name = name(cx, node, kind_node, "a ComputedAttribute");
    if let Some(n) = &name {
        if n.value.is_empty() || !n.value.chars().all(|c| c.is_ascii_alphanumeric()) {
            let d = Diagnostic::new(
                Code::AttributeName,
                format!("computed attribute name `{}` is not alphanumeric", n.value),
            )
            .at(cx.file, n.span.clone(), "only letters and digits are allowed")
            .with_note(format!(
                "try `{}`",
                n.value.chars().filter(char::is_ascii_alphanumeric).collect::<String>()
            ));
            cx.push(d);
        }
    }
    let display_name = node.get("displayName").and_then(|d| cx.string(d, "displayName"));
    let description = node.get("description").and_then(|d| cx.string(d, "description"));
    let path = node.get("path").and_then(|p| {
        let value = cx.string(p, "path")?;
        // AEP's `path` is a schema folder like `{TENANT_ID}/ComputedAttributes`: accept, use the default.
        if value.contains('/') {
            cx.push(Diagnostic::new(Code::IgnoredField, format!("AEP schema path `{value}` is ignored")).at(
                cx.file,
                p.span.clone(),
                "the value lands at `computedAttributes.<name>`",
            ));
            return None;
        }
        Some(value)
    });
    let duration = node.get("duration").and_then(|d| decode_duration(cx, d));
    let expression =
        required(cx, node, kind_node, "expression", "a ComputedAttribute").and_then(|e| expression(cx, e));
    let status = node.get("status").and_then(|s| cx.one_of(s, "status", STATUSES)).unwrap_or(Status::New);
    let name = name?;
    let path = path.unwrap_or_else(|| format!("computedAttributes.{}", name.value));
    Some(ComputedAttribute {
        name,
        display_name,
        description,
        path,
        duration,
        expression: expression?,
        status,
    })
}

pub fn decode_audience(cx: &mut Cx, node: &Node, kind_node: &Node) -> Option<Audience> {
    let map = node.as_mapping()?;
    cx.check_doc_keys(map, "an Audience", &["name", "description", "expression"], &ignored(AUDIENCE_IGNORED));
    let name = name(cx, node, kind_node, "an Audience");
    let description = node.get("description").and_then(|d| cx.string(d, "description"));
    let expression =
        required(cx, node, kind_node, "expression", "an Audience").and_then(|e| expression(cx, e));
    Some(Audience { name: name?, description, expression: expression? })
}

/// A PQL expression: a string, or AEP's `{type: PQL, format: pql/text, value: "…"}` object.
fn expression(cx: &mut Cx, node: &Node) -> Option<ExprSource> {
    let value = match node.as_mapping() {
        Some(map) => {
            cx.check_keys(map, "an expression", &["type", "format", "value"], &[]);
            for (field, want) in [("type", "PQL"), ("format", "pql/text")] {
                if let Some(n) = node.get(field) {
                    cx.one_of(n, field, &[(want, ())]);
                }
            }
            required(cx, node, map.first().map_or(node, |(k, _)| k), "value", "an expression")?
        }
        None => node,
    };
    if value.as_str().is_none() || value.is_null() {
        cx.wrong_type(value, "expression", "a PQL expression string");
        return None;
    }
    expr_source(cx.file, cx.text, value)
}

fn decode_duration(cx: &mut Cx, node: &Node) -> Option<Duration> {
    let bad = |cx: &mut Cx, at: &Node, label: &str| {
        cx.push(
            Diagnostic::new(Code::BadDuration, "invalid lookback duration")
                .at(cx.file, at.span.clone(), label)
                .with_note(
                    "expected `{ count: <positive integer>, unit: MINUTES | HOURS | DAYS | WEEKS | MONTHS }`",
                ),
        );
    };
    let Some(map) = node.as_mapping() else {
        bad(cx, node, "expected a mapping with `count` and `unit`");
        return None;
    };
    cx.check_keys(map, "a duration", &["count", "unit"], &[]);
    let count = match node.get("count") {
        Some(c) => match c.as_str().and_then(|s| s.parse::<i64>().ok()) {
            Some(n) if n > 0 => Some(n),
            _ => {
                bad(cx, c, "expected a positive integer");
                None
            }
        },
        None => {
            bad(cx, node, "missing `count`");
            None
        }
    };
    let unit = match node.get("unit") {
        Some(u) => match UNITS.iter().find(|(n, _)| u.as_str().is_some_and(|s| s.eq_ignore_ascii_case(n))) {
            Some((_, unit)) => Some(*unit),
            None => {
                bad(cx, u, "expected MINUTES, HOURS, DAYS, WEEKS or MONTHS");
                None
            }
        },
        None => {
            bad(cx, node, "missing `unit`");
            None
        }
    };
    Some(Duration { count: count?, unit: unit? })
}
