//! IR listing tests: every `tests/ir/<case>.yaml` is a policy file (datasets with declared schemas,
//! computed attributes, audiences) placed in a fresh project; the snapshot is the checked
//! program's listing, followed by any diagnostics.

use std::path::{Path, PathBuf};

/// A temporary project folder, removed on drop.
struct TempProject(PathBuf);

impl Drop for TempProject {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn listing(case: &Path) -> String {
    let name = case.file_stem().unwrap().to_string_lossy().to_string();
    let dir = std::env::temp_dir().join(format!("mosaic-ir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let _guard = TempProject(dir.clone());
    std::fs::write(dir.join("mosaic.yaml"), "kind: Project\nname: ir\n").unwrap();
    std::fs::copy(case, dir.join("policies").join(format!("{name}.yaml"))).unwrap();
    let fe = mosaic::frontend::compile_project(&dir);
    let mut out = match &fe.program {
        Some(program) => program.to_string(),
        None => "(no program)\n".to_string(),
    };
    // Missing data folders (W0004) are expected here: the cases have no data.
    let shown: Vec<_> = fe.diagnostics.iter().filter(|d| d.code.as_str() != "W0004").cloned().collect();
    let diags = mosaic::diag::render_human(&fe.files, &shown);
    if !diags.is_empty() {
        out.push_str("\ndiagnostics\n");
        out.push_str(&diags);
    }
    out
}

#[test]
fn ir_listings() {
    insta::glob!("ir/*.yaml", |path| {
        insta::assert_snapshot!(listing(path));
    });
}
