//! Loading a project folder: finds the policy files, parses and decodes every document.

use super::assemble::assemble;
use super::decode::{decode_document, Located};
use super::fields::Cx;
use super::model::Project;
use super::{stdlib, yaml};
use crate::diag::{Code, Diagnostic, FileId, Files};
use std::path::{Path, PathBuf};

/// Loads the policies of the project at `root` over the standard library. The project is
/// returned whenever it has a Project document, even with errors elsewhere: callers decide by
/// the diagnostics whether to go on.
pub fn load_project(root: &Path) -> (Files, Option<Project>, Vec<Diagnostic>) {
    let mut files = Files::new();
    let mut diags = Vec::new();
    let builtin: Vec<Located> =
        stdlib::FILES.iter().flat_map(|(name, text)| load_text(&mut files, &mut diags, name, text)).collect();
    if !root.is_dir() {
        diags.push(Diagnostic::new(Code::Io, format!("`{}` is not a project folder", root.display())));
        return (files, None, diags);
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut docs = Vec::new();
    let manifest = root.join("mosaic.yaml");
    let mut manifest_file = None;
    match std::fs::read_to_string(&manifest) {
        Ok(text) => {
            docs.extend(load_text(&mut files, &mut diags, "mosaic.yaml", &text));
            manifest_file = files.iter().last().map(|(id, _)| id);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => diags.push(Diagnostic::new(Code::Io, format!("cannot read `mosaic.yaml`: {e}"))),
    }
    for rel in policy_files(&root, &mut diags) {
        let name = rel.iter().map(|c| c.to_string_lossy()).collect::<Vec<_>>().join("/");
        match std::fs::read_to_string(root.join(&rel)) {
            Ok(text) => docs.extend(load_text(&mut files, &mut diags, &name, &text)),
            Err(e) => diags.push(Diagnostic::new(Code::Io, format!("cannot read `{name}`: {e}"))),
        }
    }
    let project = assemble(&root, builtin, docs, manifest_file, &files, &mut diags);
    (files, project, diags)
}

/// Registers one file and decodes its documents.
fn load_text(files: &mut Files, diags: &mut Vec<Diagnostic>, name: &str, text: &str) -> Vec<Located> {
    let file = files.add(name, text);
    decode_file(file, text, diags)
}

/// Parses and decodes every document of one file.
pub fn decode_file(file: FileId, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Located> {
    let (nodes, mut parse_diags) = yaml::parse(file, text);
    diags.append(&mut parse_diags);
    let mut cx = Cx { file, text, diags };
    // A top-level list of mappings is a list of documents: the only way a JSON file holds several.
    let docs = nodes.iter().flat_map(|n| match &n.kind {
        yaml::Kind::Sequence(items)
            if !items.is_empty() && items.iter().all(|i| i.as_mapping().is_some()) =>
        {
            items.iter().collect()
        }
        _ => vec![n],
    });
    docs.filter_map(|n| decode_document(&mut cx, n)).collect()
}

/// Every `*.yaml`, `*.yml` and `*.json` below `policies/`, relative to the root, sorted by path.
fn policy_files(root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let dir = root.join("policies");
    if dir.is_dir() {
        walk(&dir, Path::new("policies"), &mut out, diags);
    }
    out.sort();
    out
}

fn walk(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::new(Code::Io, format!("cannot read folder `{}`: {e}", rel.display())));
            return;
        }
    };
    for entry in entries.flatten() {
        // Hidden files and folders (`.git`, editors' `.#draft.yaml`) are not policies.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let rel = rel.join(entry.file_name());
        if path.is_dir() {
            walk(&path, &rel, out, diags);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")) {
            out.push(rel);
        }
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
