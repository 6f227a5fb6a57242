//! The built-in standard library loads cleanly and provides what projects rely on.

use mosaic::policy::{GraphType, MergeType, NamespaceType};
use std::path::PathBuf;

/// A fresh project holding only `mosaic.yaml`, removed on drop.
struct Project(PathBuf);

impl Project {
    fn new(name: &str, manifest: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("mosaic-stdlib-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("policies")).unwrap();
        std::fs::write(dir.join("mosaic.yaml"), manifest).unwrap();
        Project(dir)
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.0.join(rel), text).unwrap();
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn builtin_library_loads_without_diagnostics() {
    let p = Project::new("empty", "kind: Project\nname: empty\n");
    let (files, project, diags) = mosaic::policy::load_project(&p.0);
    assert!(diags.is_empty(), "{}", mosaic::diag::render_human(&files, &diags));
    let project = project.expect("project");
    assert_eq!(project.name, "empty");
    assert_eq!(project.timezone, "UTC");
    assert_eq!(project.identity.graph_limit, 50);
    let builtin: Vec<_> = files.iter().filter(|(_, f)| f.name.starts_with("<builtin>/")).collect();
    assert_eq!(builtin.len(), mosaic::policy::stdlib::FILES.len());
}

#[test]
fn standard_namespaces_have_types_and_priorities() {
    let p = Project::new("ns", "kind: Project\nname: ns\n");
    let (_, project, _) = mosaic::policy::load_project(&p.0);
    let project = project.expect("project");
    for (code, ty) in [
        ("ECID", NamespaceType::Cookie),
        ("Email", NamespaceType::Email),
        ("Phone", NamespaceType::Phone),
        ("CRMID", NamespaceType::CrossDevice),
        ("IDFA", NamespaceType::Device),
        ("GAID", NamespaceType::Device),
        ("AAID", NamespaceType::Cookie),
    ] {
        let ns = project.namespace(&code.to_lowercase()).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(&*ns.code, code);
        assert_eq!(ns.ty, ty);
        assert!(ns.priority.is_some());
    }
    let prio = |c: &str| project.namespace(c).and_then(|n| n.priority).unwrap();
    assert!(prio("CRMID") < prio("IDFA") && prio("IDFA") < prio("ECID"));
    let codes: Vec<_> = project.identity.namespaces.iter().map(|n| n.code).collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted);
}

#[test]
fn system_merge_policy_is_the_default() {
    let p = Project::new("mp", "kind: Project\nname: mp\n");
    let (_, project, _) = mosaic::policy::load_project(&p.0);
    let project = project.expect("project");
    let mp = project.merge_policy(None).expect("default policy");
    assert_eq!(mp.name.value, "timestampOrdered-pdg");
    assert!(mp.default && mp.builtin);
    assert_eq!(mp.identity_graph, GraphType::Pdg);
    assert_eq!(mp.merge, MergeType::TimestampOrdered);
}

#[test]
fn project_default_policy_takes_over_and_namespaces_override() {
    let p = Project::new("override", "kind: Project\nname: o\n");
    p.write(
        "policies/p.yaml",
        "kind: MergePolicy\nname: mine\ndefault: true\nidentityGraph: { type: none }\n---\n\
         kind: IdentitySettings\ngraphLimit: 10\nnamespaces:\n  - { code: crmid, unique: true }\n  - { code: Loyalty, type: crossDevice, priority: 0 }\n",
    );
    let (files, project, diags) = mosaic::policy::load_project(&p.0);
    assert!(diags.is_empty(), "{}", mosaic::diag::render_human(&files, &diags));
    let project = project.expect("project");
    assert_eq!(project.merge_policy(None).unwrap().name.value, "mine");
    let system = project.merge_policy(Some("timestampOrdered-pdg")).expect("still there");
    assert!(!system.default);
    assert_eq!(project.identity.graph_limit, 10);
    let crm = project.namespace("CRMID").unwrap();
    assert_eq!(&*crm.code, "crmid");
    assert!(crm.unique);
    assert_eq!(crm.ty, NamespaceType::CrossDevice);
    assert_eq!(crm.priority, Some(1));
    assert_eq!(project.namespace("loyalty").unwrap().priority, Some(0));
}

#[test]
fn project_policy_with_the_system_name_replaces_it() {
    let p = Project::new("replace", "kind: Project\nname: r\n");
    p.write(
        "policies/p.yaml",
        "kind: MergePolicy\nname: timestampOrdered-pdg\nidentityGraph: { type: none }\n",
    );
    let (_, project, diags) = mosaic::policy::load_project(&p.0);
    assert!(diags.is_empty());
    let project = project.expect("project");
    let named: Vec<_> =
        project.merge_policies.iter().filter(|m| m.name.value == "timestampOrdered-pdg").collect();
    assert_eq!(named.len(), 1);
    assert!(!named[0].builtin);
    assert_eq!(named[0].identity_graph, GraphType::None);
}
