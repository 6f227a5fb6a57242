//! Comparison, arithmetic, negation and `in`, with the interpreter's null and overflow rules.

use super::layout::Kind;
use super::translate::{unsupported, FunctionTranslator, Result, NV};
use crate::ir::{self, ArithOp, CmpOp, ExprKind};
use crate::value::Value;
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value as V};

fn fcc(op: CmpOp) -> FloatCC {
    match op {
        CmpOp::Eq => FloatCC::Equal,
        CmpOp::Ne => FloatCC::OrderedNotEqual,
        CmpOp::Lt => FloatCC::LessThan,
        CmpOp::Le => FloatCC::LessThanOrEqual,
        CmpOp::Gt => FloatCC::GreaterThan,
        CmpOp::Ge => FloatCC::GreaterThanOrEqual,
    }
}

fn cc(op: CmpOp) -> IntCC {
    match op {
        CmpOp::Eq => IntCC::Equal,
        CmpOp::Ne => IntCC::NotEqual,
        CmpOp::Lt => IntCC::SignedLessThan,
        CmpOp::Le => IntCC::SignedLessThanOrEqual,
        CmpOp::Gt => IntCC::SignedGreaterThan,
        CmpOp::Ge => IntCC::SignedGreaterThanOrEqual,
    }
}

