//! Native code for PQL with cranelift: one fused kernel for all computed attributes, one function per audience.
//!
//! # Value layout
//! A value in native code is what an `engine::Column` cell holds: a tag (`engine::tag`) and 64
//! bits of payload. Because `check` gives every node a static type, the tag is known at compile
//! time up to null, so a native value ([`translate::NV`]) is a static [`layout::Kind`], a
//! presence flag (`I8`, 0 = null) and the payload: `I64` for ints, timestamps (µs), dates
//! (days, sign-extended) and interned string ids; `F64` for doubles; `I8` for bools. A cell
//! whose tag is not the expected one reads as null, except an int cell where a double is expected,
//! which is converted. Strings are interned ids (literals are interned at compile time with the
//! program's interner), so `=`, `!=` and `in` compare integers; anything that needs the text
//! (ordering, `like`, `matches`, `startsWith` …, case changes) and calendar work call `extern "C"`
//! helpers ([`helpers`]) with a per-call `Runtime` giving the interner and time zone.
//!
//! # Entry points
//! Every native function has the signature `extern "C" fn(*const layout::Env) [-> i8]`. The
//! fused kernel loops over the rows of one profile, tests each attribute's lookback window
//! (`win_lo[k] ≤ ts ≤ as_of`, window starts computed per call on the Rust side) and filter, and
//! updates `#[repr(C)]` accumulators ([`layout::Acc`]) that [`finish`] turns into `Value`s the
//! way the interpreter does. An audience function reads scalar profile leaves that the Rust
//! side extracts into cells, and loops natively over event rows for `xEvent.any/all` and
//! `xEvent[F].count()`.
//!
//! # Fallback
//! An attribute or audience with a construct the translator does not lower (arrays and
//! objects other than `xEvent` quantifiers, `occurs` with a data-dependent anchor, …) runs in
//! the interpreter, alone; [`Native::fallbacks`] lists them with the reason.

mod call;
mod calls;
mod fallback;
mod finish;
mod helpers;
mod jit;
mod kernel;
mod layout;
mod native;
mod ops;
mod times;
mod translate;

pub use native::Native;
pub use translate::Unsupported;

use crate::engine::Compiled;
use crate::intern::Interner;
use crate::ir;
use std::sync::Arc;

/// Compiles a program to native code (falling back to the interpreter per attribute/audience).
pub fn compile(program: &ir::Program, interner: &Arc<Interner>) -> Arc<dyn Compiled> {
    match Native::new(program, interner) {
        Ok(native) => Arc::new(native),
        Err(e) => {
            let all = program.clone();
            match fallback::interpreter(all, interner) {
                Some(interp) => interp,
                None => Arc::new(Native::empty(program, interner, e)),
            }
        }
    }
}

/// Finalized native code: function addresses, valid while the module lives.
pub struct Code {
    module: Option<cranelift_jit::JITModule>,
    ptrs: Vec<*const u8>,
}

impl Code {
    fn new(module: cranelift_jit::JITModule, ptrs: Vec<*const u8>) -> Code {
        Code { module: Some(module), ptrs }
    }
}

// SAFETY: after finalization the module is never touched again except to free it in `Drop`, and
// the code it holds is immutable, so sharing the pointers between threads is sound.
unsafe impl Send for Code {}
// SAFETY: as above; calls only read the code.
unsafe impl Sync for Code {}

impl Drop for Code {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: `Code` is owned by the `Native` that holds the only copies of the function
            // pointers, and is dropped with it, so no native code can run after this.
            unsafe { module.free_memory() };
        }
    }
}
