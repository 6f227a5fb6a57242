//! `engine::Compiled` for `Native`: builds the `Env` of a call, runs native code, merges fallbacks.

use super::finish;
use super::helpers::Runtime;
use super::layout::{Acc, ColPtr, Env, CACHE_SLOTS};
use super::native::{Native, Slot};
use super::times;
use crate::engine::{tag, Compiled, EvalContext, EventColumns};
use crate::value::Value;
use std::collections::HashMap;
use std::ops::Range;

/// The buffers an `Env` points into; they outlive the native call.
struct Frame {
    cols: Vec<ColPtr>,
    /// Zeroed (null) cells standing in for columns the caller did not provide.
    _pad: (Vec<u8>, Vec<u64>),
    occurs: Vec<i64>,
    prof_tags: Vec<u8>,
    prof_bits: Vec<u64>,
    icache: Vec<u64>,
    rows: Range<usize>,
    /// A profile leaf holds a value of another type than the schema's: native code would read
    /// it as null where the interpreter sees the value, so the call goes to the interpreter.
    odd: bool,
}

impl Native {
    fn runtime<'a>(&'a self, ctx: &'a EvalContext) -> Runtime<'a> {
        Runtime {
            interner: &self.interner,
            tz: &ctx.tz,
            as_of: ctx.as_of,
            tables: &self.sites.tables,
            cache: HashMap::default(),
            pushed: vec![Vec::new(); self.kernel_attrs.len()],
        }
    }

    /// Everything native code reads, with rows clamped to the data actually present so native
    /// code never reads out of bounds whatever the caller passes.
    fn frame(&self, profile: &Value, events: &EventColumns, rows: Range<usize>, rt: &Runtime) -> Frame {
        let end = rows.end.min(events.timestamp.len());
        let rows = rows.start.min(end)..end;
        let usable = |i: usize| events.columns.get(i).filter(|c| c.tags.len() >= end && c.bits.len() >= end);
        // Only a caller that passes too few cells pays for the padding.
        let pad = match (0..self.n_paths).all(|i| usable(i).is_some()) {
            true => (Vec::new(), Vec::new()),
            false => (vec![0u8; end], vec![0u64; end]),
        };
        let cols = (0..self.n_paths)
            .map(|i| match usable(i) {
                Some(c) => ColPtr { tags: c.tags.as_ptr(), bits: c.bits.as_ptr() },
                None => ColPtr { tags: pad.0.as_ptr(), bits: pad.1.as_ptr() },
            })
            .collect();
        let occurs =
            self.sites.occurs.iter().flat_map(|o| times::occurs_bounds(o, rt.as_of, rt.tz)).collect();
        let (prof_tags, prof_bits): (Vec<u8>, Vec<u64>) =
            self.sites.leaves.iter().map(|(p, _)| finish::leaf(profile, p, rt)).unzip();
        let odd =
            self.sites.leaves.iter().zip(&prof_tags).any(|((_, k), t)| *t != tag::NULL && *t != k.tag());
        let icache = vec![0u64; self.sites.caches * CACHE_SLOTS as usize];
        Frame { cols, _pad: pad, occurs, prof_tags, prof_bits, icache, rows, odd }
    }

    fn env(
        &self,
        f: &mut Frame,
        events: &EventColumns,
        win: &[i64],
        accs: &mut [Acc],
        rt: &mut Runtime,
        as_of: i64,
    ) -> Env {
        Env {
            cols: f.cols.as_ptr(),
            ts: events.timestamp.as_ptr(),
            row_start: f.rows.start as i64,
            row_end: f.rows.end as i64,
            as_of,
            win_lo: win.as_ptr(),
            accs: accs.as_mut_ptr(),
            occurs: f.occurs.as_ptr(),
            prof_tags: f.prof_tags.as_ptr(),
            prof_bits: f.prof_bits.as_ptr(),
            rt: rt as *mut Runtime as *mut u8,
            icache: f.icache.as_mut_ptr(),
        }
    }
}

impl Compiled for Native {
    fn attributes(
        &self,
        profile: &Value,
        events: &EventColumns,
        rows: Range<usize>,
        ctx: &EvalContext,
        out: &mut Vec<Value>,
    ) {
        out.clear();
        out.resize(self.n_attrs, Value::Null);
        if let Some(kernel) = self.kernel {
            let mut rt = self.runtime(ctx);
            let mut frame = self.frame(profile, events, rows.clone(), &rt);
            if let (true, Some(slow)) = (frame.odd, &self.slow) {
                return slow.attributes(profile, events, rows, ctx, out);
            }
            let win: Vec<i64> =
                self.kernel_attrs.iter().map(|a| times::window_start(a.3, ctx.as_of)).collect();
            let mut accs = vec![Acc::default(); self.kernel_attrs.len()];
            let env = self.env(&mut frame, events, &win, &mut accs, &mut rt, ctx.as_of);
            // SAFETY: `env` points into `frame`, `win`, `accs`, `events` and `rt`, all alive for
            // the call; row indexes are clamped to every column's length by `frame`; the kernel
            // writes only `accs[..kernel_attrs.len()]` and `rt` (through helpers).
            unsafe { kernel(&env) };
            for (k, (i, f, kind, _)) in self.kernel_attrs.iter().enumerate() {
                out[*i] = finish::finish(*f, *kind, &accs[k], &rt.pushed[k], &self.interner);
            }
        }
        if let Some(fb) = &self.fallback {
            if !self.fallback_attrs.is_empty() {
                let mut tmp = Vec::new();
                fb.attributes(profile, events, rows, ctx, &mut tmp);
                for (v, i) in tmp.into_iter().zip(&self.fallback_attrs) {
                    out[*i] = v;
                }
            }
        }
    }

    fn audiences(
        &self,
        profile: &Value,
        events: &EventColumns,
        rows: Range<usize>,
        ctx: &EvalContext,
        out: &mut Vec<bool>,
    ) {
        out.clear();
        let mut rt = self.runtime(ctx);
        let mut frame = self.frame(profile, events, rows.clone(), &rt);
        if let (true, Some(slow)) = (frame.odd, &self.slow) {
            return slow.audiences(profile, events, rows, ctx, out);
        }
        let mut fb_out = Vec::new();
        if let Some(fb) = &self.fallback {
            if self.audiences.iter().any(|s| matches!(s, Slot::Fallback(_))) {
                fb.audiences(profile, events, rows, ctx, &mut fb_out);
            }
        }
        let env = self.env(&mut frame, events, &[], &mut [], &mut rt, ctx.as_of);
        for slot in &self.audiences {
            out.push(match slot {
                // SAFETY: as in `attributes`; audience functions read `env` and call helpers only.
                Slot::Native(f) => (unsafe { f(&env) }) != 0,
                Slot::Fallback(i) => fb_out.get(*i).copied().unwrap_or(false),
            });
        }
    }
}
