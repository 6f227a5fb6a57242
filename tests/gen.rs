//! `mosaic gen`: deterministic output, the expected files and line counts, and the CLI's behaviour.

use mosaic::gen::{self, Options};
use mosaic::policy::GraphType;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gen").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn opts(profiles: u64, seed: u64) -> Options {
    Options { profiles, events_per_profile: 20, seed, ..Options::default() }
}

/// Every file under `root`, by relative path, with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(root), std::fs::read(&path)) {
                out.insert(rel.to_string_lossy().replace('\\', "/"), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn lines(bytes: &[u8]) -> Vec<&str> {
    std::str::from_utf8(bytes).unwrap_or("").lines().collect()
}

#[test]
fn same_seed_gives_a_byte_identical_tree() {
    let (a, b) = (scratch("same-a"), scratch("same-b"));
    gen::generate(&a, &opts(300, 42)).expect("generate a");
    gen::generate(&b, &opts(300, 42)).expect("generate b");
    let (ta, tb) = (tree(&a), tree(&b));
    assert!(ta.len() > 10);
    assert_eq!(ta, tb);
}

#[test]
fn different_seeds_give_different_data() {
    let (a, b) = (scratch("diff-a"), scratch("diff-b"));
    gen::generate(&a, &opts(100, 1)).expect("generate a");
    gen::generate(&b, &opts(100, 2)).expect("generate b");
    let (ta, tb) = (tree(&a), tree(&b));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for file in ["data/web/part-0001.jsonl", "data/commerce/part-0001.jsonl", "data/crm/part-0001.jsonl"] {
        assert_ne!(ta[file], tb[file], "{file}");
    }
    assert_eq!(ta["policies/datasets.yaml"], tb["policies/datasets.yaml"]);
}

#[test]
fn project_has_the_expected_files_and_counts() {
    let dir = scratch("counts");
    let summary = gen::generate(&dir, &opts(200, 7)).expect("generate");
    let t = tree(&dir);
    let expected = [
        "README.md",
        "data/commerce/part-0001.jsonl",
        "data/crm/part-0001.jsonl",
        "data/crm/updates-0001.jsonl",
        "data/loyalty/part-0001.csv",
        "data/loyalty/patch-0001.csv",
        "data/web/part-0001.jsonl",
        "mosaic.yaml",
        "policies/attributes/engagement.yaml",
        "policies/attributes/products.yaml",
        "policies/attributes/spend.yaml",
        "policies/audiences/marketing.yaml",
        "policies/audiences/vip.yaml",
        "policies/datasets.yaml",
        "policies/identity.yaml",
        "policies/merge-policies.yaml",
    ];
    assert_eq!(t.keys().map(String::as_str).collect::<Vec<_>>(), expected);

    // The summary counts every line actually written.
    for d in &summary.datasets {
        for (file, n) in &d.files {
            let key = format!("{}/{}", d.path, file);
            assert_eq!(lines(&t[&key]).len() as u64, *n, "{key}");
        }
    }
    // crm: one record per person, plus the replacements of c-8, c-58, c-108, c-158 (index % 50 == 7).
    let crm = lines(&t["data/crm/part-0001.jsonl"]);
    let updates = lines(&t["data/crm/updates-0001.jsonl"]);
    assert_eq!(updates.len(), 4);
    assert!(updates[0].contains(r#""crmId": "c-8""#));
    let crm_good = crm.iter().filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()).count();
    assert_eq!(crm.len(), 201, "200 records and one bad line");
    assert_eq!(crm_good, 200);
    // loyalty: two in five people are members (header + 80 rows); a quarter of them are patched.
    let loyalty = lines(&t["data/loyalty/part-0001.csv"]);
    assert_eq!(loyalty.len(), 81);
    assert!(loyalty[0].starts_with("loyaltyId,crmId,loyalty.tier,loyalty.points"));
    let patch = lines(&t["data/loyalty/patch-0001.csv"]);
    assert_eq!(patch.len(), 21);
    assert!(patch.iter().any(|l| l.contains(",null,")), "an explicit null patch");

    // Events: about 20 per person, all in the 120 days before the reference date.
    let events = summary.events();
    assert!((2000..=6000).contains(&events), "{events} events");
    let (mut parsed, mut invalid, mut ids) = (0u64, 0u64, std::collections::HashMap::new());
    for file in ["data/web/part-0001.jsonl", "data/commerce/part-0001.jsonl"] {
        for line in lines(&t[file]) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                invalid += 1;
                continue;
            };
            parsed += 1;
            if let (Some(id), Some(ts)) = (v["_id"].as_str(), v["timestamp"].as_str()) {
                if v["identityMap"].is_object() && ts.starts_with("2026-") {
                    assert!(("2026-07-04T00:00:00Z".."2026-11-01T00:00:00Z").contains(&ts), "{ts}");
                    *ids.entry(id.to_string()).or_insert(0u64) += 1;
                }
            }
        }
    }
    let dups: u64 = ids.values().map(|n| n - 1).sum();
    let web = &summary.datasets[2];
    let commerce = &summary.datasets[3];
    assert_eq!(dups, web.duplicates + commerce.duplicates);
    assert_eq!(ids.len() as u64, events);
    assert!(web.duplicates > 0 && web.bad > 0);
    assert_eq!(parsed + invalid, events + web.duplicates + commerce.duplicates + web.bad + commerce.bad);
    assert!(invalid >= 1 && invalid < web.bad + commerce.bad, "some bad lines are valid JSON");

    let readme = String::from_utf8_lossy(&t["README.md"]).into_owned();
    assert!(readme.contains("--seed 7") && readme.contains("--as-of 2026-11-01T00:00:00Z"));
}

