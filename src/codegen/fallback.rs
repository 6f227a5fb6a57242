//! The interpreter that runs the attributes and audiences native code does not cover.

use crate::engine::Compiled;
use crate::intern::Interner;
use crate::ir;
use std::sync::Arc;

/// An interpreter for `program` (the constructs that fell back), when one is available.
pub fn interpreter(program: ir::Program, interner: &Arc<Interner>) -> Option<Arc<dyn Compiled>> {
    Some(Arc::new(crate::interp::Interpreter::new(program, interner.clone())))
}
