//! The boundary between the runtime and the two engines (`interp`, `codegen`).
//!
//! The runtime extracts, for each profile, its events into [`EventColumns`]: one typed column per
//! path the program reads (`ir::Program::event_paths`, same order), strings interned. An engine
//! compiles an `ir::Program` once into a [`Compiled`] and is then called once per profile (or per
//! batch of profiles) without the runtime knowing how it was compiled.

use crate::intern::Interner;
use crate::value::Value;
use std::ops::Range;
use std::sync::Arc;

/// Tags of a column cell. The payload `bits` is interpreted by the tag.
pub mod tag {
    /// Missing, null, or a value of the wrong type for the column (counted by ingest).
    pub const NULL: u8 = 0;
    /// `bits` is 0 or 1.
    pub const BOOL: u8 = 1;
    /// `bits` is an `i64`.
    pub const INT: u8 = 2;
    /// `bits` is the bit pattern of an `f64`.
    pub const DOUBLE: u8 = 3;
    /// `bits` is an interned string id.
    pub const STRING: u8 = 4;
    /// `bits` is an `i64`: microseconds since the epoch.
    pub const TIMESTAMP: u8 = 5;
    /// `bits` is an `i32` (sign-extended): days since 1970-01-01.
    pub const DATE: u8 = 6;
    /// An array or object: `bits` is an index into `Column::complex`.
    pub const COMPLEX: u8 = 7;
}

/// One column: a tag and a 64-bit payload per row.
#[derive(Debug, Clone, Default)]
pub struct Column {
    pub tags: Vec<u8>,
    pub bits: Vec<u64>,
    /// Arrays and objects (tag `COMPLEX`), referenced by index from `bits`.
    pub complex: Vec<Value>,
}

/// The events of one or more profiles, in columns. Rows of one profile are contiguous and sorted
/// by (`timestamp`, ingestion order: batch id, then line): the last row of equal timestamps is the
/// newest. The datasets' order in the policy files plays no part.
#[derive(Debug, Clone, Default)]
pub struct EventColumns {
    /// Record time of each event (µs since the epoch), never null.
    pub timestamp: Vec<i64>,
    /// One column per `ir::Program::event_paths` entry, in the same order.
    pub columns: Vec<Column>,
}

impl EventColumns {
    pub fn len(&self) -> usize {
        self.timestamp.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timestamp.is_empty()
    }
}

/// What evaluation needs besides data: the as-of instant and the project's time zone.
#[derive(Clone)]
pub struct EvalContext {
    /// `now`, µs since the epoch.
    pub as_of: i64,
    pub tz: jiff::tz::TimeZone,
    pub interner: Arc<Interner>,
}

/// Which engine evaluates expressions (`--engine`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineKind {
    #[default]
    Jit,
    Interp,
}

/// A compiled program. Results must not depend on which engine produced it.
pub trait Compiled: Send + Sync {
    /// Evaluates every attribute of the program (in `Program::attributes` order) for one
    /// profile whose events are `rows` of `events`, writing one value per attribute into `out`
    /// (cleared first; `Value::Null` = absent). `profile` is the merged entity (scope 0).
    fn attributes(
        &self,
        profile: &Value,
        events: &EventColumns,
        rows: Range<usize>,
        ctx: &EvalContext,
        out: &mut Vec<Value>,
    );

    /// Evaluates every audience (in `Program::audiences` order) for one profile whose entity
    /// already holds its computed attributes, writing one bool per audience into `out`.
    fn audiences(
        &self,
        profile: &Value,
        events: &EventColumns,
        rows: Range<usize>,
        ctx: &EvalContext,
        out: &mut Vec<bool>,
    );
}

mod columns;

pub use columns::columns_from_events;

/// Compiles a program with the chosen engine.
pub fn compile(
    program: &crate::ir::Program,
    kind: EngineKind,
    interner: &Arc<Interner>,
) -> Arc<dyn Compiled> {
    let interp = || Arc::new(crate::interp::Interpreter::new(program.clone(), interner.clone()));
    match kind {
        EngineKind::Interp => interp(),
        EngineKind::Jit => crate::codegen::compile(program, interner),
    }
}
