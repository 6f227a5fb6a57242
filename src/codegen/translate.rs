//! `FunctionTranslator`: lowers one typed IR expression to cranelift IR, one `translate_*` per node.
//!
//! A value is an [`NV`]: a static [`Kind`] plus a dynamic presence flag (`I8`) and a payload
//! (`I64`; `F64` for doubles; `I8` for bools). Anything the translator cannot lower returns
//! [`Unsupported`], and the caller falls back to the interpreter for that attribute or audience.

use super::helpers::Tables;
use super::layout::{env, Kind, CACHE_SLOTS};
use crate::engine::tag;
use crate::intern::Interner;
use crate::ir::{self, ExprKind};
use crate::value::Value;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, FuncRef, InstBuilder, MemFlagsData, Type};
use cranelift_frontend::FunctionBuilder;
use cranelift_jit::JITModule;
use cranelift_module::{FuncId, Module};
use std::collections::HashMap;

/// A native value: see the module docs.
#[derive(Debug, Clone, Copy)]
pub struct NV {
    pub kind: Kind,
    pub present: cranelift_codegen::ir::Value,
    pub v: cranelift_codegen::ir::Value,
}

/// Why an expression is not compiled natively (it then runs in the interpreter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

pub type Result<T> = std::result::Result<T, Unsupported>;

pub fn unsupported<T>(what: impl Into<String>) -> Result<T> {
    Err(Unsupported(what.into()))
}

/// Call sites collected while translating: their data is used at run time.
#[derive(Debug, Clone, Default)]
pub struct Sites {
    pub tables: Tables,
    /// `occurs` nodes whose bounds are computed per call.
    pub occurs: Vec<ir::Occurs>,
    /// Scalar profile leaves read at scope 0, with their kinds.
    pub leaves: Vec<(Vec<String>, Kind)>,
    /// Inline caches of string helpers (`Env::icache`).
    pub caches: usize,
}

pub struct FunctionTranslator<'a> {
    pub b: FunctionBuilder<'a>,
    pub module: &'a mut JITModule,
    pub helpers: &'a HashMap<&'static str, FuncId>,
    pub refs: HashMap<&'static str, FuncRef>,
    pub sites: &'a mut Sites,
    pub event_paths: &'a [ir::EventPath],
    pub interner: &'a Interner,
    /// The `Env` pointer and the runtime pointer loaded from it.
    pub env: cranelift_codegen::ir::Value,
    pub rt: cranelift_codegen::ir::Value,
    /// The current event row when scope 1 is an event.
    pub row: Option<cranelift_codegen::ir::Value>,
    /// Cells of the current row loaded where they dominate every use (see `preload`).
    pub cells: HashMap<usize, NV>,
    /// Column base pointers (tags, bits) loaded once at function entry (see `load_bases`).
    pub bases: HashMap<usize, (cranelift_codegen::ir::Value, cranelift_codegen::ir::Value)>,
}

/// Flags for memory that does not change during a call (the `Env`, columns, profile cells,
/// occurs bounds): loads may be shared and hoisted out of the row loop.
pub fn flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Flags for a row's cell: unchanging, but only valid once the row is known to be in range, so
/// never moved above the loop's bound check.
pub fn cell_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
}

/// Flags for memory native code writes (accumulators, inline caches).
pub fn mutable() -> MemFlagsData {
    MemFlagsData::trusted()
}

