//! Strings, dates, `like`, `occurs` and `xEvent` quantifiers: natively or through helpers.

use super::helpers::method;
use super::layout::{env, Kind};
use super::translate::{flags, unsupported, FunctionTranslator, Result, NV};
use crate::ir::{self, ArrayOp, ExprKind, Func};
use crate::value::Value;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, Value as V};

/// A `like` pattern as an anchored regex: `%` any run, `_` one character, the rest literal.
pub fn like_regex(pattern: &str) -> std::result::Result<regex::Regex, regex::Error> {
    let mut re = String::from("(?s)^");
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
    re.push('$');
    regex::Regex::new(&re)
}

impl FunctionTranslator<'_> {
    fn string_arg(&mut self, e: &ir::Expr) -> Result<NV> {
        let nv = self.translate(e)?;
        self.coerce(nv, Kind::Str)
    }

    pub(super) fn translate_like(&mut self, expr: &ir::Expr, pattern: &str) -> Result<NV> {
        let Ok(re) = like_regex(pattern) else { return unsupported("like pattern") };
        let s = self.string_arg(expr)?;
        let site = self.b.ins().iconst(types::I64, self.sites.tables.likes.len() as i64);
        self.sites.tables.likes.push(re);
        let hit = self.cached_call(s.present, s.v, "mosaic_like", &[self.rt, site, s.v])?;
        let v = self.b.ins().ireduce(types::I8, hit);
        Ok(self.bool_nv(v))
    }

    pub(super) fn translate_occurs(&mut self, expr: &ir::Expr, occurs: &ir::Occurs) -> Result<NV> {
        if !super::times::occurs_is_static(occurs) {
            return unsupported("occurs with a data-dependent anchor");
        }
        let x = self.translate(expr)?;
        let ts = match x.kind {
            Kind::Timestamp => x.v,
            Kind::Date => match self.call("mosaic_date_to_ts", &[self.rt, x.v]) {
                Some(v) => v,
                None => return unsupported("helper"),
            },
            Kind::Null => {
                let v = self.b.ins().iconst(types::I8, 0);
                return Ok(self.bool_nv(v));
            }
            k => return unsupported(format!("occurs on {k:?}")),
        };
        let k = self.sites.occurs.len() as i32;
        self.sites.occurs.push(occurs.clone());
        let f = flags();
        let base = self.b.ins().load(types::I64, f, self.env, env::OCCURS);
        let lo = self.b.ins().load(types::I64, f, base, k * 32);
        let hi = self.b.ins().load(types::I64, f, base, k * 32 + 8);
        let ex = self.b.ins().load(types::I64, f, base, k * 32 + 16);
        let has = self.b.ins().load(types::I64, f, base, k * 32 + 24);
        let a = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, ts, lo);
        let b = self.b.ins().icmp(IntCC::SignedLessThanOrEqual, ts, hi);
        let is_ex = self.b.ins().icmp(IntCC::Equal, ts, ex);
        let has = self.b.ins().icmp_imm_s(IntCC::NotEqual, has, 0);
        let excluded = self.b.ins().band(is_ex, has);
        let not_ex = self.b.ins().bxor_imm_s(excluded, 1);
        let v = self.b.ins().band(a, b);
        let v = self.b.ins().band(v, not_ex);
        let v = self.b.ins().band(v, x.present);
        Ok(self.bool_nv(v))
    }

    pub(super) fn translate_call(&mut self, func: &Func, args: &[ir::Expr], ty: &ir::Type) -> Result<NV> {
        let arg =
            |i: usize| args.get(i).ok_or_else(|| super::translate::Unsupported("missing argument".into()));
        match func {
            Func::StartsWith | Func::EndsWith | Func::Contains | Func::Equals => {
                self.translate_str_method(func, args, false)
            }
            Func::DoesNotStartWith | Func::DoesNotEndWith | Func::DoesNotContain | Func::NotEqualTo => {
                self.translate_str_method(func, args, true)
            }
            Func::Matches(re) => {
                let Ok(re) = regex::Regex::new(&format!("^(?:{})$", re.pattern)) else {
                    return unsupported("regex");
                };
                let s = self.string_arg(arg(0)?)?;
                let site = self.b.ins().iconst(types::I64, self.sites.tables.matches.len() as i64);
                self.sites.tables.matches.push(re);
                let hit = self.cached_call(s.present, s.v, "mosaic_matches", &[self.rt, site, s.v])?;
                let v = self.b.ins().ireduce(types::I8, hit);
                Ok(self.bool_nv(v))
            }
            Func::RegexGroup(re) => {
                let n = match args.get(1).map(|a| &a.kind) {
                    Some(ExprKind::Const(Value::Int(n))) if *n >= 0 => *n as usize,
                    _ => return unsupported("regexGroup with a computed group"),
                };
                let s = self.string_arg(arg(0)?)?;
                let site = self.b.ins().iconst(types::I64, self.sites.tables.groups.len() as i64);
                self.sites.tables.groups.push((re.regex.clone(), n));
                let id = self.cached_call(s.present, s.v, "mosaic_regex_group", &[self.rt, site, s.v])?;
                let found = self.b.ins().icmp_imm_s(IntCC::NotEqual, id, -1);
                let present = self.b.ins().band(s.present, found);
                Ok(NV { kind: Kind::Str, present, v: id })
            }
            Func::Lower | Func::Upper => {
                let s = self.string_arg(arg(0)?)?;
                let up = self.b.ins().iconst(types::I64, (*func == Func::Upper) as i64);
                let v = self.cached_call(s.present, s.v, "mosaic_case", &[self.rt, up, s.v])?;
                Ok(NV { kind: Kind::Str, v, ..s })
            }
            Func::Length => {
                let s = self.string_arg(arg(0)?)?;
                let v = self.cached_call(s.present, s.v, "mosaic_str_len", &[self.rt, s.v])?;
                Ok(NV { kind: Kind::Int, v, ..s })
            }
            Func::IsNull | Func::IsNotNull => {
                let x = self.translate(arg(0)?)?;
                let v = if *func == Func::IsNull { self.b.ins().bxor_imm_s(x.present, 1) } else { x.present };
                Ok(self.bool_nv(v))
            }
            Func::GetYear | Func::GetMonth | Func::GetDayOfMonth => {
                let x = self.translate(arg(0)?)?;
                let is_date = match x.kind {
                    Kind::Date => 1,
                    Kind::Timestamp => 0,
                    Kind::Null => return Ok(self.null_of(Kind::Int)),
                    k => return unsupported(format!("date part of {k:?}")),
                };
                let part = [Func::GetYear, Func::GetMonth].iter().position(|f| f == func).unwrap_or(2);
                let (d, p) =
                    (self.b.ins().iconst(types::I64, is_date), self.b.ins().iconst(types::I64, part as i64));
                let v =
                    self.guarded_call(x.present, "mosaic_date_part", &[self.rt, d, x.v, p], types::I64)?;
                let ok = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, i64::MIN);
                let present = self.b.ins().band(x.present, ok);
                Ok(NV { kind: Kind::Int, present, v })
            }
            Func::CurrentYear | Func::CurrentMonth | Func::CurrentDayOfMonth => {
                let part =
                    [Func::CurrentYear, Func::CurrentMonth].iter().position(|f| f == func).unwrap_or(2);
                let p = self.b.ins().iconst(types::I64, part as i64);
                let Some(v) = self.call("mosaic_current_part", &[self.rt, p]) else {
                    return unsupported("helper");
                };
                let present = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, i64::MIN);
                Ok(NV { kind: Kind::Int, present, v })
            }
            Func::Now | Func::Today | Func::Yesterday | Func::Tomorrow => {
                let word = func.time_word();
                let Some(index) = super::helpers::TIME_WORDS.iter().position(|w| Some(w) == word.as_ref())
                else {
                    return unsupported("time word");
                };
                let w = self.b.ins().iconst(types::I64, index as i64);
                let Some(v) = self.call("mosaic_time_word", &[self.rt, w]) else {
                    return unsupported("helper");
                };
                let present = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, i64::MIN);
                Ok(NV { kind: Kind::Timestamp, present, v })
            }
            Func::Count => match args.first().map(|a| &a.kind) {
                Some(ExprKind::Each { op: ArrayOp::Filter, array, scope: 1, inner })
                    if matches!(array.kind, ExprKind::Events) && self.row.is_none() =>
                {
                    let n = self.event_loop(LoopKind::Count, inner.as_deref())?;
                    let present = self.b.ins().iconst(types::I8, 1);
                    Ok(NV { kind: Kind::Int, present, v: n })
                }
                Some(ExprKind::Events) if self.row.is_none() => {
                    let n = self.event_loop(LoopKind::Count, None)?;
                    let present = self.b.ins().iconst(types::I8, 1);
                    Ok(NV { kind: Kind::Int, present, v: n })
                }
                _ => unsupported(format!("count() of this array ({ty:?})")),
            },
            f => unsupported(format!("function {f:?}")),
        }
    }

    fn translate_str_method(&mut self, func: &Func, args: &[ir::Expr], negated: bool) -> Result<NV> {
        let (Some(a), Some(b)) = (args.first(), args.get(1)) else { return unsupported("missing argument") };
        let cs = match args.get(2).map(|e| &e.kind) {
            None => true,
            Some(ExprKind::Const(Value::Bool(cs))) => *cs,
            Some(_) => return unsupported("computed case-sensitivity flag"),
        };
        let b_const = matches!(b.kind, ExprKind::Const(_));
        let (a, b) = (self.string_arg(a)?, self.string_arg(b)?);
        let both = self.b.ins().band(a.present, b.present);
        let code = match func {
            Func::StartsWith | Func::DoesNotStartWith => method::STARTS_WITH,
            Func::EndsWith | Func::DoesNotEndWith => method::ENDS_WITH,
            Func::Contains | Func::DoesNotContain => method::CONTAINS,
            _ => method::EQUALS,
        };
        let hit = if code == method::EQUALS && cs {
            self.b.ins().icmp(IntCC::Equal, a.v, b.v)
        } else {
            let (c, s) = (self.b.ins().iconst(types::I64, code), self.b.ins().iconst(types::I64, cs as i64));
            let args = [self.rt, c, a.v, b.v, s];
            let r = match b_const {
                true => self.cached_call(both, a.v, "mosaic_str_method", &args)?,
                false => self.guarded_call(both, "mosaic_str_method", &args, types::I64)?,
            };
            self.b.ins().ireduce(types::I8, r)
        };
        let hit = if negated { self.b.ins().bxor_imm_s(hit, 1) } else { hit };
        let v = self.b.ins().band(both, hit);
        Ok(self.bool_nv(v))
    }

    pub(super) fn translate_each(
        &mut self,
        op: ArrayOp,
        array: &ir::Expr,
        scope: u32,
        inner: Option<&ir::Expr>,
    ) -> Result<NV> {
        if !matches!(array.kind, ExprKind::Events) || scope != 1 || self.row.is_some() {
            return unsupported(format!("{op:?} over an array other than xEvent"));
        }
        let kind = match op {
            ArrayOp::Any => LoopKind::Any,
            ArrayOp::All => LoopKind::All,
            _ => return unsupported(format!("xEvent.{op:?} as a value")),
        };
        let v = self.event_loop(kind, inner)?;
        let v = self.b.ins().ireduce(types::I8, v);
        Ok(self.bool_nv(v))
    }

    /// Loops over the profile's event rows evaluating `cond` (true when absent) per row.
    fn event_loop(&mut self, kind: LoopKind, cond: Option<&ir::Expr>) -> Result<V> {
        let f = flags();
        let start = self.b.ins().load(types::I64, f, self.env, env::ROW_START);
        let end = self.b.ins().load(types::I64, f, self.env, env::ROW_END);
        let (header, body, exit) = (self.b.create_block(), self.b.create_block(), self.b.create_block());
        let row = self.b.append_block_param(header, types::I64);
        let n = self.b.append_block_param(header, types::I64);
        let out = self.b.append_block_param(exit, types::I64);
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.ins().jump(header, &[start.into(), zero.into()]);
        self.b.switch_to_block(header);
        let done = self.b.ins().icmp(IntCC::SignedGreaterThanOrEqual, row, end);
        let finished = match kind {
            LoopKind::All => self.b.ins().iconst(types::I64, 1),
            LoopKind::Any => self.b.ins().iconst(types::I64, 0),
            LoopKind::Count => n,
        };
        self.b.ins().brif(done, exit, &[finished.into()], body, &[]);
        self.b.switch_to_block(body);
        let (saved_row, saved_cells) = (self.row.replace(row), std::mem::take(&mut self.cells));
        let c = match cond {
            Some(c) => self.truthy(c),
            None => Ok(self.b.ins().iconst(types::I8, 1)),
        };
        (self.row, self.cells) = (saved_row, saved_cells);
        let c = c?;
        let next = self.b.ins().iadd_imm_s(row, 1);
        match kind {
            LoopKind::Any | LoopKind::All => {
                let latch = self.b.create_block();
                let stop = self.b.ins().iconst(types::I64, (kind == LoopKind::Any) as i64);
                if kind == LoopKind::Any {
                    self.b.ins().brif(c, exit, &[stop.into()], latch, &[]);
                } else {
                    self.b.ins().brif(c, latch, &[], exit, &[stop.into()]);
                }
                self.b.switch_to_block(latch);
                self.b.ins().jump(header, &[next.into(), n.into()]);
            }
            LoopKind::Count => {
                let inc = self.b.ins().uextend(types::I64, c);
                let n2 = self.b.ins().iadd(n, inc);
                self.b.ins().jump(header, &[next.into(), n2.into()]);
            }
        }
        self.b.switch_to_block(exit);
        Ok(out)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoopKind {
    Any,
    All,
    Count,
}
