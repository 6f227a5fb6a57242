//! Sampling records of each dataset for schema inference, and the cache of the inferred types.
//!
//! Sampling is best effort: unreadable files and invalid lines are skipped here (ingest reports
//! them properly). JSONL, CSV and Parquet files are sampled alike, as records.
//!
//! Every command compiles the policies, and reading and typing a thousand records per dataset
//! is most of that. So the inferred types are cached in `.mosaic/samples.json` (only once the
//! project has a `.mosaic` folder), keyed by each dataset's folder listing: file names, sizes
//! and modification times. Any change to a dataset's files, folder or format re-samples that
//! dataset; an unreadable or foreign cache is ignored and rewritten.

use crate::check::SampleTypes;
use crate::ir::Type;
use crate::policy::{Dataset, Format, Project};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// The type of the first `max_records` records of each dataset's batch files (files sorted by
/// name), from the cache where the dataset's files have not changed since.
pub fn sample_types(project: &Project, max_records: usize) -> SampleTypes {
    let path = crate::store::state_dir(&project.root).join("samples.json");
    let cached: Cache =
        std::fs::read(&path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let reusable = cached.version == CACHE_VERSION && cached.max_records == max_records;
    let mut fresh = Cache { version: CACHE_VERSION, max_records, datasets: BTreeMap::new() };
    let mut changed = !reusable;
    for ds in &project.datasets {
        let key = listing(&project.root, ds);
        let ty = match cached.datasets.get(&ds.name.value) {
            Some(entry) if reusable && entry.key == key => entry.ty.clone(),
            _ => {
                changed = true;
                let records = sample_dataset(ds, &key, max_records);
                crate::check::schema::infer_records(&records)
            }
        };
        fresh.datasets.insert(ds.name.value.clone(), Entry { key, ty });
    }
    changed |= cached.datasets.len() != fresh.datasets.len();
    // Best effort: a project without a store (or a read-only one) is sampled every time.
    if changed && path.parent().is_some_and(Path::is_dir) {
        if let Ok(bytes) = serde_json::to_vec(&fresh) {
            let _ = crate::output::write_atomic(&path, &bytes);
        }
    }
    fresh.datasets.into_iter().map(|(name, entry)| (name, entry.ty)).collect()
}

/// Bumped whenever sampling or inference changes what it produces.
/// 2: Parquet files are sampled, a byte order mark opening a JSONL file is skipped, and CSV
/// cells are typed as ingest types them (`ingest::csv::sample`).
/// 3: a file holding one JSON array is sampled by its elements (`ingest::array`).
const CACHE_VERSION: u32 = 3;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Cache {
    version: u32,
    max_records: usize,
    datasets: BTreeMap<String, Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    key: Listing,
    ty: Type,
}

/// What sampling a dataset depends on: its folder, declared format, how its CSV cells are read
/// (declared types, the time and identity columns kept as text: `ingest::csv`), and the name,
/// size and modification time (ns) of each file in it, sorted by name.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Listing {
    folder: PathBuf,
    format: Option<String>,
    #[serde(default)]
    cells: String,
    files: Vec<(PathBuf, u64, i128)>,
}

/// The dataset's batch files as ingest lists them (none when the folder cannot be read).
fn listing(root: &Path, ds: &Dataset) -> Listing {
    let batches = super::dataset_batches(root, ds).unwrap_or_default();
    let mut files: Vec<(PathBuf, u64, i128)> = batches
        .into_iter()
        .filter_map(|b| Some((PathBuf::from(b.path.file_name()?), b.size, b.mtime)))
        .collect();
    files.sort();
    let identities: Vec<&str> = ds.identities.iter().map(|f| f.path.as_str()).collect();
    let cells = format!("{:?}|{identities:?}|{:?}", ds.timestamp, ds.schema);
    Listing { folder: root.join(&ds.path), format: ds.format.map(|f| format!("{f:?}")), cells, files }
}