impl<'a> FunctionTranslator<'a> {
    pub fn translate(&mut self, e: &ir::Expr) -> Result<NV> {
        match &e.kind {
            ExprKind::Const(v) => self.translate_const(v),
            ExprKind::Path { scope, path } => self.translate_path(*scope, path, &e.ty),
            ExprKind::Not(inner) => self.translate_not(inner),
            ExprKind::Neg(inner) => self.translate_neg(inner, &e.ty),
            ExprKind::Logic { op, lhs, rhs } => self.translate_logic(*op, lhs, rhs),
            ExprKind::Compare { op, lhs, rhs } => self.translate_compare(*op, lhs, rhs),
            ExprKind::Arith { op, lhs, rhs } => self.translate_arith(*op, lhs, rhs, &e.ty),
            ExprKind::If { cond, then, otherwise } => self.translate_if(cond, then, otherwise, &e.ty),
            ExprKind::In { negated, expr, list } => self.translate_in(*negated, expr, list),
            ExprKind::Like { expr, pattern } => self.translate_like(expr, pattern),
            ExprKind::Occurs { expr, occurs } => self.translate_occurs(expr, occurs),
            ExprKind::Call { func, args } => self.translate_call(func, args, &e.ty),
            ExprKind::Each { op, array, scope, inner } => {
                self.translate_each(*op, array, *scope, inner.as_deref())
            }
            ExprKind::Events => unsupported("xEvent as a value"),
            ExprKind::Field { .. } => unsupported("field of a computed object"),
            ExprKind::Array(_) => unsupported("array value"),
            ExprKind::Object(_) => unsupported("object value"),
        }
    }

    /// The truth of a condition: present and true (null counts as false).
    pub fn truthy(&mut self, e: &ir::Expr) -> Result<cranelift_codegen::ir::Value> {
        let nv = self.translate(e)?;
        match nv.kind {
            Kind::Bool => Ok(self.b.ins().band(nv.present, nv.v)),
            Kind::Null => Ok(self.b.ins().iconst(types::I8, 0)),
            k => unsupported(format!("{k:?} used as a condition")),
        }
    }

    pub fn bool_nv(&mut self, v: cranelift_codegen::ir::Value) -> NV {
        let present = self.b.ins().iconst(types::I8, 1);
        NV { kind: Kind::Bool, present, v }
    }

    /// The null of a kind (payload zero of the right machine type).
    pub fn null_of(&mut self, kind: Kind) -> NV {
        let present = self.b.ins().iconst(types::I8, 0);
        let v = match kind {
            Kind::Double => self.b.ins().f64const(0.0),
            Kind::Bool => self.b.ins().iconst(types::I8, 0),
            _ => self.b.ins().iconst(types::I64, 0),
        };
        NV { kind, present, v }
    }

    /// Calls a helper, declaring it in this function on first use.
    pub fn call(
        &mut self,
        name: &'static str,
        args: &[cranelift_codegen::ir::Value],
    ) -> Option<cranelift_codegen::ir::Value> {
        let r = match self.refs.get(name) {
            Some(r) => *r,
            None => {
                let id = *self.helpers.get(name)?;
                let r = self.module.declare_func_in_func(id, self.b.func);
                self.refs.insert(name, r);
                r
            }
        };
        let inst = self.b.ins().call(r, args);
        self.b.inst_results(inst).first().copied()
    }

    /// Calls a helper returning `ty` only when `cond` holds (helpers must not see null payloads,
    /// which are not valid ids); gives zero otherwise.
    pub fn guarded_call(
        &mut self,
        cond: cranelift_codegen::ir::Value,
        name: &'static str,
        args: &[cranelift_codegen::ir::Value],
        ty: Type,
    ) -> Result<cranelift_codegen::ir::Value> {
        let then = self.b.create_block();
        let merge = self.b.create_block();
        let out = self.b.append_block_param(merge, ty);
        let zero = if ty == types::F64 { self.b.ins().f64const(0.0) } else { self.b.ins().iconst(ty, 0) };
        self.b.ins().brif(cond, then, &[], merge, &[zero.into()]);
        self.b.switch_to_block(then);
        let Some(r) = self.call(name, args) else { return unsupported(format!("helper {name}")) };
        self.b.ins().jump(merge, &[r.into()]);
        self.b.switch_to_block(merge);
        Ok(out)
    }

