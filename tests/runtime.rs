//! Runtime cases: every folder `tests/runtime/<case>/` is a small project (`mosaic.yaml`,
//! `policies/`, `data/`) plus `case.yaml` (`asOf:`, optional `policy:`). Each is run through
//! the real binary with `--engine interp` and `--engine jit`; both must give identical output,
//! which is snapshotted: `profiles.jsonl` and the deterministic part of `report.json`.

mod common;

use common::{copy_dir, TempDir};
use std::path::Path;
use std::process::Command;

/// The ingestion time given to batches, so records without a timestamp are deterministic.
const INGEST_TIME: &str = "2026-01-01T00:00:00Z";

/// A `key: value` line of case.yaml (the file is flat on purpose).
fn case_field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.strip_prefix(':')?;
        Some(rest.trim().trim_matches('"').to_string())
    })
}

/// Runs one engine over a fresh copy of the case; returns profiles.jsonl and the report, or
/// the exit code and stderr of a failed run (snapshotted too, so a case that stops failing or
/// starts failing shows up as a snapshot change).
fn run_case(dir: &Path, engine: &str) -> Result<(String, serde_json::Value), serde_json::Value> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let tmp = TempDir(std::env::temp_dir().join(format!("mosaic-rt-{}-{name}-{engine}", std::process::id())));
    let _ = std::fs::remove_dir_all(&tmp.0);
    copy_dir(dir, &tmp.0);
    let case = std::fs::read_to_string(dir.join("case.yaml")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.arg("run").arg(&tmp.0).args(["--engine", engine, "--threads", "2"]);
    cmd.env("MOSAIC_TEST_INGEST_TIME", INGEST_TIME);
    if let Some(as_of) = case_field(&case, "asOf") {
        cmd.args(["--as-of", &as_of]);
    }
    if let Some(policy) = case_field(&case, "policy") {
        cmd.args(["--policy", &policy]);
    }
    let out = cmd.output().unwrap();
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        return Err(serde_json::json!({"exit": out.status.code(), "stderr": stderr}));
    }
    let profiles = std::fs::read_to_string(tmp.0.join("out/profiles.jsonl")).unwrap();
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.0.join("out/report.json")).unwrap()).unwrap();
    if let Some(o) = report.as_object_mut() {
        for key in ["timings", "run", "engine"] {
            o.remove(key);
        }
    }
    Ok((profiles, report))
}

#[test]
fn runtime_cases() {
    insta::glob!("runtime/*/case.yaml", |path| {
        let dir = path.parent().unwrap();
        let interp = run_case(dir, "interp");
        let jit = run_case(dir, "jit");
        assert_eq!(interp, jit, "interp and jit differ in {}", dir.display());
        let value = match interp {
            Ok((profiles, report)) => {
                let profiles: Vec<serde_json::Value> =
                    profiles.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
                serde_json::json!({"profiles": profiles, "report": report})
            }
            Err(failure) => serde_json::json!({"failed": failure}),
        };
        insta::assert_json_snapshot!(value);
    });
}

/// A Parquet dataset types its fields from its files, as JSONL and CSV datasets do: without its
/// `schema:`, the `parquet_dataset` case's rules still type-check and give the same profiles.
#[test]
fn a_parquet_dataset_without_a_schema_is_typed_from_its_rows() {
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/runtime/parquet_dataset");
    let bare = TempDir(std::env::temp_dir().join(format!("mosaic-rt-{}-parquet_bare", std::process::id())));
    let _ = std::fs::remove_dir_all(&bare.0);
    copy_dir(&case, &bare.0);
    let policies = bare.0.join("policies/policies.yaml");
    let text = std::fs::read_to_string(&policies).unwrap();
    let schema = "schema:\n  eventType: string\n  commerce.order.priceTotal: double\n";
    assert!(text.contains(schema), "the case declares the web dataset's schema");
    std::fs::write(&policies, text.replace(schema, "")).unwrap();
    let declared = run_case(&case, "jit").expect("the case runs");
    let inferred = run_case(&bare.0, "jit").expect("the case without a schema runs");
    assert!(declared.0.contains("spend30"), "the attribute has values: {}", declared.0);
    assert_eq!(inferred, declared);
}