/// The first `max` records of the files in `listing` (a listing of `ds`'s folder).
fn sample_dataset(ds: &Dataset, listing: &Listing, max: usize) -> Vec<Value> {
    let files = listing.files.iter().map(|(name, _, _)| listing.folder.join(name));
    let mut out = Vec::new();
    for file in files {
        if out.len() >= max {
            break;
        }
        let format = super::format_of(ds, &file);
        let room = max - out.len();
        // Files are streamed: only the first records are read, however large the batch.
        let Ok(reader) = std::fs::File::open(&file).map(std::io::BufReader::new) else { continue };
        match format {
            Some(Format::Jsonl) => match super::array::with_elements(&file, |all| array_records(all, room)) {
                Ok(Some(records)) => out.extend(records),
                _ => out.extend(jsonl_records(reader, room)),
            },
            Some(Format::Csv) => out.extend(super::csv::sample(ds, reader, room)),
            // Rows as ingest reads them (a null cell is a null member, which types nothing).
            Some(Format::Parquet) => {
                out.extend(super::parquet::read_rows(&file, room).into_iter().map(Value::Object));
            }
            None => {}
        }
    }
    out
}

/// The valid objects among an array file's elements, at most `max`.
fn array_records(elements: &[super::array::Element<'_>], max: usize) -> Vec<Value> {
    let valid = elements.iter().filter(|e| e.broken.is_none());
    let values = valid.filter_map(|e| serde_json::from_slice::<Value>(e.text).ok());
    values.filter(Value::is_object).take(max).collect()
}

/// JSON objects of the non-empty, valid lines.
pub fn jsonl_records(reader: impl BufRead, max: usize) -> Vec<Value> {
    // Bytes, not lines of text: a line that is not UTF-8 is skipped like any invalid line.
    reader
        .split(b'\n')
        .map_while(Result::ok)
        .enumerate()
        .filter_map(|(i, l)| {
            let l = if i == 0 { l.strip_prefix(super::BOM).unwrap_or(&l) } else { &l };
            serde_json::from_slice::<Value>(l).ok()
        })
        .filter(Value::is_object)
        .take(max)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_headers_nest_and_cells_are_typed() {
        let project = project_at(Path::new("."), &["web"]);
        let rows = super::super::csv::sample(
            &project.datasets[0],
            "a.b,a.c,d,e\n1,2.5,true,x\n,,false,\n".as_bytes(),
            10,
        );
        assert_eq!(rows[0], serde_json::json!({"a": {"b": 1, "c": 2.5}, "d": true, "e": "x"}));
        assert_eq!(rows[1], serde_json::json!({"d": false}));
    }

    fn temp_root(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("mosaic-sample-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        root
    }

    /// A project at `root` with an event dataset in `data/<name>` for each name.
    fn project_at(root: &Path, names: &[&str]) -> Project {
        use crate::diag::FileId;
        use crate::policy::{DatasetClass, IdentitySettings, Spanned};
        let ds = |name: &&str| Dataset {
            name: Spanned { value: name.to_string(), file: FileId(0), span: 0..0 },
            class: DatasetClass::Event,
            path: format!("data/{name}").into(),
            format: None,
            upsert: false,
            timestamp: "timestamp".to_string(),
            identities: Vec::new(),
            schema: Vec::new(),
        };
        Project {
            root: root.to_path_buf(),
            name: "t".to_string(),
            timezone: "UTC".to_string(),
            identity: IdentitySettings { graph_limit: 50, namespaces: Vec::new() },
            datasets: names.iter().map(ds).collect(),
            merge_policies: Vec::new(),
            attributes: Vec::new(),
            audiences: Vec::new(),
            policies: String::new(),
        }
    }

    #[test]
    fn samples_each_dataset_folder_in_file_order() {
        let root = temp_root("order");
        std::fs::create_dir_all(root.join("data/web")).unwrap();
        std::fs::write(root.join("data/web/b.jsonl"), "{\"n\": 3}\n").unwrap();
        std::fs::write(root.join("data/web/a.csv"), "n,x.y\n1,a\n2,b\n").unwrap();
        let project = project_at(&root, &["web", "missing"]);
        let sample = |ds: &Dataset| sample_dataset(ds, &listing(&root, ds), 2);
        let (web, missing) = (sample(&project.datasets[0]), sample(&project.datasets[1]));
        let _ = std::fs::remove_dir_all(&root);
        let expected =
            vec![serde_json::json!({"n": 1, "x": {"y": "a"}}), serde_json::json!({"n": 2, "x": {"y": "b"}})];
        assert_eq!(web, expected);
        assert!(missing.is_empty());
    }

    #[test]
    fn an_array_file_is_sampled_by_its_elements() {
        let root = temp_root("array");
        std::fs::create_dir_all(root.join("data/web")).unwrap();
        std::fs::write(root.join("data/web/a.json"), "[\n  {\"n\": 1},\n  2,\n  {\"n\": 3}\n]\n").unwrap();
        let project = project_at(&root, &["web"]);
        let ds = &project.datasets[0];
        let rows = sample_dataset(ds, &listing(&root, ds), 10);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(rows, vec![serde_json::json!({"n": 1}), serde_json::json!({"n": 3})]);
    }

    #[test]
    fn a_changed_declaration_samples_a_csv_dataset_again() {
        use crate::policy::SchemaType;
        let root = temp_root("declared");
        std::fs::create_dir_all(root.join("data/web")).unwrap();
        std::fs::create_dir_all(root.join(".mosaic")).unwrap();
        std::fs::write(root.join("data/web/a.csv"), "code,timestamp\n007,2026-10-01T00:00:00Z\n").unwrap();
        let mut project = project_at(&root, &["web"]);
        project.datasets[0].schema = vec![("code".to_string(), SchemaType::String)];
        let code = |project: &Project| {
            let types = sample_types(project, 10);
            match &types["web"] {
                Type::Object(fields) => fields.get("code").cloned(),
                _ => None,
            }
        };
        assert_eq!(code(&project), Some(Type::String), "declared text: read as text");
        // Undeclared, the cells are read as ingest reads them now: `007` is a number.
        project.datasets[0].schema.clear();
        let undeclared = code(&project);
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(undeclared, Some(Type::Int));
    }

    #[test]
    fn inferred_types_are_cached_until_a_dataset_file_changes() {
        let root = temp_root("cache");
        let file = root.join("data/web/a.jsonl");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, "{\"n\": 1}\n").unwrap();
        let project = project_at(&root, &["web", "missing"]);
        let cache = root.join(".mosaic/samples.json");
        let typed = |project: &Project| sample_types(project, 10)["web"].to_string();

        // Without a store folder nothing is written.
        assert_eq!(typed(&project), "{n: int}");
        assert!(!cache.exists());
        std::fs::create_dir_all(root.join(".mosaic")).unwrap();
        assert_eq!(typed(&project), "{n: int}");
        assert!(cache.exists());

        // The cache answers while the files are unchanged: a type planted in it comes back.
        let mut planted: serde_json::Value = serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
        planted["datasets"]["web"]["ty"] = serde_json::to_value(Type::Bool).unwrap();
        std::fs::write(&cache, serde_json::to_vec(&planted).unwrap()).unwrap();
        assert_eq!(typed(&project), "bool");

        // A changed file is sampled again, and so is every dataset after a corrupt cache.
        std::fs::write(&file, "{\"n\": \"one\"}\n").unwrap();
        assert_eq!(typed(&project), "{n: string}");
        std::fs::write(&cache, "not json").unwrap();
        assert_eq!(typed(&project), "{n: string}");
        let rewritten: Result<Cache, _> = serde_json::from_slice(&std::fs::read(&cache).unwrap());
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(rewritten.map(|c| c.datasets.len()).ok(), Some(2));
    }

    #[test]
    fn jsonl_skips_invalid_lines_and_stops_at_max() {
        let rows = jsonl_records("{\"a\":1}\nnot json\n\n{\"a\":2}\n{\"a\":3}\n".as_bytes(), 2);
        assert_eq!(rows, vec![serde_json::json!({"a": 1}), serde_json::json!({"a": 2})]);
    }
}
