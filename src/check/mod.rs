//! Checking: resolves names against dataset schemas, types every node, and lowers `ast` to `ir`.

use crate::diag::Diagnostic;
use crate::ir;
use crate::policy::Project;
use std::collections::BTreeMap;

/// Sampled records of each dataset (by dataset name), for type inference.
pub type Samples = BTreeMap<String, Vec<serde_json::Value>>;

/// Checks every computed attribute and audience of the project.
// BASE-STUB: replaced by the checker.
pub fn check_program(project: &Project, samples: &Samples) -> (ir::Program, Vec<Diagnostic>) {
    let _ = (project, samples);
    let program = ir::Program {
        attributes: Vec::new(),
        audiences: Vec::new(),
        event_paths: Vec::new(),
        profile_type: ir::Type::Any,
        event_type: ir::Type::Any,
    };
    (program, Vec::new())
}
