//! Helpers shared by the integration tests: temporary folders and copies of fixture projects.
#![allow(dead_code)] // each test binary uses a part of it

use std::path::{Path, PathBuf};

/// A temporary folder, removed on drop.
pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the fixture project `tests/ops/<fixture>`, named after the test.
pub fn ops_fixture(fixture: &str, test: &str) -> TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ops").join(fixture);
    let dir = std::env::temp_dir().join(format!("mosaic-ops-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&src, &dir);
    TempDir(dir)
}

/// Runs `mosaic <args> <project>` from the project folder (so relative `--out` paths land in
/// it), with a fixed ingestion time; returns (exit code, stdout, stderr), the project's path
/// shown as `[PROJECT]`.
pub fn mosaic(project: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .args(args)
        .arg(project)
        .current_dir(project)
        .env("MOSAIC_TEST_INGEST_TIME", "2026-10-31T00:00:00Z")
        .output()
        .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&project.display().to_string(), "[PROJECT]");
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}
