//! Incremental runs equal fresh ones (SPEC 3, 9): a project's batches added one at a time, in
//! any order and split at any points, with a `mosaic run` after each, end with the same
//! `profiles.jsonl`, report counts and rejections as one `run --fresh` over all the files; and
//! a run after a batch file is removed equals a fresh run without it.
//!
//! The project is `tests/incremental/` (its README lists what each data line exercises).

mod common;
#[path = "incremental/harness.rs"]
mod harness;

use harness::{
    assert_same, check, fresh_outcome, outcome, project, run, split, write, BatchFile, Plan, Source, Step,
};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The fixture's project folder (policies only) and its data lines.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/incremental")
}

fn template() -> PathBuf {
    fixture().join("project")
}

fn sources() -> Vec<Source> {
    let read = |dataset: &str, ext: &str| {
        let text = std::fs::read_to_string(fixture().join(format!("lines/{dataset}.{ext}"))).unwrap();
        Source::new(&format!("data/{dataset}/part-"), ext, &text)
    };
    vec![read("crm", "jsonl"), read("loyalty", "csv"), read("web", "jsonl"), read("commerce", "csv")]
}

/// The profiles of a fresh run over the lines unsplit (one batch per dataset), computed once.
/// Cutting a file into parts whose names sort in line order keeps the ingestion order, and
/// every batch has the same ingestion time, so the profiles must not change.
fn unsplit_profiles() -> &'static str {
    static PROFILES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PROFILES.get_or_init(|| {
        let sources = sources();
        let files = split(&sources, &vec![vec![]; sources.len()]);
        let data = files.iter().map(|f| (f.path.clone(), f.text.clone().into_bytes())).collect();
        fresh_outcome(&template(), &data).profiles
    })
}

fn assert_unsplit(profiles: &str) {
    if profiles != unsplit_profiles() {
        let (a, b) = (profiles.lines(), unsplit_profiles().lines());
        let (n, (a, b)) = a.zip(b).enumerate().find(|(_, (a, b))| a != b).unwrap_or((0, ("(length)", "")));
        panic!(
            "split files give other profiles than unsplit ones at line {}\nsplit:   {a}\nunsplit: {b}",
            n + 1
        );
    }
}

/// Each dataset cut in three parts.
fn thirds(sources: &[Source]) -> Vec<BatchFile> {
    let cuts: Vec<Vec<usize>> =
        sources.iter().map(|s| vec![s.lines.len() / 3, 2 * s.lines.len() / 3]).collect();
    split(sources, &cuts)
}

/// A fixed split added newest file first, checked after every step, then the first web part
/// removed: the readable case to start from when this fails.
#[test]
fn reversed_batches_equal_fresh_at_every_step() {
    let files = thirds(&sources());
    let steps: Vec<Step> = (0..files.len()).rev().map(Step::Add).collect();
    let removed = files.iter().position(|f| f.path == "data/web/part-0001.jsonl");
    assert_unsplit(&check(&template(), &files, &Plan { steps, crashes: vec![], removed }, true));
}

/// Files that first appear cut short (mid-line, and for the crm part mid-way through "ö")
/// are read again when complete: their rejected partial lines go, their records count once.
#[test]
fn half_written_files_are_read_again_when_complete() {
    let all = thirds(&sources());
    let pick = |path: &str| all.iter().find(|f| f.path == path).unwrap().clone();
    let files = vec![
        pick("data/crm/part-0002.jsonl"),
        pick("data/loyalty/part-0001.csv"),
        pick("data/web/part-0003.jsonl"),
    ];
    let mid_o = files[0].text.find('ö').unwrap() + 1;
    let steps = vec![
        Step::Partial(0, mid_o),
        Step::Partial(1, files[1].text.len() / 2),
        Step::Add(2),
        Step::Complete(0),
        Step::Complete(1),
    ];
    // The second run is killed after committing the half-written loyalty part.
    check(&template(), &files, &Plan { steps, crashes: vec![false, true], removed: None }, true);
}

/// A `mosaic gen` project (other policies, more people and links) with every file cut in
/// three and added newest part first, then one part removed, equals fresh runs; and its
/// profiles equal those of the uncut files.
#[test]
fn generated_project_in_reversed_parts_equals_fresh() {
    let template =
        common::TempDir(std::env::temp_dir().join(format!("mosaic-incr-{}-gen", std::process::id())));
    let _ = std::fs::remove_dir_all(&template.0);
    let gen = std::process::Command::new(env!("CARGO_BIN_EXE_mosaic"))
        .arg("gen")
        .arg(&template.0)
        .args(["--profiles", "40", "--events-per-profile", "5", "--seed", "11"])
        .output()
        .unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    // The generated data leaves the template: the parts arrive one by one.
    let mut sources = Vec::new();
    let mut whole: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let data = template.0.join("data");
    for dataset in std::fs::read_dir(&data).unwrap() {
        for file in std::fs::read_dir(dataset.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            let rel = path.strip_prefix(&template.0).unwrap().to_string_lossy().replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            let (stem, ext) = rel.rsplit_once('.').unwrap();
            sources.push(Source::new(&format!("{stem}-"), ext, &text));
            whole.insert(rel, text.into_bytes());
        }
    }
    std::fs::remove_dir_all(&data).unwrap();
    assert!(sources.len() >= 4, "gen wrote {} files", sources.len());
    let files = thirds(&sources);
    let steps: Vec<Step> = (0..files.len()).rev().map(Step::Add).collect();
    let removed = files.iter().position(|f| f.path.starts_with("data/web/"));
    let profiles = check(&template.0, &files, &Plan { steps, crashes: vec![], removed }, false);
    assert_eq!(profiles, fresh_outcome(&template.0, &whole).profiles, "cut files give other profiles");
    assert!(profiles.lines().count() >= 40);
}