impl FunctionTranslator<'_> {
    /// A double's total-order key (`f64::total_cmp` as a signed integer order).
    pub fn total_key(&mut self, d: V) -> V {
        let bits = self.b.ins().bitcast(types::I64, MemFlagsData::new(), d);
        let sign = self.b.ins().sshr_imm_s(bits, 63);
        let mask = self.b.ins().ushr_imm_s(sign, 1);
        self.b.ins().bxor(bits, mask)
    }

    fn widen(&mut self, nv: NV) -> V {
        match nv.kind {
            Kind::Int => self.b.ins().fcvt_from_sint(types::F64, nv.v),
            _ => nv.v,
        }
    }

    pub(super) fn translate_neg(&mut self, inner: &ir::Expr, ty: &ir::Type) -> Result<NV> {
        let x = self.translate(inner)?;
        match x.kind {
            Kind::Int => {
                let zero = self.b.ins().iconst(types::I64, 0);
                let (v, of) = self.b.ins().ssub_overflow(zero, x.v);
                let ok = self.b.ins().bxor_imm_s(of, 1);
                let present = self.b.ins().band(x.present, ok);
                Ok(NV { kind: Kind::Int, present, v })
            }
            Kind::Double => {
                let v = self.b.ins().fneg(x.v);
                Ok(NV { v, ..x })
            }
            Kind::Null => Ok(self.null_of(Kind::of(ty).unwrap_or(Kind::Null))),
            k => unsupported(format!("negation of {k:?}")),
        }
    }

    pub(super) fn translate_compare(&mut self, op: CmpOp, lhs: &ir::Expr, rhs: &ir::Expr) -> Result<NV> {
        let l = self.translate(lhs)?;
        let r = self.translate(rhs)?;
        let both = self.b.ins().band(l.present, r.present);
        let c = match (l.kind, r.kind) {
            (Kind::Null, _) | (_, Kind::Null) => self.b.ins().iconst(types::I8, 0),
            (Kind::Int, Kind::Int) | (Kind::Timestamp, Kind::Timestamp) | (Kind::Date, Kind::Date) => {
                self.b.ins().icmp(cc(op), l.v, r.v)
            }
            // IEEE order, as the interpreter: -0.0 = 0.0, and NaN compares false (`!=` too).
            (Kind::Double, Kind::Double) => self.b.ins().fcmp(fcc(op), l.v, r.v),
            (Kind::Int, Kind::Double) | (Kind::Double, Kind::Int) => {
                let (i, d, flip) = if l.kind == Kind::Int { (l.v, r.v, false) } else { (r.v, l.v, true) };
                let bits = self.b.ins().bitcast(types::I64, MemFlagsData::new(), d);
                let Some(ord) = self.call("mosaic_cmp_int_double", &[i, bits]) else {
                    return unsupported("helper");
                };
                // 2 means NaN: not comparable, so every operator is false.
                let comparable = self.b.ins().icmp_imm_s(IntCC::NotEqual, ord, 2);
                let ord = if flip { self.b.ins().ineg(ord) } else { ord };
                let holds = self.b.ins().icmp_imm_s(cc(op), ord, 0);
                self.b.ins().band(comparable, holds)
            }
            (Kind::Str, Kind::Str) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                self.b.ins().icmp(cc(op), l.v, r.v)
            }
            (Kind::Str, Kind::Str) => {
                let ord = self.guarded_call(both, "mosaic_str_cmp", &[self.rt, l.v, r.v], types::I64)?;
                self.b.ins().icmp_imm_s(cc(op), ord, 0)
            }
            (Kind::Bool, Kind::Bool) if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                self.b.ins().icmp(cc(op), l.v, r.v)
            }
            (Kind::Timestamp, Kind::Date) | (Kind::Date, Kind::Timestamp) => {
                let (a, b) = if l.kind == Kind::Date {
                    let Some(a) = self.call("mosaic_date_to_ts", &[self.rt, l.v]) else {
                        return unsupported("helper");
                    };
                    (a, r.v)
                } else {
                    let Some(b) = self.call("mosaic_date_to_ts", &[self.rt, r.v]) else {
                        return unsupported("helper");
                    };
                    (l.v, b)
                };
                self.b.ins().icmp(cc(op), a, b)
            }
            _ => self.b.ins().iconst(types::I8, 0),
        };
        let v = self.b.ins().band(both, c);
        Ok(self.bool_nv(v))
    }

    pub(super) fn translate_arith(
        &mut self,
        op: ArithOp,
        lhs: &ir::Expr,
        rhs: &ir::Expr,
        ty: &ir::Type,
    ) -> Result<NV> {
        let l = self.translate(lhs)?;
        let r = self.translate(rhs)?;
        let want = Kind::of(ty);
        if l.kind == Kind::Null || r.kind == Kind::Null {
            return Ok(self.null_of(want.unwrap_or(Kind::Null)));
        }
        let both = self.b.ins().band(l.present, r.present);
        match (l.kind, r.kind, want) {
            // `/` is real division (a double) in the interpreter, whatever the operands.
            (Kind::Int, Kind::Int, Some(Kind::Int)) if op != ArithOp::Div => {
                self.arith_int(op, l.v, r.v, both)
            }
            (Kind::Int, Kind::Int, _) if op != ArithOp::Div => {
                unsupported(format!("int {op:?} int typed {want:?}"))
            }
            (Kind::Int | Kind::Double, Kind::Int | Kind::Double, Some(Kind::Double)) => {
                let (a, b) = (self.widen(l), self.widen(r));
                self.arith_double(op, a, b, both)
            }
            (a, b, w) => unsupported(format!("arithmetic {a:?} {op:?} {b:?} giving {w:?}")),
        }
    }

    fn arith_int(&mut self, op: ArithOp, x: V, y: V, both: V) -> Result<NV> {
        let (v, bad) = match op {
            ArithOp::Add => self.b.ins().sadd_overflow(x, y),
            ArithOp::Sub => self.b.ins().ssub_overflow(x, y),
            ArithOp::Mul => self.b.ins().smul_overflow(x, y),
            ArithOp::Div | ArithOp::Rem => {
                // Division by zero and MIN / -1 are null; the divisor is replaced so nothing traps.
                let zero = self.b.ins().icmp_imm_s(IntCC::Equal, y, 0);
                let min = self.b.ins().icmp_imm_s(IntCC::Equal, x, i64::MIN);
                let neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, y, -1);
                let ovf = self.b.ins().band(min, neg1);
                let bad = self.b.ins().bor(zero, ovf);
                let one = self.b.ins().iconst(types::I64, 1);
                let safe = self.b.ins().select(bad, one, y);
                let v =
                    if op == ArithOp::Div { self.b.ins().sdiv(x, safe) } else { self.b.ins().srem(x, safe) };
                (v, bad)
            }
        };
        let ok = self.b.ins().bxor_imm_s(bad, 1);
        let present = self.b.ins().band(both, ok);
        Ok(NV { kind: Kind::Int, present, v })
    }

    fn arith_double(&mut self, op: ArithOp, x: V, y: V, both: V) -> Result<NV> {
        let zero = self.b.ins().f64const(0.0);
        let y_zero = self.b.ins().fcmp(FloatCC::Equal, y, zero);
        let (v, present) = match op {
            ArithOp::Add => (self.b.ins().fadd(x, y), both),
            ArithOp::Sub => (self.b.ins().fsub(x, y), both),
            ArithOp::Mul => (self.b.ins().fmul(x, y), both),
            ArithOp::Div | ArithOp::Rem => {
                let v = if op == ArithOp::Div {
                    self.b.ins().fdiv(x, y)
                } else {
                    let Some(v) = self.call("mosaic_fmod", &[x, y]) else { return unsupported("helper") };
                    v
                };
                let ok = self.b.ins().bxor_imm_s(y_zero, 1);
                (v, self.b.ins().band(both, ok))
            }
        };
        Ok(NV { kind: Kind::Double, present, v })
    }

    pub(super) fn translate_in(&mut self, negated: bool, expr: &ir::Expr, list: &ir::Expr) -> Result<NV> {
        let consts: Vec<Value> = match &list.kind {
            ExprKind::Array(items) => items
                .iter()
                .map(|i| match &i.kind {
                    ExprKind::Const(v) => Ok(v.clone()),
                    _ => unsupported("in over a non-literal list"),
                })
                .collect::<Result<_>>()?,
            ExprKind::Const(Value::Array(items)) => items.to_vec(),
            _ => return unsupported("in over a non-literal list"),
        };
        let x = self.translate(expr)?;
        let mut any = self.b.ins().iconst(types::I8, 0);
        for c in &consts {
            if let Some(eq) = self.eq_const(x, c)? {
                any = self.b.ins().bor(any, eq);
            }
        }
        let hit = if negated { self.b.ins().bxor_imm_s(any, 1) } else { any };
        let v = self.b.ins().band(x.present, hit);
        Ok(self.bool_nv(v))
    }

    /// `x = c` for a literal `c` (as `Value` equality); `None` when it can never hold.
    fn eq_const(&mut self, x: NV, c: &Value) -> Result<Option<V>> {
        if matches!((x.kind, c), (Kind::Timestamp, Value::Date(_)) | (Kind::Date, Value::Timestamp(_))) {
            return unsupported("in mixing dates and timestamps");
        }
        Ok(self.eq_const_same_kind(x, c))
    }

    fn eq_const_same_kind(&mut self, x: NV, c: &Value) -> Option<V> {
        let int_eq = |t: &mut Self, k: i64| Some(t.b.ins().icmp_imm_s(IntCC::Equal, x.v, k));
        match (x.kind, c) {
            (Kind::Str, Value::String(s)) => int_eq(self, self.interner.intern(s) as i64),
            (Kind::Int, Value::Int(i)) | (Kind::Timestamp, Value::Timestamp(i)) => int_eq(self, *i),
            (Kind::Date, Value::Date(d)) => int_eq(self, *d as i64),
            (Kind::Bool, Value::Bool(b)) => int_eq(self, *b as i64),
            (Kind::Int, Value::Double(d)) => {
                let i = *d as i64;
                (Value::Int(i) == Value::Double(*d)).then_some(())?;
                int_eq(self, i)
            }
            (Kind::Double, Value::Double(d)) => {
                let k = self.b.ins().f64const(*d);
                Some(self.b.ins().fcmp(FloatCC::Equal, x.v, k))
            }
            (Kind::Double, Value::Int(i)) => {
                let d = *i as f64;
                (Value::Int(*i) == Value::Double(d)).then_some(())?;
                let k = self.b.ins().f64const(d);
                Some(self.b.ins().fcmp(FloatCC::Equal, x.v, k))
            }
            _ => None,
        }
    }
}
