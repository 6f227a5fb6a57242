//! The `Jit` struct: owns the cranelift module, declares helpers and builds native functions.

use super::helpers;
use super::layout::env;
use super::translate::{flags, unsupported, FunctionTranslator, Result, Sites, Unsupported};
use crate::intern::Interner;
use crate::ir;
use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Value as V};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use std::collections::HashMap;

pub struct Jit {
    module: Option<JITModule>,
    ctx: Context,
    fctx: FunctionBuilderContext,
    helpers: HashMap<&'static str, FuncId>,
    next: usize,
}

/// What a function body hands back: the return value (audiences) or nothing (the kernel).
pub type Body<'x> = dyn FnOnce(&mut FunctionTranslator) -> Result<Option<V>> + 'x;

impl Jit {
    pub fn new() -> Result<Jit> {
        let mut builder =
            JITBuilder::new(default_libcall_names()).map_err(|e| Unsupported(format!("jit: {e}")))?;
        let all = helpers::all();
        for h in &all {
            builder.symbol(h.name, h.addr);
        }
        let mut module = JITModule::new(builder);
        let mut ids = HashMap::new();
        for h in &all {
            let mut sig = module.make_signature();
            let ty = |t: &helpers::Ty| match t {
                helpers::Ty::I64 => types::I64,
                helpers::Ty::F64 => types::F64,
            };
            sig.params.extend(h.params.iter().map(|t| AbiParam::new(ty(t))));
            sig.returns.extend(h.ret.iter().map(|t| AbiParam::new(ty(t))));
            let id = module
                .declare_function(h.name, Linkage::Import, &sig)
                .map_err(|e| Unsupported(format!("declare {}: {e}", h.name)))?;
            ids.insert(h.name, id);
        }
        Ok(Jit {
            ctx: module.make_context(),
            module: Some(module),
            fctx: FunctionBuilderContext::new(),
            helpers: ids,
            next: 0,
        })
    }

    /// Builds one function `fn(env: *const Env) [-> i8]` whose body `body` emits. With `define`
    /// false it only checks that the body translates (nothing is compiled).
    pub fn function(
        &mut self,
        returns: bool,
        define: bool,
        sites: &mut Sites,
        event_paths: &[ir::EventPath],
        interner: &Interner,
        body: Box<Body<'_>>,
    ) -> Result<Option<FuncId>> {
        let Some(module) = self.module.as_mut() else { return unsupported("jit already freed") };
        module.clear_context(&mut self.ctx);
        let cfg = module.target_config();
        let ptr = cfg.pointer_type();
        self.ctx.func.signature.params.push(AbiParam::new(ptr));
        if returns {
            self.ctx.func.signature.returns.push(AbiParam::new(types::I8));
        }
        let sig = self.ctx.func.signature.clone();
        let mut b = FunctionBuilder::new(&mut self.ctx.func, &mut self.fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let env_ptr = b.block_params(entry)[0];
        let rt = b.ins().load(types::I64, flags(), env_ptr, env::RT);
        let mut t = FunctionTranslator {
            b,
            module,
            helpers: &self.helpers,
            refs: HashMap::new(),
            sites,
            event_paths,
            interner,
            env: env_ptr,
            rt,
            row: None,
            cells: HashMap::new(),
            bases: HashMap::new(),
        };
        let result = body(&mut t);
        let ret = match result {
            Ok(r) => r,
            Err(e) => {
                drop(t);
                // The builder stopped half-way: start the next function from clean state.
                self.fctx = FunctionBuilderContext::new();
                module.clear_context(&mut self.ctx);
                return Err(e);
            }
        };
        match ret {
            Some(v) => t.b.ins().return_(&[v]),
            None => t.b.ins().return_(&[]),
        };
        t.b.seal_all_blocks();
        let FunctionTranslator { b, .. } = t;
        b.finalize(cfg);
        if !define {
            module.clear_context(&mut self.ctx);
            return Ok(None);
        }
        self.next += 1;
        let name = format!("mosaic_fn_{}", self.next);
        let id = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| Unsupported(format!("declare: {e}")))?;
        let defined = module.define_function(id, &mut self.ctx);
        module.clear_context(&mut self.ctx);
        defined.map_err(|e| Unsupported(format!("cranelift: {e:?}")))?;
        Ok(Some(id))
    }

    /// Links every defined function and gives their addresses.
    pub fn finalize(mut self, ids: &[FuncId]) -> Result<super::Code> {
        let Some(mut module) = self.module.take() else { return unsupported("jit already freed") };
        if let Err(e) = module.finalize_definitions() {
            // SAFETY: nothing was handed out from this module yet.
            #[allow(unsafe_code)]
            unsafe {
                module.free_memory()
            };
            return unsupported(format!("link: {e}"));
        }
        let ptrs = ids.iter().map(|id| module.get_finalized_function(*id)).collect();
        Ok(super::Code::new(module, ptrs))
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        if let Some(module) = self.module.take() {
            // SAFETY: a `Jit` that was not finalized handed out no function pointer, so no code
            // of this module can run after it is freed.
            #[allow(unsafe_code)]
            unsafe {
                module.free_memory()
            };
        }
    }
}