/// Policies that change between incremental runs: a new attribute and audience read paths
/// no earlier policy read, and a namespace's normalization changes every dataset's
/// identities. Runs before, at and after the change equal fresh runs under the new policies.
#[test]
fn policy_changes_between_runs_equal_fresh() {
    let changed = project(&template(), "policy-template");
    let identity = std::fs::read_to_string(changed.0.join("policies/identity.yaml")).unwrap();
    let normalized =
        identity.replace("{code: ECID, type: cookie,", "{code: ECID, type: cookie, normalize: [uppercase],");
    assert_ne!(identity, normalized);
    write(&changed.0, "policies/identity.yaml", normalized.as_bytes());
    write(&changed.0, "policies/later.yaml", LATER_POLICIES.as_bytes());

    let files = thirds(&sources());
    let p = project(&template(), "policy");
    let mut data: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let arrive = |f: &BatchFile, data: &mut BTreeMap<String, Vec<u8>>| {
        write(&p.0, &f.path, f.text.as_bytes());
        data.insert(f.path.clone(), f.text.clone().into_bytes());
        run(&p.0, false, 2);
    };
    for f in files.iter().step_by(2) {
        arrive(f, &mut data);
    }
    write(&p.0, "policies/identity.yaml", normalized.as_bytes());
    write(&p.0, "policies/later.yaml", LATER_POLICIES.as_bytes());
    run(&p.0, false, 2);
    let after_change = outcome(&p.0);
    assert!(after_change.profiles.contains("\"currencies\""), "the new attribute is evaluated");
    assert_same(&after_change, &fresh_outcome(&changed.0, &data), "after the policy change");
    for f in files.iter().skip(1).step_by(2) {
        arrive(f, &mut data);
    }
    assert_same(&outcome(&p.0), &fresh_outcome(&changed.0, &data), "after the rest of the files");
}

/// Added by `policy_changes_between_runs_equal_fresh` after the first runs.
const LATER_POLICIES: &str = r#"kind: ComputedAttribute
name: currencies
expression: xEvent[eventType = "commerce.purchases"].map(commerce.order.currencyCode).distinct().count()
---
kind: Audience
name: lundOrMalmo
expression: homeAddress.city in ["Lund", "Malmö"]
"#;

/// The steps for files arriving in `order`: a file with a `partial` choice first arrives cut
/// at a byte offset and is completed at a later step.
fn steps_of(files: &[BatchFile], order: &[usize], partial: &[Option<(Index, Index)>]) -> Vec<Step> {
    let mut steps: Vec<Step> = order.iter().map(|&i| Step::Add(i)).collect();
    for (i, choice) in partial.iter().enumerate() {
        let (Some((cut, when)), false) = (choice, files[i].text.is_empty()) else { continue };
        let at = steps.iter().position(|&s| s == Step::Add(i)).unwrap();
        steps[at] = Step::Partial(i, cut.index(files[i].text.len()));
        steps.insert(at + 1 + when.index(steps.len() - at), Step::Complete(i));
    }
    steps
}

/// Any split (up to three parts per dataset, empty parts allowed), any order of arrival, some
/// files first half-written, some runs killed, and optionally one file removed at the end.
fn scenario() -> impl Strategy<Value = (Vec<BatchFile>, Plan)> {
    let lens: Vec<usize> = sources().iter().map(|s| s.lines.len()).collect();
    let cuts: Vec<_> = lens.iter().map(|&n| prop::collection::vec(0..=n, 0..=2)).collect();
    cuts.prop_flat_map(|cuts| {
        let files = split(&sources(), &cuts);
        let n = files.len();
        let order: Vec<usize> = (0..n).collect();
        let partial = prop::collection::vec(prop::option::weighted(0.15, any::<(Index, Index)>()), n);
        let crashes = prop::collection::vec(prop::bool::weighted(0.1), 2 * n);
        (Just(files), Just(order).prop_shuffle(), partial, crashes, prop::option::of(0..n))
    })
    .prop_map(|(files, order, partial, crashes, removed)| {
        let steps = steps_of(&files, &order, &partial);
        (files, Plan { steps, crashes, removed })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn any_split_and_order_equals_fresh((files, plan) in scenario()) {
        assert_unsplit(&check(&template(), &files, &plan, false));
    }
}