    /// Like `guarded_call` for a helper whose result depends only on the string id `key` (the
    /// other arguments are constants of the site): a direct-mapped cache in `Env::icache` answers
    /// repeated ids without the call. An entry is `(key + 1) << 32 | (result + 1)`.
    pub fn cached_call(
        &mut self,
        cond: cranelift_codegen::ir::Value,
        key: cranelift_codegen::ir::Value,
        name: &'static str,
        args: &[cranelift_codegen::ir::Value],
    ) -> Result<cranelift_codegen::ir::Value> {
        let site = self.sites.caches as i64;
        self.sites.caches += 1;
        let (look, hit_b, miss, merge) =
            (self.b.create_block(), self.b.create_block(), self.b.create_block(), self.b.create_block());
        let out = self.b.append_block_param(merge, types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.ins().brif(cond, look, &[], merge, &[zero.into()]);
        self.b.switch_to_block(look);
        let f = flags();
        let cache = self.b.ins().load(types::I64, f, self.env, env::ICACHE);
        let slot = self.b.ins().band_imm_s(key, CACHE_SLOTS - 1);
        let off = self.b.ins().imul_imm_s(slot, 8);
        let off = self.b.ins().iadd_imm_s(off, site * CACHE_SLOTS * 8);
        let addr = self.b.ins().iadd(cache, off);
        let entry = self.b.ins().load(types::I64, mutable(), addr, 0);
        let tag = self.b.ins().ushr_imm_s(entry, 32);
        let want = self.b.ins().iadd_imm_s(key, 1);
        let hit = self.b.ins().icmp(IntCC::Equal, tag, want);
        self.b.ins().brif(hit, hit_b, &[], miss, &[]);
        self.b.switch_to_block(hit_b);
        let low = self.b.ins().band_imm_s(entry, 0xffff_ffff);
        let r = self.b.ins().iadd_imm_s(low, -1);
        self.b.ins().jump(merge, &[r.into()]);
        self.b.switch_to_block(miss);
        let Some(r) = self.call(name, args) else { return unsupported(format!("helper {name}")) };
        let hi = self.b.ins().ishl_imm_s(want, 32);
        let lo = self.b.ins().iadd_imm_s(r, 1);
        let lo = self.b.ins().band_imm_s(lo, 0xffff_ffff);
        let e = self.b.ins().bor(hi, lo);
        self.b.ins().store(mutable(), e, addr, 0);
        self.b.ins().jump(merge, &[r.into()]);
        self.b.switch_to_block(merge);
        Ok(out)
    }

    fn translate_const(&mut self, v: &Value) -> Result<NV> {
        let one = self.b.ins().iconst(types::I8, 1);
        let int = |t: &mut Self, kind, x: i64| {
            let v = t.b.ins().iconst(types::I64, x);
            NV { kind, present: one, v }
        };
        Ok(match v {
            Value::Null => self.null_of(Kind::Null),
            Value::Bool(x) => {
                let v = self.b.ins().iconst(types::I8, *x as i64);
                NV { kind: Kind::Bool, present: one, v }
            }
            Value::Int(x) => int(self, Kind::Int, *x),
            Value::Double(x) => {
                let v = self.b.ins().f64const(*x);
                NV { kind: Kind::Double, present: one, v }
            }
            Value::String(s) => int(self, Kind::Str, self.interner.intern(s) as i64),
            Value::Timestamp(x) => int(self, Kind::Timestamp, *x),
            Value::Date(x) => int(self, Kind::Date, *x as i64),
            Value::Array(_) | Value::Object(_) => return unsupported("array or object literal"),
        })
    }

    /// Turns a raw cell (tag `I8`, bits `I64`) into a value of `kind`; a wrong tag is null, an
    /// int cell where a double is expected is converted.
    pub fn cell(
        &mut self,
        kind: Kind,
        t: cranelift_codegen::ir::Value,
        bits: cranelift_codegen::ir::Value,
    ) -> NV {
        let present = self.b.ins().icmp_imm_s(IntCC::Equal, t, kind.tag() as i64);
        match kind {
            Kind::Double => {
                let is_int = self.b.ins().icmp_imm_s(IntCC::Equal, t, tag::INT as i64);
                let present = self.b.ins().bor(present, is_int);
                let conv = self.b.ins().fcvt_from_sint(types::F64, bits);
                let raw = self.b.ins().bitcast(types::F64, MemFlagsData::new(), bits);
                let v = self.b.ins().select(is_int, conv, raw);
                NV { kind, present, v }
            }
            Kind::Bool => {
                let v = self.b.ins().icmp_imm_s(IntCC::NotEqual, bits, 0);
                NV { kind, present, v }
            }
            Kind::Date => {
                // Dates are i32 sign-extended; normalise in case the upper bits are not.
                let low = self.b.ins().ireduce(types::I32, bits);
                let v = self.b.ins().sextend(types::I64, low);
                NV { kind, present, v }
            }
            _ => NV { kind, present, v: bits },
        }
    }

    /// Loads cell `row` of event column `col`.
    pub fn load_cell(&mut self, col: usize, kind: Kind, row: cranelift_codegen::ir::Value) -> NV {
        let (tags, bits) = match self.bases.get(&col) {
            Some(b) => *b,
            None => self.column_base(col),
        };
        let tp = self.b.ins().iadd(tags, row);
        let t = self.b.ins().uload8(types::I32, cell_flags(), tp, 0);
        let off = self.b.ins().imul_imm_s(row, 8);
        let bp = self.b.ins().iadd(bits, off);
        let raw = self.b.ins().load(types::I64, cell_flags(), bp, 0);
        self.cell(kind, t, raw)
    }

    /// Loads a column's (tags, bits) base pointers.
    fn column_base(&mut self, col: usize) -> (cranelift_codegen::ir::Value, cranelift_codegen::ir::Value) {
        let f = flags();
        let cols = self.b.ins().load(types::I64, f, self.env, env::COLS);
        let entry = self.b.ins().iadd_imm_s(cols, col as i64 * env::COLPTR_SIZE);
        let tags = self.b.ins().load(types::I64, f, entry, 0);
        let bits = self.b.ins().load(types::I64, f, entry, env::COLPTR_BITS);
        (tags, bits)
    }

    /// Loads the base pointers of `cols` at the current position (the function's entry), so the
    /// row loop does not reload them.
    pub fn load_bases(&mut self, cols: &[(usize, Kind)]) {
        for &(c, _) in cols {
            let b = self.column_base(c);
            self.bases.insert(c, b);
        }
    }

    /// The event column of a scope-1 path, with its kind (`None` for `timestamp`).
    pub fn event_column(&self, path: &[String], ty: &ir::Type) -> Result<(Option<usize>, Kind)> {
        let Some(kind) = Kind::of(ty) else { return unsupported("non-scalar event path") };
        if path.len() == 1 && path[0] == "timestamp" {
            return Ok((None, Kind::Timestamp));
        }
        match self.event_paths.iter().position(|p| p.path == path) {
            Some(i) => Ok((Some(i), kind)),
            None => unsupported(format!("event path {} not extracted", path.join("."))),
        }
    }

    /// Loads, at the current position, the cells of `cols` for the current row, so that later
    /// reads in blocks this one dominates reuse them.
    pub fn preload(&mut self, cols: &[(usize, Kind)]) {
        let Some(row) = self.row else { return };
        for &(c, kind) in cols {
            let nv = self.load_cell(c, kind, row);
            self.cells.insert(c, nv);
        }
    }

    fn translate_path(&mut self, scope: u32, path: &[String], ty: &ir::Type) -> Result<NV> {
        match (scope, self.row) {
            (0, _) => self.translate_profile_path(path, ty),
            (1, Some(row)) => {
                let (col, kind) = self.event_column(path, ty)?;
                let Some(col) = col else {
                    let ts = self.b.ins().load(types::I64, flags(), self.env, env::TS);
                    let off = self.b.ins().imul_imm_s(row, 8);
                    let p = self.b.ins().iadd(ts, off);
                    let v = self.b.ins().load(types::I64, cell_flags(), p, 0);
                    let present = self.b.ins().iconst(types::I8, 1);
                    return Ok(NV { kind: Kind::Timestamp, present, v });
                };
                if let Some(nv) = self.cells.get(&col).filter(|nv| nv.kind == kind) {
                    return Ok(*nv);
                }
                Ok(self.load_cell(col, kind, row))
            }
            _ => unsupported("path in a nested scope"),
        }
    }

    fn translate_profile_path(&mut self, path: &[String], ty: &ir::Type) -> Result<NV> {
        let Some(kind) = Kind::of(ty) else { return unsupported("non-scalar profile path") };
        let k = match self.sites.leaves.iter().position(|(p, k)| p == path && *k == kind) {
            Some(k) => k,
            None => {
                self.sites.leaves.push((path.to_vec(), kind));
                self.sites.leaves.len() - 1
            }
        };
        let f = flags();
        let tags = self.b.ins().load(types::I64, f, self.env, env::PROF_TAGS);
        let bits = self.b.ins().load(types::I64, f, self.env, env::PROF_BITS);
        let t = self.b.ins().uload8(types::I32, f, tags, k as i32);
        let raw = self.b.ins().load(types::I64, f, bits, (k * 8) as i32);
        Ok(self.cell(kind, t, raw))
    }

    fn translate_not(&mut self, inner: &ir::Expr) -> Result<NV> {
        let t = self.truthy(inner)?;
        let v = self.b.ins().bxor_imm_s(t, 1);
        Ok(self.bool_nv(v))
    }

    fn translate_logic(&mut self, op: ir::LogicOp, lhs: &ir::Expr, rhs: &ir::Expr) -> Result<NV> {
        let l = self.truthy(lhs)?;
        if super::kernel::cheap(rhs) {
            // No branch: a mispredicted one costs more than evaluating a cheap right side.
            let r = self.truthy(rhs)?;
            let v = match op {
                ir::LogicOp::And => self.b.ins().band(l, r),
                ir::LogicOp::Or => self.b.ins().bor(l, r),
            };
            return Ok(self.bool_nv(v));
        }
        let rhs_block = self.b.create_block();
        let merge = self.b.create_block();
        let out = self.b.append_block_param(merge, types::I8);
        match op {
            ir::LogicOp::And => self.b.ins().brif(l, rhs_block, &[], merge, &[l.into()]),
            ir::LogicOp::Or => self.b.ins().brif(l, merge, &[l.into()], rhs_block, &[]),
        };
        self.b.switch_to_block(rhs_block);
        let r = self.truthy(rhs)?;
        self.b.ins().jump(merge, &[r.into()]);
        self.b.switch_to_block(merge);
        Ok(self.bool_nv(out))
    }

    /// Makes `nv` a value of `kind` (only null converts), or reports the construct unsupported.
    pub fn coerce(&mut self, nv: NV, kind: Kind) -> Result<NV> {
        if nv.kind == kind {
            Ok(nv)
        } else if nv.kind == Kind::Null {
            Ok(self.null_of(kind))
        } else {
            unsupported(format!("{:?} where {kind:?} is expected", nv.kind))
        }
    }

    fn translate_if(
        &mut self,
        cond: &ir::Expr,
        then: &ir::Expr,
        otherwise: &ir::Expr,
        ty: &ir::Type,
    ) -> Result<NV> {
        let Some(kind) = Kind::of(ty) else { return unsupported("non-scalar if") };
        let c = self.truthy(cond)?;
        let (tb, eb, merge) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
        let present = self.b.append_block_param(merge, types::I8);
        let vty = match kind {
            Kind::Double => types::F64,
            Kind::Bool => types::I8,
            _ => types::I64,
        };
        let v = self.b.append_block_param(merge, vty);
        self.b.ins().brif(c, tb, &[], eb, &[]);
        for (block, e) in [(tb, then), (eb, otherwise)] {
            self.b.switch_to_block(block);
            let nv = self.translate(e)?;
            let nv = self.coerce(nv, kind)?;
            self.b.ins().jump(merge, &[nv.present.into(), nv.v.into()]);
        }
        self.b.switch_to_block(merge);
        Ok(NV { kind, present, v })
    }
}
