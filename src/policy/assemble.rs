//! Assembling decoded documents into one `Project`: the standard library under the project's
//! documents, and the checks that span documents (duplicates, references, defaults).

use super::decode::{DatasetDoc, Doc, IdentityDoc, Located, NamespaceDoc, PolicyDoc, ProjectDoc};
use super::fields::suggest;
use super::model::{Audience, ComputedAttribute, IdentitySettings, MergePolicy, Namespace, Project, Spanned};
use crate::diag::{Code, Diagnostic, FileId, Files};
use std::path::Path;

/// The documents of one origin (built-in or project), sorted by kind, in file order.
#[derive(Default)]
struct Kinds {
    projects: Vec<(ProjectDoc, Spanned<String>)>,
    identities: Vec<(IdentityDoc, Spanned<String>)>,
    datasets: Vec<DatasetDoc>,
    policies: Vec<PolicyDoc>,
    attributes: Vec<ComputedAttribute>,
    audiences: Vec<Audience>,
}

fn split(docs: Vec<Located>) -> Kinds {
    let mut k = Kinds::default();
    for Located { doc, kind } in docs {
        match doc {
            Doc::Project(p) => k.projects.push((p, kind)),
            Doc::Identity(i) => k.identities.push((i, kind)),
            Doc::Dataset(d) => k.datasets.push(d),
            Doc::MergePolicy(p) => k.policies.push(p),
            Doc::Attribute(a) => k.attributes.push(a),
            Doc::Audience(a) => k.audiences.push(a),
        }
    }
    k
}

pub fn assemble(
    root: &Path,
    builtin: Vec<Located>,
    docs: Vec<Located>,
    manifest: Option<FileId>,
    files: &Files,
    diags: &mut Vec<Diagnostic>,
) -> Option<Project> {
    let builtin = split(builtin);
    let mut own = split(docs);
    second_singletons(&own.projects, "Project", diags);
    second_singletons(&own.identities, "IdentitySettings", diags);
    let identity =
        identity_settings(builtin.identities, own.identities.drain(..).next().map(|(d, _)| d), diags);
    let datasets = datasets(root, own.datasets, &identity, diags);
    let merge_policies = merge_policies(builtin.policies, own.policies, &datasets, diags);
    let attributes =
        unique_by_name(builtin.attributes, own.attributes, "computed attribute name", |a| &a.name, diags);
    let audiences = unique_by_name(builtin.audiences, own.audiences, "audience name", |a| &a.name, diags);
    let Some((project, _)) = own.projects.into_iter().next() else {
        let mut d = Diagnostic::new(Code::MissingProject, "no Project document")
            .with_note("add a `mosaic.yaml` with `kind: Project` and a `name` at the project root");
        if let Some(file) = manifest {
            let len = files.get(file).text.find('\n').unwrap_or(files.get(file).text.len());
            d = d.at(file, 0..len, "`mosaic.yaml` has no `kind: Project` document");
        }
        diags.push(d);
        return None;
    };
    Some(Project {
        root: root.to_path_buf(),
        name: project.name.value,
        timezone: project.timezone,
        identity,
        datasets,
        merge_policies,
        attributes,
        audiences,
        policies: files.fingerprint(),
    })
}

/// E0011 for every document of a once-only kind after the first.
fn second_singletons<T>(docs: &[(T, Spanned<String>)], kind: &str, diags: &mut Vec<Diagnostic>) {
    let Some((_, first)) = docs.first() else { return };
    for (_, later) in &docs[1..] {
        diags.push(
            Diagnostic::new(Code::DuplicateSingleton, format!("second `{kind}` document"))
                .at(later.file, later.span.clone(), format!("a project has at most one `{kind}`"))
                .with_secondary(first.file, first.span.clone(), "first defined here"),
        );
    }
}

fn duplicate(what: &str, name: &Spanned<String>, first: &Spanned<String>) -> Diagnostic {
    Diagnostic::new(Code::DuplicateName, format!("duplicate {what} `{}`", name.value))
        .at(name.file, name.span.clone(), "defined again here")
        .with_secondary(first.file, first.span.clone(), "first defined here")
}

