//! `mosaic check` and `mosaic explain-code` through the real binary: exit codes and output.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary project folder, removed on drop.
struct Project(PathBuf);

impl Project {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!("mosaic-cli-check-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (rel, text) in files {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        std::fs::create_dir_all(&dir).unwrap();
        Project(dir)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mosaic(args: &[&str], cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mosaic"));
    cmd.args(args);
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.output().expect("run mosaic")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

const MANIFEST: (&str, &str) = ("mosaic.yaml", "kind: Project\nname: shop\n");
const DATASET: (&str, &str) =
    ("policies/datasets.yaml", "kind: Dataset\nname: crm\nclass: profile\npath: .\n");

#[test]
fn clean_project_exits_0_with_summary() {
    let p = Project::new("clean", &[MANIFEST, DATASET]);
    let o = mosaic(&["check", p.0.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(stdout(&o), "checked 2 policy files: 0 errors, 0 warnings\n");
}

#[test]
fn project_defaults_to_the_current_folder() {
    let p = Project::new("cwd", &[MANIFEST, DATASET]);
    let o = mosaic(&["check"], Some(&p.0));
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("checked 2 policy files"));
}

#[test]
fn warnings_do_not_fail() {
    let p = Project::new(
        "warn",
        &[MANIFEST, ("policies/d.yaml", "kind: Dataset\nname: crm\nclass: profile\npath: data/crm\n")],
    );
    let o = mosaic(&["check", p.0.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("warning[W0004]: dataset folder `data/crm` does not exist"), "{out}");
    assert!(out.contains("policies/d.yaml:4:7"), "{out}");
    assert!(out.ends_with("checked 2 policy files: 0 errors, 1 warning\n"), "{out}");
}

#[test]
fn errors_in_several_files_all_reported_and_exit_1() {
    let p = Project::new(
        "errors",
        &[
            MANIFEST,
            ("policies/a.yaml", "kind: Dataset\nname: crm\nclass: events\npath: .\n"),
            ("policies/b/c.yml", "kind: Audience\nname: vip\nexpresion: 'true'\n"),
        ],
    );
    let o = mosaic(&["check", p.0.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("error[E0008]"), "{out}");
    assert!(out.contains("policies/a.yaml:3:8"), "{out}");
    assert!(out.contains("error[E0005]"), "{out}");
    assert!(out.contains("policies/b/c.yml:3:1"), "{out}");
    assert!(out.ends_with("checked 3 policy files: 3 errors, 0 warnings\n"), "{out}");
}

#[test]
fn json_format_prints_one_object_per_line() {
    let p = Project::new(
        "json",
        &[MANIFEST, ("policies/a.yaml", "kind: Dataset\nname: crm\nclass: events\npath: .\n")],
    );
    let o = mosaic(&["check", p.0.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> =
        stdout(&o).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["code"], "E0008");
    assert_eq!(lines[0]["severity"], "error");
    assert_eq!(lines[0]["primary"]["file"], "policies/a.yaml");
    assert_eq!(lines[0]["primary"]["line"], 3);
    assert_eq!(lines[0]["primary"]["column"], 8);
    assert_eq!(lines[1]["summary"]["errors"], 1);
    assert_eq!(lines[1]["summary"]["files"], 2);
}

#[test]
fn missing_manifest_is_e0010() {
    let p = Project::new("nomanifest", &[DATASET]);
    let o = mosaic(&["check", p.0.to_str().unwrap()], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[E0010]: no Project document"), "{}", stdout(&o));
}

#[test]
fn missing_folder_is_e0002() {
    let o = mosaic(&["check", "/nonexistent/mosaic-project"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[E0002]"));
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(mosaic(&["check", "--format", "xml"], None).status.code(), Some(2));
    assert_eq!(mosaic(&["check", "--no-such-flag"], None).status.code(), Some(2));
    assert_eq!(mosaic(&["no-such-command"], None).status.code(), Some(2));
}

#[test]
fn explain_code_prints_the_explanation() {
    let o = mosaic(&["explain-code", "e0102"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("E0102: `dataSetPrecedence` without `order`"), "{out}");
    let list = stdout(&mosaic(&["explain-code"], None));
    assert!(list.lines().any(|l| l.starts_with("E0001")) && list.lines().any(|l| l.starts_with("W0004")));
    assert_eq!(mosaic(&["explain-code", "E9999"], None).status.code(), Some(2));
}

/// A folder inside a dataset's folder is not read, and `check` says so at the dataset's `path`
/// (W0007); hidden folders and, for a dataset at the project's root, the project's own
/// folders are not mentioned.
#[test]
fn a_folder_inside_a_dataset_folder_is_a_warning() {
    let dataset = ("policies/datasets.yaml", "kind: Dataset\nname: web\nclass: profile\npath: data/web\n");
    let p = Project::new(
        "nested",
        &[
            MANIFEST,
            dataset,
            ("data/web/a.jsonl", ""),
            ("data/web/2026-10/b.jsonl", ""),
            ("data/web/.cache/c.jsonl", ""),
        ],
    );
    let o = mosaic(&["check", p.0.to_str().unwrap()], None);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("warning[W0007]: the files in `data/web/2026-10` are not read"), "{out}");
    assert!(out.contains("path: data/web"), "{out}");
    assert!(!out.contains(".cache"), "{out}");
    assert!(out.ends_with("checked 2 policy files: 0 errors, 1 warning\n"), "{out}");

    let root =
        Project::new("root-dataset", &[MANIFEST, DATASET, ("tests/case.yaml", ""), ("out/report.json", "")]);
    let o = mosaic(&["check", root.0.to_str().unwrap()], None);
    assert_eq!(
        stdout(&o),
        "checked 2 policy files: 0 errors, 0 warnings\n",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
