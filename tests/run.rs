//! Expression semantics cases: every `tests/run/<case>.yaml` is compiled through the real front
//! end (a temporary project on disk) and run by both engines, whose results must equal the
//! case's `expected:` value exactly (kinds included: an int is not a double).
//!
//! A case holds `expr:` (an audience expression: `expected` is true or false) or `attribute:` (a
//! computed-attribute expression, optional `duration: {count, unit}`), plus optional `asOf:`
//! (default 2026-03-15T12:00:00Z), `timezone:` (default UTC), `profile:` (the merged entity),
//! `events:` (objects; a top-level `timestamp` string is the event time) and `schema:`
//! (`{events: {path: type}, crm: {path: type}}`). Values may be written
//! `{"$ts": "<RFC 3339>"}`, `{"$date": "YYYY-MM-DD"}` or `{"$double": "NaN"|"inf"|"-inf"}`; such
//! timestamp and date leaves are declared in the datasets' schemas automatically.

use mosaic::engine::{self, EngineKind, EvalContext};
use mosaic::intern::Interner;
use mosaic::value::{Map, Value};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
mod common;

use common::TempDir;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[path = "run/yaml.rs"]
mod yaml;

const DEFAULT_AS_OF: &str = "2026-03-15T12:00:00Z";

/// One parsed case file.
struct Case {
    name: String,
    doc: Json,
}

impl Case {
    fn str(&self, key: &str) -> Option<&str> {
        self.doc.get(key).and_then(Json::as_str)
    }
}

/// Case JSON → runtime value: `$ts`, `$date`, `$double` objects decoded; with `event_time`, a
/// top-level `timestamp` string is a timestamp too.
fn to_value(j: &Json, event_time: bool) -> Result<Value, String> {
    Ok(match j {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64().ok_or("bad number")?),
        },
        Json::String(s) => Value::string(s),
        Json::Array(a) => Value::array(a.iter().map(|x| to_value(x, false)).collect::<Result<_, _>>()?),
        Json::Object(o) => {
            if let Some(v) = special(o)? {
                return Ok(v);
            }
            let mut map = Map::new();
            for (k, v) in o {
                let v = match (event_time && k == "timestamp", v) {
                    (true, Json::String(s)) => Value::Timestamp(parse_ts(s)?),
                    _ => to_value(v, false)?,
                };
                map.insert(k.clone(), v);
            }
            Value::object(map)
        }
    })
}

fn special(o: &serde_json::Map<String, Json>) -> Result<Option<Value>, String> {
    if o.len() != 1 {
        return Ok(None);
    }
    let (k, v) = o.iter().next().ok_or("empty")?;
    let s = v.as_str().unwrap_or_default();
    Ok(Some(match k.as_str() {
        "$ts" => Value::Timestamp(parse_ts(s)?),
        "$date" => Value::Date(parse_date(s)?),
        "$double" => Value::Double(s.parse::<f64>().map_err(|e| format!("{s}: {e}"))?),
        _ => return Ok(None),
    }))
}

fn parse_ts(s: &str) -> Result<i64, String> {
    s.parse::<jiff::Timestamp>().map(|t| t.as_microsecond()).map_err(|e| format!("{s}: {e}"))
}

fn parse_date(s: &str) -> Result<i32, String> {
    let d: jiff::civil::Date = s.parse().map_err(|e| format!("{s}: {e}"))?;
    let days = d.since(jiff::civil::date(1970, 1, 1)).map_err(|e| e.to_string())?.get_days();
    Ok(days)
}