/// Built-in documents replaced by the project's ones of the same name; E0009 among the project's.
fn unique_by_name<T>(
    builtin: Vec<T>,
    own: Vec<T>,
    what: &str,
    name: impl Fn(&T) -> &Spanned<String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::new();
    for doc in own {
        if let Some(first) = kept.iter().find(|k| name(k).value == name(&doc).value) {
            diags.push(duplicate(what, name(&doc), name(first)));
            continue;
        }
        kept.push(doc);
    }
    let mut out: Vec<T> =
        builtin.into_iter().filter(|b| !kept.iter().any(|k| name(k).value == name(b).value)).collect();
    out.extend(kept);
    out
}

fn identity_settings(
    builtin: Vec<(IdentityDoc, Spanned<String>)>,
    own: Option<IdentityDoc>,
    diags: &mut Vec<Diagnostic>,
) -> IdentitySettings {
    let mut graph_limit = 50;
    let mut namespaces: Vec<Namespace> = Vec::new();
    for (doc, _) in builtin {
        graph_limit = doc.graph_limit.unwrap_or(graph_limit);
        for ns in doc.namespaces {
            if let Some(n) = complete(ns, None, diags) {
                namespaces.push(n);
            }
        }
    }
    if let Some(doc) = own {
        graph_limit = doc.graph_limit.unwrap_or(graph_limit);
        let mut seen: Vec<Spanned<String>> = Vec::new();
        for ns in doc.namespaces {
            if let Some(first) = seen.iter().find(|s| s.value.eq_ignore_ascii_case(&ns.code.value)) {
                diags.push(duplicate("namespace code", &ns.code, first));
                continue;
            }
            // Identities are written `NS:VALUE` (keys, profileIds, `--identity`) and overlap
            // reports join codes with `,`: a code holding either could not be read back.
            let code = &ns.code;
            if code.value.is_empty()
                || code.value.contains([':', ','])
                || code.value.contains(char::is_whitespace)
            {
                diags.push(
                    Diagnostic::new(Code::InvalidValue, format!("invalid namespace code `{}`", code.value))
                        .at(
                            code.file,
                            code.span.clone(),
                            "a code is one word: no `:`, `,` or space (identities are written CODE:value)",
                        ),
                );
                continue;
            }
            seen.push(ns.code.clone());
            let base = namespaces.iter().position(|n| n.code.eq_ignore_ascii_case(&ns.code.value));
            let inherited = base.map(|i| namespaces.remove(i));
            if let Some(n) = complete(ns, inherited, diags) {
                namespaces.push(n);
            }
        }
    }
    namespaces.sort_by_key(|a| a.code);
    IdentitySettings { graph_limit, namespaces }
}

/// A namespace from its document, inheriting unset fields from the standard one it overrides.
fn complete(ns: NamespaceDoc, base: Option<Namespace>, diags: &mut Vec<Diagnostic>) -> Option<Namespace> {
    let ty = match (ns.ty, &base) {
        (Some(t), _) => t,
        (None, Some(b)) => b.ty,
        (None, None) => {
            diags.push(
                Diagnostic::new(
                    Code::MissingField,
                    format!("missing field `type` in namespace `{}`", ns.code.value),
                )
                .at(ns.code.file, ns.code.span.clone(), "a new namespace needs a `type`"),
            );
            return None;
        }
    };
    Some(Namespace {
        code: crate::ingest::Text::new(&ns.code.value),
        ty,
        unique: ns.unique.or(base.as_ref().map(|b| b.unique)).unwrap_or(false),
        priority: ns.priority.or(base.as_ref().and_then(|b| b.priority)),
        normalize: ns.normalize.or(base.as_ref().map(|b| b.normalize.clone())).unwrap_or_default(),
        pattern: ns.pattern.or(base.and_then(|b| b.pattern)),
    })
}

