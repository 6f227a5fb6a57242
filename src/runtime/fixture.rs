//! Hand-built projects for unit tests of ingest and the runtime (no policy files needed).

use crate::diag::FileId;
use crate::policy::*;
use std::path::Path;

fn spanned(s: &str) -> Spanned<String> {
    Spanned { value: s.to_string(), file: FileId(0), span: 0..0 }
}

fn namespace(code: &str, ty: NamespaceType, unique: bool, priority: Option<i64>) -> Namespace {
    Namespace { code: code.into(), ty, unique, priority, normalize: Vec::new(), pattern: None }
}

/// A dataset at `data/<name>` with identity fields `(path, namespace, primary)`.
pub fn dataset(name: &str, class: DatasetClass, upsert: bool, ids: &[(&str, &str, bool)]) -> Dataset {
    Dataset {
        name: spanned(name),
        class,
        path: format!("data/{name}").into(),
        format: None,
        upsert,
        timestamp: match class {
            DatasetClass::Event => "timestamp".into(),
            DatasetClass::Profile => "extSourceSystemAudit.lastUpdatedDate".into(),
        },
        identities: ids
            .iter()
            .map(|(p, n, primary)| IdentityField {
                path: p.to_string(),
                namespace: n.to_string(),
                primary: *primary,
            })
            .collect(),
        schema: Vec::new(),
    }
}

/// A merge policy.
pub fn policy(name: &str, graph: GraphType, merge: MergeType, order: &[&str]) -> MergePolicy {
    MergePolicy {
        name: spanned(name),
        default: true,
        identity_graph: graph,
        merge,
        order: order.iter().map(|s| s.to_string()).collect(),
        is_active_on_edge: false,
        fields: Vec::new(),
        builtin: false,
    }
}

/// A project at `root` with the usual namespaces (ECID cookie, Email, CRMID unique with
/// priority 1) and the given datasets and policies.
pub fn project(root: &Path, datasets: Vec<Dataset>, policies: Vec<MergePolicy>) -> Project {
    let mut email = namespace("Email", NamespaceType::Email, false, Some(5));
    email.normalize = vec![Normalize::Trim, Normalize::Lowercase];
    Project {
        root: root.to_path_buf(),
        name: "test".into(),
        timezone: "UTC".into(),
        identity: IdentitySettings {
            graph_limit: 50,
            namespaces: vec![
                namespace("CRMID", NamespaceType::CrossDevice, true, Some(1)),
                namespace("ECID", NamespaceType::Cookie, false, Some(10)),
                email,
            ],
        },
        datasets,
        merge_policies: policies,
        attributes: Vec::new(),
        audiences: Vec::new(),
        policies: String::new(),
    }
}

/// The manifest entry of a committed batch `id` (size, times and fingerprint made up).
pub fn entry(id: &str) -> crate::store::BatchEntry {
    crate::store::BatchEntry {
        id: id.into(),
        size: 1,
        mtime: 2,
        ingested_at: 3,
        status: "committed".into(),
        fingerprint: "f".into(),
    }
}

/// A fresh temporary folder for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mosaic-unit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// Writes `text` to `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    let _ = std::fs::write(path, text);
}

/// An event of `dataset` keyed by `primary`, at time 0 on line `line` of batch 0, with no
/// fields.
pub fn event(dataset: u32, line: u32, primary: crate::ingest::Ident) -> crate::runtime::prepare::Ev {
    crate::runtime::prepare::Ev {
        dataset,
        batch: 0,
        line,
        seq: 0,
        time: 0,
        primary,
        body: None,
        fields: Vec::new().into(),
        mismatches: 0,
        offset: None,
    }
}