/// Case JSON → a data-file record (special encodings as plain JSON strings, NaN/inf left out),
/// collecting the dotted paths of timestamp and date leaves.
fn to_record(j: &Json, prefix: &str, types: &mut BTreeMap<String, String>) -> Json {
    let Json::Object(o) = j else {
        return j.clone();
    };
    if o.len() == 1 {
        if let Some((k, v)) = o.iter().next() {
            match k.as_str() {
                "$ts" | "$date" => {
                    types.insert(
                        prefix.to_string(),
                        if k == "$ts" { "timestamp" } else { "date" }.to_string(),
                    );
                    return v.clone();
                }
                "$double" => return Json::Null,
                _ => {}
            }
        }
    }
    let mut out = serde_json::Map::new();
    for (k, v) in o {
        let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        out.insert(k.clone(), to_record(v, &path, types));
    }
    Json::Object(out)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

fn schema_yaml(types: &BTreeMap<String, String>) -> String {
    if types.is_empty() {
        return "schema: {}\n".into();
    }
    let mut s = "schema:\n".to_string();
    for (path, ty) in types {
        s.push_str(&format!("  {path}: {ty}\n"));
    }
    s
}

/// Writes the case as a project: two datasets (`crm`, `events`) with the case's data as their
/// one batch, and one audience or computed attribute named `a`.
fn write_project(case: &Case) -> Result<TempDir, String> {
    let dir = std::env::temp_dir().join(format!("mosaic-run-{}-{}", std::process::id(), case.name));
    let _ = std::fs::remove_dir_all(&dir);
    let tmp = TempDir(dir.clone());
    let w = |rel: &str, text: String| -> Result<(), String> {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().ok_or("no parent")?).map_err(|e| e.to_string())?;
        std::fs::write(&p, text).map_err(|e| e.to_string())
    };
    let tz = case.str("timezone").unwrap_or("UTC");
    w("mosaic.yaml", format!("kind: Project\nname: run\ntimezone: {tz}\n"))?;
    let mut types: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    let ident = json!({"CRMID": [{"id": "c-1", "primary": true}]});
    let mut crm =
        to_record(case.doc.get("profile").unwrap_or(&json!({})), "", types.entry("crm").or_default());
    if let Json::Object(o) = &mut crm {
        o.insert("identityMap".into(), ident.clone());
    }
    w("data/crm/b1.jsonl", format!("{crm}\n"))?;
    let mut lines = String::new();
    for (i, e) in case.doc.get("events").and_then(Json::as_array).into_iter().flatten().enumerate() {
        let mut rec = to_record(e, "", types.entry("events").or_default());
        if let Json::Object(o) = &mut rec {
            o.insert("_id".into(), json!(format!("e-{i}")));
            o.insert("identityMap".into(), ident.clone());
        }
        lines.push_str(&format!("{rec}\n"));
    }
    w("data/events/b1.jsonl", lines)?;
    for ds in ["events", "crm"] {
        let declared = case.doc.get("schema").and_then(|s| s.get(ds)).and_then(Json::as_object);
        let t = types.entry(ds).or_default();
        t.remove("timestamp");
        for (k, v) in declared.into_iter().flatten() {
            t.insert(k.clone(), v.as_str().unwrap_or("string").to_string());
        }
    }
    let datasets = format!(
        "kind: Dataset\nname: crm\nclass: profile\npath: data/crm\nformat: jsonl\n{}---\n\
         kind: Dataset\nname: events\nclass: event\npath: data/events\nformat: jsonl\n{}",
        schema_yaml(&types["crm"]),
        schema_yaml(&types["events"]),
    );
    w("policies/datasets.yaml", datasets)?;
    let rule = if let Some(expr) = case.str("expr") {
        format!("kind: Audience\nname: a\nexpression: |-\n{}", indent(expr))
    } else if let Some(expr) = case.str("attribute") {
        let duration = match case.doc.get("duration") {
            Some(d) => format!("duration: {d}\n"),
            None => String::new(),
        };
        format!("kind: ComputedAttribute\nname: a\n{duration}expression: |-\n{}", indent(expr))
    } else {
        return Err("a case needs `expr:` or `attribute:`".into());
    };
    w("policies/rule.yaml", rule)?;
    Ok(tmp)
}

/// Runs one case through both engines; `Err` describes the first difference.
fn run_case(case: &Case) -> Result<(), String> {
    let project = write_project(case)?;
    let fe = mosaic::frontend::compile_project(&project.0);
    let Some(program) = fe.program.as_ref().filter(|_| !fe.has_errors()) else {
        return Err(format!("front end failed:\n{}", mosaic::diag::render_human(&fe.files, &fe.diagnostics)));
    };
    let interner = Arc::new(Interner::new());
    let as_of = parse_ts(case.str("asOf").unwrap_or(DEFAULT_AS_OF))?;
    let tz = jiff::tz::TimeZone::get(case.str("timezone").unwrap_or("UTC")).map_err(|e| e.to_string())?;
    let ctx = EvalContext { as_of, tz, interner: interner.clone() };
    let profile = to_value(case.doc.get("profile").unwrap_or(&json!({})), false)?;
    let events: Vec<Value> = case
        .doc
        .get("events")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|e| to_value(e, true))
        .collect::<Result<_, _>>()?;
    let columns = engine::columns_from_events(program, &events, &interner);
    let expected = to_value(case.doc.get("expected").ok_or("no `expected:`")?, false)?;
    for kind in [EngineKind::Interp, EngineKind::Jit] {
        let compiled = engine::compile(program, kind, &interner);
        let got = if case.doc.get("expr").is_some() {
            let mut out = Vec::new();
            compiled.audiences(&profile, &columns, 0..columns.len(), &ctx, &mut out);
            out.first().map_or(Value::Null, |b| Value::Bool(*b))
        } else {
            let mut out = Vec::new();
            compiled.attributes(&profile, &columns, 0..columns.len(), &ctx, &mut out);
            out.first().cloned().unwrap_or_default()
        };
        if format!("{got:?}") != format!("{expected:?}") {
            return Err(format!("{kind:?}: got {got:?}, expected {expected:?}"));
        }
    }
    Ok(())
}

fn load(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    if !text.starts_with('#') {
        return Err("a case starts with a `# what it checks` comment".into());
    }
    let doc = yaml::parse(&text)?;
    let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    Ok(Case { name, doc })
}

#[test]
fn run_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/run");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/run exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 150, "expected at least 150 cases, found {}", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        if let Err(e) = load(path).and_then(|case| run_case(&case)) {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}
