//! Rendering diagnostics: compiler-style text (codespan-reporting) and JSON lines.

use super::{Diagnostic, Files, Severity};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;

/// Renders diagnostics as text, without colour, in the order given.
pub fn render_human(files: &Files, diags: &[Diagnostic]) -> String {
    let mut simple = SimpleFiles::new();
    for (_, f) in files.iter() {
        simple.add(f.name.clone(), f.text.clone());
    }
    let config = term::Config::default();
    let mut out = String::new();
    for d in diags {
        let sev = match d.severity() {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = Vec::new();
        if let Some(p) = &d.primary {
            labels.push(cs::Label::primary(p.file.0 as usize, p.range.clone()).with_message(&p.message));
        }
        for s in &d.secondary {
            labels.push(cs::Label::secondary(s.file.0 as usize, s.range.clone()).with_message(&s.message));
        }
        let diag = cs::Diagnostic::new(sev)
            .with_code(d.code.as_str())
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(d.notes.clone());
        // Rendering only fails on a label outside its file, which our own spans never are.
        let _ = term::emit_to_string(&mut out, &config, &simple, &diag);
    }
    out
}

/// Renders diagnostics as JSON lines: one object per diagnostic, for editors and CI.
pub fn render_json(files: &Files, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let place = |l: &super::Label| {
            let f = files.get(l.file);
            let (line, column) = f.line_col(l.range.start);
            let (end_line, end_column) = f.line_col(l.range.end);
            serde_json::json!({
                "file": f.name, "line": line, "column": column,
                "endLine": end_line, "endColumn": end_column, "message": l.message,
            })
        };
        let v = serde_json::json!({
            "severity": match d.severity() { Severity::Error => "error", Severity::Warning => "warning" },
            "code": d.code.as_str(),
            "message": d.message,
            "primary": d.primary.as_ref().map(place),
            "secondary": d.secondary.iter().map(place).collect::<Vec<_>>(),
            "notes": d.notes,
        });
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out
}
