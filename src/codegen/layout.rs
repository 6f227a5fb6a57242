//! The `#[repr(C)]` memory shared between native code and Rust: environment, columns, accumulators.

use crate::ir;
use std::mem::offset_of;

/// The static kind of a native value; decided from the IR type, so only presence is dynamic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The literal `null`: never present.
    Null,
    Bool,
    Int,
    Double,
    /// An interned string id.
    Str,
    Timestamp,
    Date,
}

impl Kind {
    /// The kind of a scalar IR type; `None` for arrays, objects and `Any` (not compiled natively).
    pub fn of(ty: &ir::Type) -> Option<Kind> {
        Some(match ty {
            ir::Type::Null => Kind::Null,
            ir::Type::Bool => Kind::Bool,
            ir::Type::Int => Kind::Int,
            ir::Type::Double => Kind::Double,
            ir::Type::String => Kind::Str,
            ir::Type::Timestamp => Kind::Timestamp,
            ir::Type::Date => Kind::Date,
            ir::Type::Array(_) | ir::Type::Object(_) | ir::Type::Any => return None,
        })
    }

    /// The column tag a cell of this kind carries.
    pub fn tag(self) -> u8 {
        use crate::engine::tag;
        match self {
            Kind::Null => tag::NULL,
            Kind::Bool => tag::BOOL,
            Kind::Int => tag::INT,
            Kind::Double => tag::DOUBLE,
            Kind::Str => tag::STRING,
            Kind::Timestamp => tag::TIMESTAMP,
            Kind::Date => tag::DATE,
        }
    }
}

/// Pointers to one column's cells.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ColPtr {
    pub tags: *const u8,
    pub bits: *const u64,
}

/// Everything a native function reads: passed by pointer as its only argument.
#[repr(C)]
pub struct Env {
    /// One entry per `Program::event_paths` entry.
    pub cols: *const ColPtr,
    /// Record time of each row.
    pub ts: *const i64,
    pub row_start: i64,
    pub row_end: i64,
    /// `now`.
    pub as_of: i64,
    /// Per attribute: the start of its lookback window (inclusive).
    pub win_lo: *const i64,
    /// Per attribute accumulator.
    pub accs: *mut Acc,
    /// Per `occurs` site: four words (lo, hi, excluded, has_excluded), computed per call.
    pub occurs: *const i64,
    /// Profile scalar leaves read at scope 0, extracted on the Rust side.
    pub prof_tags: *const u8,
    pub prof_bits: *const u64,
    /// The Rust-side runtime that helpers receive (`helpers::Runtime`).
    pub rt: *mut u8,
    /// Per string-helper site, `CACHE_SLOTS` words memoizing its result by string id, zeroed per
    /// call (see `FunctionTranslator::cached_call`).
    pub icache: *mut u64,
}

/// Slots of each site's inline cache (direct-mapped by the low bits of the id).
pub const CACHE_SLOTS: i64 = 64;

/// Byte offsets of `Env` fields, for loads in generated code.
pub mod env {
    use super::*;
    pub const COLS: i32 = offset_of!(Env, cols) as i32;
    pub const TS: i32 = offset_of!(Env, ts) as i32;
    pub const ROW_START: i32 = offset_of!(Env, row_start) as i32;
    pub const ROW_END: i32 = offset_of!(Env, row_end) as i32;
    pub const WIN_LO: i32 = offset_of!(Env, win_lo) as i32;
    pub const AS_OF: i32 = offset_of!(Env, as_of) as i32;
    pub const ACCS: i32 = offset_of!(Env, accs) as i32;
    pub const OCCURS: i32 = offset_of!(Env, occurs) as i32;
    pub const PROF_TAGS: i32 = offset_of!(Env, prof_tags) as i32;
    pub const PROF_BITS: i32 = offset_of!(Env, prof_bits) as i32;
    pub const RT: i32 = offset_of!(Env, rt) as i32;
    pub const ICACHE: i32 = offset_of!(Env, icache) as i32;
    pub const COLPTR_SIZE: i64 = std::mem::size_of::<ColPtr>() as i64;
    pub const COLPTR_BITS: i32 = offset_of!(ColPtr, bits) as i32;
}

/// One computed attribute's running state, written by the kernel when it finishes.
/// Which fields count depends on the function: COUNT uses `n`; SUM `n` + `i`/`f` + `overflow`;
/// MIN/MAX `n` + `bits` (doubles as their total-order key); AVG `n` + `f`; MOST_RECENT/FIRST
/// `n` + `bits`. LIST and COUNT_DISTINCT push values through a helper instead.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct Acc {
    pub n: i64,
    pub i: i64,
    pub f: f64,
    pub overflow: i64,
    pub bits: i64,
}

pub mod acc {
    use super::*;
    pub const SIZE: i64 = std::mem::size_of::<Acc>() as i64;
    pub const N: i32 = offset_of!(Acc, n) as i32;
    pub const I: i32 = offset_of!(Acc, i) as i32;
    pub const F: i32 = offset_of!(Acc, f) as i32;
    pub const OVERFLOW: i32 = offset_of!(Acc, overflow) as i32;
    pub const BITS: i32 = offset_of!(Acc, bits) as i32;
}

/// Maps a double's bits to an `i64` whose signed order is `f64::total_cmp`; its own inverse.
pub fn total_key(bits: i64) -> i64 {
    bits ^ ((((bits >> 63) as u64) >> 1) as i64)
}
