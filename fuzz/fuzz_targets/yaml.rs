//! Fuzz target: arbitrary bytes as a policy file never make the YAML reader or the whole front
//! end (load, decode, PQL parse, check) panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosaic::diag::Files;
use std::path::PathBuf;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let file = Files::new().add("fuzz.yaml", text);
        let _ = mosaic::policy::yaml::parse(file, text);
    }
    let root = project_dir();
    if std::fs::write(root.join("policies").join("fuzz.yaml"), data).is_ok() {
        let _ = mosaic::frontend::compile_project(&root);
    }
});

/// One project folder per fuzzing process, reused for every input.
fn project_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mosaic-fuzz-yaml-{}", std::process::id()));
    let _ = std::fs::create_dir_all(dir.join("policies"));
    let _ = std::fs::write(dir.join("mosaic.yaml"), "kind: Project\nname: fuzz\n");
    dir
}
