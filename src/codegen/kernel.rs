//! The fused kernel: one loop over a profile's rows updating every native attribute's accumulator.

use super::layout::{acc, env, Kind};
use super::translate::{cell_flags, flags, mutable, unsupported, FunctionTranslator, Result, NV};
use crate::ir::{self, ExprKind, Function};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value as V};
use cranelift_frontend::Variable;

/// An attribute compiled into the kernel: its accumulator slot is its position in the kernel.
pub struct KernelAttr<'p> {
    pub attr: &'p ir::Attribute,
    /// The kind of the value expression (`None` for COUNT).
    pub kind: Option<Kind>,
}

/// Whether the kernel can accumulate this function over values of this kind.
pub fn accepts(f: Function, kind: Option<Kind>) -> Result<()> {
    let ok = match (f, kind) {
        (Function::Count, _) => true,
        (_, None) => false,
        // A literal null value: never present, so the result is null like an empty window.
        (_, Some(Kind::Null)) => true,
        (Function::Sum | Function::Avg, Some(k)) => matches!(k, Kind::Int | Kind::Double),
        (Function::Min | Function::Max, Some(k)) => {
            matches!(k, Kind::Int | Kind::Double | Kind::Timestamp | Kind::Date)
        }
        (Function::MostRecent | Function::First | Function::List(_) | Function::CountDistinct, _) => true,
    };
    if ok {
        Ok(())
    } else {
        unsupported(format!("{} over {kind:?}", f.name()))
    }
}

/// Scope-1 event columns an expression reads (for preloading once per row).
pub fn event_columns(t: &FunctionTranslator, e: &ir::Expr, out: &mut Vec<(usize, Kind)>) {
    walk(e, &mut |e| {
        if let ExprKind::Path { scope: 1, path } = &e.kind {
            if let Ok((Some(c), k)) = t.event_column(path, &e.ty) {
                if !out.iter().any(|(o, _)| *o == c) {
                    out.push((c, k));
                }
            }
        }
    });
}

fn walk(e: &ir::Expr, f: &mut dyn FnMut(&ir::Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Not(x) | ExprKind::Neg(x) => walk(x, f),
        ExprKind::Logic { lhs, rhs, .. }
        | ExprKind::Compare { lhs, rhs, .. }
        | ExprKind::Arith { lhs, rhs, .. } => {
            walk(lhs, f);
            walk(rhs, f);
        }
        ExprKind::If { cond, then, otherwise } => {
            walk(cond, f);
            walk(then, f);
            walk(otherwise, f);
        }
        ExprKind::In { expr, list, .. } => {
            walk(expr, f);
            walk(list, f);
        }
        ExprKind::Like { expr, .. } | ExprKind::Occurs { expr, .. } => walk(expr, f),
        ExprKind::Call { args, .. } => args.iter().for_each(|a| walk(a, f)),
        ExprKind::Array(items) => items.iter().for_each(|a| walk(a, f)),
        // Inner scopes of `Each` are not the kernel's row; nothing to preload there.
        _ => {}
    }
}

/// Translates an attribute's filter and value alone (the support check) and gives the value kind.
pub fn translate_attribute(t: &mut FunctionTranslator, a: &ir::Attribute) -> Result<Option<Kind>> {
    let row = t.b.ins().iconst(types::I64, 0);
    t.row = Some(row);
    if let Some(f) = &a.filter {
        t.truthy(f)?;
    }
    let kind = match &a.value {
        Some(v) if a.function != Function::Count => Some(t.translate(v)?.kind),
        _ => None,
    };
    accepts(a.function, kind)?;
    Ok(kind)
}

struct Vars {
    n: Variable,
    i: Variable,
    f: Variable,
    ovf: Variable,
    bits: Variable,
}

