//! `mosaic explain` as text for a person: the same facts as the JSON, one line each.

use serde_json::Value as Json;
use std::fmt::Write;

/// Renders the JSON that `explain::explain` returns.
pub fn render(v: &Json) -> String {
    let mut out = String::new();
    let s = |v: &Json| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    let _ =
        writeln!(out, "profile {} (policy {}, as of {})", s(&v["profileId"]), s(&v["policy"]), s(&v["asOf"]));
    render_graph(&mut out, &v["identityGraph"]);
    if let Some(attrs) = v["attributes"].as_array().filter(|a| !a.is_empty()) {
        let _ = writeln!(out, "\nattributes");
        for a in attrs {
            let _ = writeln!(out, "  {} = {}", s(&a["path"]), a["value"]);
            let _ = writeln!(out, "    from {} by {}", place(a), s(&a["rule"]));
            for l in a["losers"].as_array().into_iter().flatten() {
                let _ = writeln!(out, "    over {} from {}", l["value"], place(l));
            }
        }
    }
    if let Some(cas) = v["computedAttributes"].as_array().filter(|a| !a.is_empty()) {
        let _ = writeln!(out, "\ncomputed attributes");
        for c in cas {
            let value = if c["value"].is_null() { "(none)".to_string() } else { c["value"].to_string() };
            let _ = writeln!(
                out,
                "  {} = {}  ({} over {} qualifying events)",
                s(&c["name"]),
                value,
                s(&c["function"]),
                c["qualifyingEvents"]
            );
            for e in c["firstEvents"].as_array().into_iter().flatten() {
                let _ = writeln!(out, "    event {} {}:{}", s(&e["timestamp"]), s(&e["batch"]), e["line"]);
            }
        }
    }
    if let Some(auds) = v["audiences"].as_array().filter(|a| !a.is_empty()) {
        let _ = writeln!(out, "\naudiences");
        for a in auds {
            let member = if a["member"].as_bool() == Some(true) { "member" } else { "not a member" };
            let _ = writeln!(out, "  {}: {member}", s(&a["name"]));
            let op = a["operator"].as_str().unwrap_or("and");
            for (i, c) in a["clauses"].as_array().into_iter().flatten().enumerate() {
                let join = if i == 0 { "   " } else { op };
                let _ = writeln!(out, "    {join:>3} {}  → {}", s(&c["clause"]), c["value"]);
            }
        }
    }
    out
}

fn render_graph(out: &mut String, g: &Json) {
    let s = |v: &Json| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    let ids: Vec<String> = g["identities"].as_array().into_iter().flatten().map(s).collect();
    let _ = writeln!(out, "\nidentity graph: {}", ids.join(", "));
    for l in g["links"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  link {} — {}  ({}:{}, {})",
            s(&l["a"]),
            s(&l["b"]),
            s(&l["batch"]),
            l["line"],
            s(&l["time"])
        );
    }
    for l in g["refusedLinks"].as_array().into_iter().flatten() {
        let _ = writeln!(
            out,
            "  refused {} — {}  ({}:{}): {}",
            s(&l["a"]),
            s(&l["b"]),
            s(&l["batch"]),
            l["line"],
            s(&l["reason"])
        );
    }
    for x in g["shed"].as_array().into_iter().flatten() {
        let _ = writeln!(out, "  shed {}: {}", s(&x["identity"]), s(&x["reason"]));
    }
}

/// `dataset batch:line (record time)` of a candidate value.
fn place(v: &Json) -> String {
    let s = |v: &Json| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    format!("{} {}:{} ({})", s(&v["dataset"]), s(&v["batch"]), v["line"], s(&v["recordTime"]))
}
