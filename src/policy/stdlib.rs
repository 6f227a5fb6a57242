//! The standard library: the repository's top-level `policies/`, embedded in the binary.

/// Built-in policy files: name shown in diagnostics (`<builtin>/…`) and text.
pub const FILES: &[(&str, &str)] = &[
    ("<builtin>/namespaces.yaml", include_str!("../../policies/namespaces.yaml")),
    ("<builtin>/merge-policies.yaml", include_str!("../../policies/merge-policies.yaml")),
];
