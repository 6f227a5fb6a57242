//! The reference interpreter: a tree walk over `ir` that defines what every expression means.
//!
//! The semantics written in the doc comments of this module's functions are the specification
//! the JIT (`codegen`) follows; `tests/run/` holds the cases both engines must pass.
//!
//! Decisions where the SPEC leaves room (each is documented at its function):
//! - `/` is real division (a double, as `check` types it); `/` and `%` by zero, and int
//!   overflow, give null;
//! - NaN compares false with everything (`!=` too); `-0.0 = 0.0`;
//! - bools, arrays and objects support only `=`/`!=`; other kinds that differ are incomparable;
//! - a projection through an array leaves out elements whose value is null;
//! - `matches` is a whole-string match (Java's `String.matches`); `like` has no escape;
//! - `map` keeps null results, `distinct` keeps null as a value; an object literal drops null
//!   fields;
//! - topN/bottomN put elements with a null key last;
//! - `occurs = N unit` means exactly `t ∓ N unit`; a date anchor or value is its midnight in the
//!   project's time zone, except that `occurs on <date>` compares calendar days;
//! - LIST skips null values before taking the newest N; COUNT_DISTINCT is null when it counts
//!   nothing (SPEC 1.6: every function but COUNT).

mod arrays;
pub(crate) mod attribute;
mod eval;
mod events;
mod ops;
mod strings;
pub(crate) mod time;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

pub use attribute::eval_attribute;
pub use eval::{eval, get_path, project};
pub use events::event_objects;

use crate::engine::{Compiled, EvalContext, EventColumns};
use crate::intern::Interner;
use crate::ir;
use crate::value::Value;
use std::ops::Range;
use std::sync::Arc;

/// A program ready to be interpreted: the IR itself (the interpreter compiles nothing).
pub struct Interpreter {
    program: ir::Program,
    interner: Arc<Interner>,
    /// Whether some audience reads `xEvent`: if none does, audiences are evaluated without
    /// building the profile's events as objects.
    audiences_read_events: bool,
    /// Whether some attribute's filter or value reads `xEvent` (all of a profile's events):
    /// if none does, an attribute sees only the events in its window, and only the events
    /// within the widest window are built as objects.
    attributes_read_events: bool,
    /// For each event path, whether attributes can observe it ([`observed_paths`]); only those
    /// are built into the event objects attributes are evaluated on. `None`: all of them.
    attribute_paths: Option<Vec<bool>>,
}

/// For each event path of `program`, whether one of its attributes can observe it: a path that
/// a filter or value reads, or a prefix or an extension of one (an event object's value at a
/// path is made of those, see [`events::event_objects_in`]); the others can change no result.
/// `None` when an attribute can see a whole event: it reads `xEvent`, or its value is the
/// event itself.
fn observed_paths(program: &ir::Program) -> Option<Vec<bool>> {
    let mut read: Vec<&[String]> = Vec::new();
    let mut whole = false;
    for a in &program.attributes {
        whole |= a.value.is_none() && a.function != ir::Function::Count;
        for e in a.filter.iter().chain(&a.value) {
            e.visit(&mut |e| match &e.kind {
                ir::ExprKind::Events => whole = true,
                // Scope 1 is the event in an attribute's filter and value.
                ir::ExprKind::Path { scope: 1, path } if path.is_empty() => whole = true,
                ir::ExprKind::Path { scope: 1, path } => read.push(path),
                _ => {}
            });
        }
    }
    if whole {
        return None;
    }
    let related = |p: &[String]| read.iter().any(|r| r.starts_with(p) || p.starts_with(r));
    Some(program.event_paths.iter().map(|p| related(&p.path)).collect())
}

impl Interpreter {
    pub fn new(program: ir::Program, interner: Arc<Interner>) -> Interpreter {
        let audiences_read_events = program.audiences.iter().any(|a| a.expr.reads_events());
        let attributes_read_events = program
            .attributes
            .iter()
            .flat_map(|a| a.filter.iter().chain(&a.value))
            .any(ir::Expr::reads_events);
        let attribute_paths = observed_paths(&program);
        Interpreter { program, interner, audiences_read_events, attributes_read_events, attribute_paths }
    }

    pub fn program(&self) -> &ir::Program {
        &self.program
    }

    /// The events of `rows` as objects (see [`event_objects`]).
    fn events(&self, events: &EventColumns, rows: Range<usize>) -> Vec<Value> {
        event_objects(&self.program.event_paths, events, rows, &self.interner)
    }
}

impl Compiled for Interpreter {
    fn attributes(
        &self,
        profile: &Value,
        events: &EventColumns,
        rows: Range<usize>,
        ctx: &EvalContext,
        out: &mut Vec<Value>,
    ) {
        out.clear();
        // `eval_attribute` looks at the events in `[window start, as_of]` only, unless a filter
        // or value reads `xEvent`.
        let window = match self.attributes_read_events {
            true => i64::MIN..=i64::MAX,
            false => {
                let starts =
                    self.program.attributes.iter().map(|a| attribute::window_start(a.duration, ctx.as_of));
                starts.min().unwrap_or(ctx.as_of)..=ctx.as_of
            }
        };
        let paths = self.attribute_paths.as_deref();
        let objects =
            events::event_objects_in(&self.program.event_paths, paths, events, rows, window, &self.interner);
        for attribute in &self.program.attributes {
            out.push(eval_attribute(attribute, profile, &objects, ctx));
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
        let objects = match self.audiences_read_events {
            true => self.events(events, rows),
            false => Vec::new(),
        };
        for audience in &self.program.audiences {
            let v = eval(&audience.expr, &[profile], &objects, ctx);
            out.push(matches!(v, Value::Bool(true)));
        }
    }
}