fn datasets(
    root: &Path,
    docs: Vec<DatasetDoc>,
    identity: &IdentitySettings,
    diags: &mut Vec<Diagnostic>,
) -> Vec<super::model::Dataset> {
    let codes: Vec<&str> = identity.namespaces.iter().map(|n| &*n.code).collect();
    let mut out: Vec<super::model::Dataset> = Vec::new();
    for mut doc in docs {
        if let Some(first) = out.iter().find(|d| d.name.value == doc.dataset.name.value) {
            diags.push(duplicate("dataset name", &doc.dataset.name, &first.name));
            continue;
        }
        for (field, reference) in doc.dataset.identities.iter_mut().zip(&doc.namespaces) {
            match identity.namespaces.iter().find(|n| n.code.eq_ignore_ascii_case(&reference.value)) {
                Some(ns) => field.namespace = ns.code.to_string(),
                None => {
                    let label = match suggest(&reference.value, &codes) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "not a standard namespace nor one in IdentitySettings".to_string(),
                    };
                    diags.push(
                        Diagnostic::new(
                            Code::UnknownNamespace,
                            format!("unknown identity namespace `{}`", reference.value),
                        )
                        .at(reference.file, reference.span.clone(), label),
                    );
                }
            }
        }
        if doc.inside && !root.join(&doc.dataset.path).is_dir() {
            let at = doc.path.as_ref().unwrap_or(&doc.dataset.name);
            diags.push(
                Diagnostic::new(
                    Code::MissingDataFolder,
                    format!("dataset folder `{}` does not exist", doc.dataset.path.display()),
                )
                .at(at.file, at.span.clone(), "treated as empty until batch files appear"),
            );
        }
        if doc.inside {
            // A dataset at the project's root does not read the project's own folders either.
            let own = ["policies", "tests", "out"].map(|f| root.join(f));
            let folder = root.join(&doc.dataset.path);
            for nested in crate::ingest::nested_folders(&folder).into_iter().filter(|n| !own.contains(n)) {
                let at = doc.path.as_ref().unwrap_or(&doc.dataset.name);
                let shown = nested.strip_prefix(root).unwrap_or(&nested).display().to_string();
                diags.push(
                    Diagnostic::new(
                        Code::NestedDataFolder,
                        format!(
                            "the files in `{shown}` are not read: it is a folder inside a dataset folder"
                        ),
                    )
                    .at(
                        at.file,
                        at.span.clone(),
                        "batches are the files directly in this folder",
                    ),
                );
            }
        }
        out.push(doc.dataset);
    }
    out
}

fn merge_policies(
    builtin: Vec<PolicyDoc>,
    own: Vec<PolicyDoc>,
    datasets: &[super::model::Dataset],
    diags: &mut Vec<Diagnostic>,
) -> Vec<MergePolicy> {
    let names: Vec<&str> = datasets.iter().map(|d| d.name.value.as_str()).collect();
    let mut kept: Vec<PolicyDoc> = Vec::new();
    for doc in own {
        if let Some(first) = kept.iter().find(|k| k.policy.name.value == doc.policy.name.value) {
            diags.push(duplicate("merge policy name", &doc.policy.name, &first.policy.name));
            continue;
        }
        for r in &doc.orders {
            if !names.contains(&r.value.as_str()) {
                let label = match suggest(&r.value, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "no Dataset has this name".to_string(),
                };
                diags.push(
                    Diagnostic::new(Code::UnknownDataset, format!("unknown dataset `{}`", r.value)).at(
                        r.file,
                        r.span.clone(),
                        label,
                    ),
                );
            }
        }
        kept.push(doc);
    }
    flag_seconds(
        &kept,
        |d| d.default_span.clone(),
        Code::SecondDefaultPolicy,
        "second default merge policy",
        diags,
    );
    flag_seconds(
        &kept,
        |d| d.edge_span.clone(),
        Code::SecondActiveOnEdge,
        "second merge policy active on edge",
        diags,
    );
    let own_default = kept.iter().any(|d| d.policy.default);
    let mut out: Vec<MergePolicy> = builtin
        .into_iter()
        .filter(|b| !kept.iter().any(|k| k.policy.name.value == b.policy.name.value))
        .map(|b| MergePolicy { builtin: true, default: b.policy.default && !own_default, ..b.policy })
        .collect();
    out.extend(kept.into_iter().map(|d| d.policy));
    out
}

/// Reports every policy after the first that sets a once-only flag.
fn flag_seconds(
    docs: &[PolicyDoc],
    span: impl Fn(&PolicyDoc) -> Option<std::ops::Range<usize>>,
    code: Code,
    msg: &str,
    diags: &mut Vec<Diagnostic>,
) {
    let mut set = docs.iter().filter_map(|d| span(d).map(|s| (d.policy.name.file, s, &d.policy.name.value)));
    let Some((ffile, fspan, fname)) = set.next() else { return };
    for (file, s, name) in set {
        diags.push(
            Diagnostic::new(code, format!("{msg} `{name}`"))
                .at(file, s, "only one merge policy may set this")
                .with_secondary(ffile, fspan.clone(), format!("already set by `{fname}`")),
        );
    }
}