/// Emits the kernel body over `attrs`.
pub fn build_kernel(t: &mut FunctionTranslator, attrs: &[KernelAttr]) -> Result<()> {
    let f = flags();
    let start = t.b.ins().load(types::I64, f, t.env, env::ROW_START);
    let end = t.b.ins().load(types::I64, f, t.env, env::ROW_END);
    let as_of = t.b.ins().load(types::I64, f, t.env, env::AS_OF);
    let win = t.b.ins().load(types::I64, f, t.env, env::WIN_LO);
    let tsp = t.b.ins().load(types::I64, f, t.env, env::TS);
    let mut los = Vec::new();
    let mut vars = Vec::new();
    for (k, _) in attrs.iter().enumerate() {
        los.push(t.b.ins().load(types::I64, f, win, (k * 8) as i32));
        let zero = t.b.ins().iconst(types::I64, 0);
        let fzero = t.b.ins().f64const(0.0);
        let mut var = |ty, init| {
            let v = t.b.declare_var(ty);
            t.b.def_var(v, init);
            v
        };
        vars.push(Vars {
            n: var(types::I64, zero),
            i: var(types::I64, zero),
            f: var(types::F64, fzero),
            ovf: var(types::I64, zero),
            bits: var(types::I64, zero),
        });
    }
    let mut cols = Vec::new();
    for a in attrs {
        for e in a.attr.filter.iter().chain(a.attr.value.iter()) {
            event_columns(t, e, &mut cols);
        }
    }
    t.load_bases(&cols);
    let (header, body, work, latch, exit) =
        (t.b.create_block(), t.b.create_block(), t.b.create_block(), t.b.create_block(), t.b.create_block());
    let row = t.b.append_block_param(header, types::I64);
    t.b.ins().jump(header, &[start.into()]);
    t.b.switch_to_block(header);
    let more = t.b.ins().icmp(IntCC::SignedLessThan, row, end);
    t.b.ins().brif(more, body, &[], exit, &[]);
    t.b.switch_to_block(body);
    let off = t.b.ins().imul_imm_s(row, 8);
    let p = t.b.ins().iadd(tsp, off);
    let ts = t.b.ins().load(types::I64, cell_flags(), p, 0);
    let in_time = t.b.ins().icmp(IntCC::SignedLessThanOrEqual, ts, as_of);
    t.b.ins().brif(in_time, work, &[], latch, &[]);
    t.b.switch_to_block(work);
    t.row = Some(row);
    t.cells.clear();
    t.preload(&cols);
    for (k, a) in attrs.iter().enumerate() {
        // The window test branches: rows are sorted by time, so it is predictable. The filter
        // on random data is not: when the value is cheap, every row in the window evaluates it
        // and the filter only gates the update, with no branch to mispredict.
        let gated = !matches!(a.attr.function, Function::List(_) | Function::CountDistinct)
            && a.attr.value.iter().all(cheap);
        let (filter_block, next) = (t.b.create_block(), t.b.create_block());
        if a.attr.duration.is_some() {
            let in_win = t.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, ts, los[k]);
            t.b.ins().brif(in_win, filter_block, &[], next, &[]);
        } else {
            // No lookback: every row up to as_of is in the window.
            t.b.ins().jump(filter_block, &[]);
        }
        t.b.switch_to_block(filter_block);
        let pass = match &a.attr.filter {
            Some(fl) => t.truthy(fl)?,
            None => t.b.ins().iconst(types::I8, 1),
        };
        if gated {
            let value = attribute_value(t, a)?;
            accumulate(t, a.attr.function, k, &vars[k], value, row, Some(pass))?;
        } else {
            let update = t.b.create_block();
            t.b.ins().brif(pass, update, &[], next, &[]);
            t.b.switch_to_block(update);
            let value = attribute_value(t, a)?;
            accumulate(t, a.attr.function, k, &vars[k], value, row, None)?;
        }
        t.b.ins().jump(next, &[]);
        t.b.switch_to_block(next);
    }
    t.b.ins().jump(latch, &[]);
    t.b.switch_to_block(latch);
    let next_row = t.b.ins().iadd_imm_s(row, 1);
    t.b.ins().jump(header, &[next_row.into()]);
    t.b.switch_to_block(exit);
    let accs = t.b.ins().load(types::I64, f, t.env, env::ACCS);
    for (k, v) in vars.iter().enumerate() {
        let base = (k as i64 * acc::SIZE) as i32;
        for (var, off) in
            [(v.n, acc::N), (v.i, acc::I), (v.f, acc::F), (v.ovf, acc::OVERFLOW), (v.bits, acc::BITS)]
        {
            let x = t.b.use_var(var);
            t.b.ins().store(mutable(), x, accs, base + off);
        }
    }
    Ok(())
}

/// The 64-bit payload of a value, as stored in accumulators and pushed buffers.
fn raw(t: &mut FunctionTranslator, x: NV) -> V {
    match x.kind {
        Kind::Double => t.b.ins().bitcast(types::I64, MemFlagsData::new(), x.v),
        Kind::Bool => t.b.ins().uextend(types::I64, x.v),
        _ => x.v,
    }
}

fn attribute_value(t: &mut FunctionTranslator, a: &KernelAttr) -> Result<Option<NV>> {
    match (&a.attr.value, a.kind) {
        (Some(v), Some(kind)) if a.attr.function != Function::Count => {
            let nv = t.translate(v)?;
            Ok(Some(t.coerce(nv, kind)?))
        }
        _ => Ok(None),
    }
}

