//! A small YAML writer for JSON values: readable snapshots and `--format yaml`. Strings are
//! always double-quoted (JSON escapes are valid YAML), so every value reads back unchanged.

use serde_json::Value as Json;

/// The value as a YAML document (ends with a newline).
pub fn to_yaml(v: &Json) -> String {
    let mut out = String::new();
    write_value(v, 0, &mut out);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn scalar(v: &Json) -> String {
    match v {
        Json::String(s) => Json::String(s.clone()).to_string(),
        Json::Array(a) if a.is_empty() => "[]".into(),
        Json::Object(m) if m.is_empty() => "{}".into(),
        other => other.to_string(),
    }
}

fn is_block(v: &Json) -> bool {
    matches!(v, Json::Array(a) if !a.is_empty()) || matches!(v, Json::Object(m) if !m.is_empty())
}

fn write_value(v: &Json, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent);
    match v {
        Json::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let key = if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                    && !k.is_empty()
                {
                    k.clone()
                } else {
                    Json::String(k.clone()).to_string()
                };
                if is_block(v) {
                    out.push_str(&format!("{pad}{key}:\n"));
                    write_value(v, indent + 1, out);
                } else {
                    out.push_str(&format!("{pad}{key}: {}\n", scalar(v)));
                }
            }
        }
        Json::Array(a) if !a.is_empty() => {
            for item in a {
                if is_block(item) {
                    // The item's first line goes on the dash's line: `- key: value`.
                    let mut inner = String::new();
                    write_value(item, indent + 1, &mut inner);
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(inner.get(pad.len() + 2..).unwrap_or_default());
                } else {
                    out.push_str(&format!("{pad}- {}\n", scalar(item)));
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}
