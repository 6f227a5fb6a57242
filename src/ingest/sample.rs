//! Sampling records of each dataset for schema inference.
//!
//! Sampling is best effort: unreadable files and invalid lines are skipped here (ingest reports
//! them properly); Parquet files are not sampled yet.

use crate::check::Samples;
use crate::policy::{Dataset, Format, Project};
use serde_json::{Map, Value};
use std::io::{BufRead, Read};
use std::path::Path;

/// Reads the first `max_records` records of each dataset's batch files (files sorted by name).
pub fn sample_project(project: &Project, max_records: usize) -> Samples {
    project
        .datasets
        .iter()
        .map(|d| (d.name.value.clone(), sample_dataset(&project.root, d, max_records)))
        .collect()
}

fn sample_dataset(root: &Path, ds: &Dataset, max: usize) -> Vec<Value> {
    let Ok(entries) = std::fs::read_dir(root.join(&ds.path)) else { return Vec::new() };
    let mut files: Vec<_> =
        entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        if out.len() >= max {
            break;
        }
        let format = ds.format.or_else(|| format_of(&file));
        let room = max - out.len();
        // Files are streamed: only the first records are read, however large the batch.
        let Ok(reader) = std::fs::File::open(&file).map(std::io::BufReader::new) else { continue };
        match format {
            Some(Format::Jsonl) => out.extend(jsonl_records(reader, room)),
            Some(Format::Csv) => out.extend(csv_records(reader, room)),
            Some(Format::Parquet) | None => {}
        }
    }
    out
}

fn format_of(file: &Path) -> Option<Format> {
    match file.extension()?.to_str()? {
        "jsonl" | "json" | "ndjson" => Some(Format::Jsonl),
        "csv" => Some(Format::Csv),
        "parquet" => Some(Format::Parquet),
        _ => None,
    }
}

/// JSON objects of the non-empty, valid lines.
pub fn jsonl_records(reader: impl BufRead, max: usize) -> Vec<Value> {
    // Bytes, not lines of text: a line that is not UTF-8 is skipped like any invalid line.
    reader
        .split(b'\n')
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_slice::<Value>(&l).ok())
        .filter(Value::is_object)
        .take(max)
        .collect()
}

/// CSV rows as objects: dotted headers make nested objects; cells are typed as int, double,
/// bool or string, and an empty cell is absent.
pub fn csv_records(input: impl Read, max: usize) -> Vec<Value> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let Ok(headers) = reader.headers().cloned() else { return Vec::new() };
    let mut out = Vec::new();
    for row in reader.records().filter_map(Result::ok).take(max) {
        let mut record = Map::new();
        for (header, cell) in headers.iter().zip(row.iter()) {
            if cell.is_empty() {
                continue;
            }
            let segs: Vec<&str> = header.split('.').collect();
            insert(&mut record, &segs, cell_value(cell));
        }
        out.push(Value::Object(record));
    }
    out
}

fn insert(map: &mut Map<String, Value>, segs: &[&str], v: Value) {
    match segs {
        [] => {}
        [last] => {
            map.insert((*last).to_string(), v);
        }
        [first, rest @ ..] => {
            let slot = map.entry((*first).to_string()).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert(inner, rest, v);
            }
        }
    }
}

fn cell_value(cell: &str) -> Value {
    if let Ok(i) = cell.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(d) = cell.parse::<f64>() {
        if d.is_finite() {
            return Value::from(d);
        }
    }
    match cell {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(cell.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_headers_nest_and_cells_are_typed() {
        let rows = csv_records("a.b,a.c,d,e\n1,2.5,true,x\n,,false,\n".as_bytes(), 10);
        assert_eq!(rows[0], serde_json::json!({"a": {"b": 1, "c": 2.5}, "d": true, "e": "x"}));
        assert_eq!(rows[1], serde_json::json!({"d": false}));
    }

    #[test]
    fn samples_each_dataset_folder_in_file_order() {
        use crate::diag::FileId;
        use crate::policy::{DatasetClass, IdentitySettings, Spanned};
        let root = std::env::temp_dir().join(format!("mosaic-sample-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("data/web")).unwrap();
        std::fs::write(root.join("data/web/b.jsonl"), "{\"n\": 3}\n").unwrap();
        std::fs::write(root.join("data/web/a.csv"), "n,x.y\n1,a\n2,b\n").unwrap();
        let ds = |name: &str| Dataset {
            name: Spanned { value: name.to_string(), file: FileId(0), span: 0..0 },
            class: DatasetClass::Event,
            path: format!("data/{name}").into(),
            format: None,
            upsert: false,
            timestamp: "timestamp".to_string(),
            identities: Vec::new(),
            schema: Vec::new(),
        };
        let project = Project {
            root: root.clone(),
            name: "t".to_string(),
            timezone: "UTC".to_string(),
            identity: IdentitySettings { graph_limit: 50, namespaces: Vec::new() },
            datasets: vec![ds("web"), ds("missing")],
            merge_policies: Vec::new(),
            attributes: Vec::new(),
            audiences: Vec::new(),
        };
        let samples = sample_project(&project, 2);
        let _ = std::fs::remove_dir_all(&root);
        let expected =
            vec![serde_json::json!({"n": 1, "x": {"y": "a"}}), serde_json::json!({"n": 2, "x": {"y": "b"}})];
        assert_eq!(samples["web"], expected);
        assert!(samples["missing"].is_empty());
    }

    #[test]
    fn jsonl_skips_invalid_lines_and_stops_at_max() {
        let rows = jsonl_records("{\"a\":1}\nnot json\n\n{\"a\":2}\n{\"a\":3}\n".as_bytes(), 2);
        assert_eq!(rows, vec![serde_json::json!({"a": 1}), serde_json::json!({"a": 2})]);
    }
}
