//! The front-end driver: policy files on disk → checked program, with every diagnostic.

use crate::diag::{Diagnostic, Files};
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

/// Loads, parses and checks the project at `root`.
// BASE-STUB: replaced by the policy loader.
pub fn compile_project(root: &Path) -> Frontend {
    let _ = root;
    Frontend::default()
}