/// Whether an expression is cheap and safe to evaluate for every row (no helper calls, no
/// loops), so that it may run without a branch guarding it.
pub fn cheap(e: &ir::Expr) -> bool {
    match &e.kind {
        ExprKind::Const(_) | ExprKind::Path { .. } => true,
        ExprKind::Not(x) | ExprKind::Neg(x) => cheap(x),
        ExprKind::Logic { lhs, rhs, .. } => cheap(lhs) && cheap(rhs),
        ExprKind::Compare { op, lhs, rhs } => {
            let ordered_strings = lhs.ty == ir::Type::String && !matches!(op, ir::CmpOp::Eq | ir::CmpOp::Ne);
            cheap(lhs) && cheap(rhs) && !ordered_strings
        }
        ExprKind::Arith { op, lhs, rhs } => *op != ir::ArithOp::Rem && cheap(lhs) && cheap(rhs),
        ExprKind::If { cond, then, otherwise } => cheap(cond) && cheap(then) && cheap(otherwise),
        ExprKind::In { expr, .. } | ExprKind::Occurs { expr, .. } => cheap(expr),
        ExprKind::Call { func: ir::Func::IsNull | ir::Func::IsNotNull, args } => args.iter().all(cheap),
        _ => false,
    }
}

/// Adds one row to an accumulator; with `gate`, only when the gate (window and filter) is true.
fn accumulate(
    t: &mut FunctionTranslator,
    func: Function,
    k: usize,
    v: &Vars,
    x: Option<NV>,
    row: V,
    gate: Option<V>,
) -> Result<()> {
    let n = t.b.use_var(v.n);
    let Some(mut x) = x else {
        let inc = match gate {
            Some(g) => t.b.ins().uextend(types::I64, g),
            None => t.b.ins().iconst(types::I64, 1),
        };
        let n2 = t.b.ins().iadd(n, inc);
        t.b.def_var(v.n, n2);
        return Ok(());
    };
    if let Some(g) = gate {
        x.present = t.b.ins().band(x.present, g);
    }
    if x.kind == Kind::Null {
        return Ok(());
    }
    let p = t.b.ins().uextend(types::I64, x.present);
    let n2 = t.b.ins().iadd(n, p);
    t.b.def_var(v.n, n2);
    match func {
        Function::Count => {}
        Function::Sum if x.kind == Kind::Int => {
            let (i, ovf) = (t.b.use_var(v.i), t.b.use_var(v.ovf));
            let (s, of) = t.b.ins().sadd_overflow(i, x.v);
            let i2 = t.b.ins().select(x.present, s, i);
            let of = t.b.ins().band(of, x.present);
            let of = t.b.ins().uextend(types::I64, of);
            let ovf2 = t.b.ins().bor(ovf, of);
            t.b.def_var(v.i, i2);
            t.b.def_var(v.ovf, ovf2);
        }
        Function::Sum | Function::Avg => {
            let d = if x.kind == Kind::Int { t.b.ins().fcvt_from_sint(types::F64, x.v) } else { x.v };
            let fv = t.b.use_var(v.f);
            let s = t.b.ins().fadd(fv, d);
            let f2 = t.b.ins().select(x.present, s, fv);
            t.b.def_var(v.f, f2);
        }
        Function::Min | Function::Max => {
            let key = if x.kind == Kind::Double { t.total_key(x.v) } else { x.v };
            let bits = t.b.use_var(v.bits);
            let cc = if func == Function::Min { IntCC::SignedLessThan } else { IntCC::SignedGreaterThan };
            let better = t.b.ins().icmp(cc, key, bits);
            let first = t.b.ins().icmp_imm_s(IntCC::Equal, n, 0);
            let better = t.b.ins().bor(better, first);
            let take = t.b.ins().band(better, x.present);
            let b2 = t.b.ins().select(take, key, bits);
            t.b.def_var(v.bits, b2);
        }
        Function::MostRecent | Function::First => {
            let r = raw(t, x);
            let bits = t.b.use_var(v.bits);
            let take = if func == Function::First {
                let first = t.b.ins().icmp_imm_s(IntCC::Equal, n, 0);
                t.b.ins().band(first, x.present)
            } else {
                x.present
            };
            let b2 = t.b.ins().select(take, r, bits);
            t.b.def_var(v.bits, b2);
        }
        Function::List(_) | Function::CountDistinct => {
            let r = raw(t, x);
            let (push, done) = (t.b.create_block(), t.b.create_block());
            t.b.ins().brif(x.present, push, &[], done, &[]);
            t.b.switch_to_block(push);
            let attr = t.b.ins().iconst(types::I64, k as i64);
            if t.call("mosaic_push", &[t.rt, attr, row, r]).is_some() {
                return unsupported("helper mosaic_push returns nothing");
            }
            t.b.ins().jump(done, &[]);
            t.b.switch_to_block(done);
        }
    }
    Ok(())
}
