//! The front-end driver: policy files on disk → checked program, with every diagnostic.

use crate::diag::{self, Diagnostic, Files};
use crate::ir;
use crate::policy::Project;
use std::path::Path;

/// Everything the front end produced for a project.
#[derive(Debug, Default)]
pub struct Frontend {
    pub files: Files,
    /// The loaded policies; `None` when the project could not be loaded at all.
    pub project: Option<Project>,
    /// The checked program; `None` when there were errors.
    pub program: Option<ir::Program>,
    /// All diagnostics of all files, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Frontend {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Loads, parses and checks the project at `root`. Expressions are only checked when the
/// policies loaded without errors: a broken dataset or namespace would make every expression
/// that uses it fail too, burying the real problem.
pub fn compile_project(root: &Path) -> Frontend {
    let (files, project, mut diagnostics) = crate::policy::load_project(root);
    let mut program = None;
    if let Some(project) = &project {
        if !diagnostics.iter().any(|d| d.is_error()) {
            let samples = crate::ingest::sample::sample_types(project, 1000);
            let (checked, mut check_diags) = crate::check::check_program(project, &samples);
            diagnostics.append(&mut check_diags);
            if !diagnostics.iter().any(|d| d.is_error()) {
                program = Some(checked);
            }
        }
    }
    diag::sort(&mut diagnostics);
    Frontend { files, project, program, diagnostics }
}