#[test]
fn bench_variant_has_no_stitching_and_three_attributes() {
    let dir = scratch("bench");
    let o = Options { bench: true, identity_graph: GraphType::None, ..opts(50, 3) };
    gen::generate(&dir, &o).expect("generate");
    let t = tree(&dir);
    let policies: Vec<&str> = t.keys().filter(|k| k.starts_with("policies/")).map(String::as_str).collect();
    assert_eq!(
        policies,
        [
            "policies/attributes/benchmark.yaml",
            "policies/datasets.yaml",
            "policies/identity.yaml",
            "policies/merge-policies.yaml"
        ]
    );
    let merge = String::from_utf8_lossy(&t["policies/merge-policies.yaml"]).into_owned();
    assert!(merge.contains("identityGraph: { type: none }") && merge.contains("default: true"));
    let attrs = String::from_utf8_lossy(&t["policies/attributes/benchmark.yaml"]).into_owned();
    assert_eq!(attrs.matches("kind: ComputedAttribute").count(), 3);
}

#[test]
fn cli_refuses_a_non_empty_folder_without_force() {
    let dir = scratch("cli");
    let bin = env!("CARGO_BIN_EXE_mosaic");
    let run = |extra: &[&str]| {
        Command::new(bin)
            .arg("gen")
            .arg(&dir)
            .args(["--profiles", "20", "--seed", "9"])
            .args(extra)
            .output()
            .expect("run mosaic")
    };
    let first = run(&[]);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stdout).contains("--as-of 2026-11-01T00:00:00Z"));
    let before = tree(&dir);
    let second = run(&[]);
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("--force"));
    std::fs::write(dir.join("data/web/stale.jsonl"), "{}\n").expect("write stale file");
    let forced = run(&["--force"]);
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(tree(&dir), before, "--force replaces the project and drops stale batches");
    let zero =
        Command::new(bin).arg("gen").arg(scratch("zero")).args(["--profiles", "0"]).output().expect("run");
    assert_eq!(zero.status.code(), Some(2));
}

/// Error diagnostics of a project, rendered as `code: message` lines for a readable failure.
fn errors(root: &Path) -> Vec<String> {
    let fe = mosaic::frontend::compile_project(root);
    assert!(fe.project.is_some(), "{} did not load", root.display());
    fe.diagnostics.iter().filter(|d| d.is_error()).map(|d| format!("{d:?}")).collect()
}

#[test]
fn example_and_generated_projects_compile_without_errors() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/retail");
    assert_eq!(errors(&example), Vec::<String>::new());
    for (name, bench) in [("compile-full", false), ("compile-bench", true)] {
        let dir = scratch(name);
        let o = Options {
            bench,
            identity_graph: if bench { GraphType::None } else { GraphType::Pdg },
            ..opts(30, 5)
        };
        gen::generate(&dir, &o).expect("generate");
        assert_eq!(errors(&dir), Vec::<String>::new(), "{name}");
        let fe = mosaic::frontend::compile_project(&dir);
        let program = fe.program.expect("a checked program");
        // 19 in the example, one of them DRAFT (compiled but not part of the program).
        assert_eq!(program.attributes.len(), if bench { 3 } else { 18 }, "{name}");
        assert_eq!(program.audiences.len(), if bench { 0 } else { 8 }, "{name}");
    }
}
