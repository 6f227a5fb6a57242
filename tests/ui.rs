//! UI tests: every file `tests/ui/<case>.yaml` (a policy file) or folder `tests/ui/<case>/` (a whole
//! project) is checked, and the rendered diagnostics are an insta snapshot.
//!
//! A file case is placed as `policies/<case>.yaml` in a fresh project whose `mosaic.yaml` is
//! `kind: Project, name: ui` (unless the case itself holds the `Project` document, see below).
//! A case file whose first line is `# mosaic.yaml` is used as the project's `mosaic.yaml` instead.

mod common;

use common::TempDir;
use std::path::{Path, PathBuf};

fn render_case(path: &Path) -> String {
    let (root, _guard) = project_for(path);
    let fe = mosaic::frontend::compile_project(&root);
    let mut out = mosaic::diag::render_human(&fe.files, &fe.diagnostics);
    if out.is_empty() {
        out.push_str("(no diagnostics)\n");
    }
    out
}

fn project_for(path: &Path) -> (PathBuf, Option<TempDir>) {
    if path.is_dir() {
        return (path.to_path_buf(), None);
    }
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let dir = std::env::temp_dir().join(format!("mosaic-ui-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    if text.starts_with("# mosaic.yaml") {
        std::fs::write(dir.join("mosaic.yaml"), &text).unwrap();
    } else {
        std::fs::write(dir.join("mosaic.yaml"), "kind: Project\nname: ui\n").unwrap();
        std::fs::write(dir.join("policies").join(format!("{name}.yaml")), &text).unwrap();
    }
    (dir.clone(), Some(TempDir(dir)))
}

#[test]
fn ui_files() {
    insta::glob!("ui/*.yaml", |path| {
        insta::assert_snapshot!(render_case(path));
    });
}

#[test]
fn ui_projects() {
    insta::glob!("ui/*/mosaic.yaml", |path| {
        insta::assert_snapshot!(render_case(path.parent().unwrap()));
    });
}
