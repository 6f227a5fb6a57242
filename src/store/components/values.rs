//! Values inside a component blob: JSON values (record and event bodies, in the store's tagged
//! binary form, `wire::Out::json`) and the runtime's typed values (event fields) in a tagged
//! form of their own: strings are copied, not escaped, and read back without parsing text, the
//! cheapest form in both directions (a run writes millions of them).

use super::{Error, Reader, Writer};
use crate::value::Value;
use std::sync::Arc;

/// How many levels deep values may nest: serde_json's own parser stops at 128, and the value
/// itself is one more.
const MAX_DEPTH: u32 = 129;

/// The first byte of a runtime value.
mod vtag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    /// Zigzag varints.
    pub const INT: u8 = 3;
    pub const TIMESTAMP: u8 = 4;
    pub const DATE: u8 = 5;
    /// f64, little-endian.
    pub const DOUBLE: u8 = 6;
    pub const STRING: u8 = 7;
    /// A count, then the items.
    pub const ARRAY: u8 = 8;
    /// A count, then key and value pairs in key order.
    pub const OBJECT: u8 = 9;
}

impl Writer {
    /// A runtime value ([`vtag`]).
    pub(super) fn value(&mut self, v: &Value) {
        match v {
            Value::Null => self.out.push(vtag::NULL),
            Value::Bool(b) => self.out.push(if *b { vtag::TRUE } else { vtag::FALSE }),
            Value::Int(i) => {
                self.out.push(vtag::INT);
                self.int(*i);
            }
            Value::Timestamp(t) => {
                self.out.push(vtag::TIMESTAMP);
                self.int(*t);
            }
            Value::Date(d) => {
                self.out.push(vtag::DATE);
                self.int(i64::from(*d));
            }
            Value::Double(f) => {
                self.out.push(vtag::DOUBLE);
                self.out.extend_from_slice(&f.to_le_bytes());
            }
            Value::String(s) => {
                self.out.push(vtag::STRING);
                self.str(s);
            }
            Value::Array(items) => {
                self.out.push(vtag::ARRAY);
                self.uint(items.len() as u64);
                items.iter().for_each(|i| self.value(i));
            }
            Value::Object(map) => {
                self.out.push(vtag::OBJECT);
                self.uint(map.len() as u64);
                for (k, v) in map.iter() {
                    self.str(k);
                    self.value(v);
                }
            }
        }
    }
}

impl Reader<'_> {
    /// A value written by `Out::json`, at most [`MAX_DEPTH`] levels deep (so corrupt bytes
    /// cannot exhaust the stack).
    pub(super) fn json(&mut self) -> Result<serde_json::Value, Error> {
        Ok(self.r.json(MAX_DEPTH)?)
    }

    /// A value written by `Writer::value`, as deep as [`Reader::json`] allows.
    pub(super) fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth >= MAX_DEPTH as usize {
            return Err(Error::Corrupt);
        }
        Ok(match self.byte()? {
            vtag::NULL => Value::Null,
            vtag::FALSE => Value::Bool(false),
            vtag::TRUE => Value::Bool(true),
            vtag::INT => Value::Int(self.int()?),
            vtag::TIMESTAMP => Value::Timestamp(self.int()?),
            vtag::DATE => Value::Date(i32::try_from(self.int()?).map_err(|_| Error::Corrupt)?),
            vtag::DOUBLE => Value::Double(self.f64()?),
            vtag::STRING => Value::String(Arc::from(self.str()?)),
            vtag::ARRAY => {
                let n = self.len()?;
                Value::Array(Arc::new((0..n).map(|_| self.value(depth + 1)).collect::<Result<_, _>>()?))
            }
            vtag::OBJECT => {
                let n = self.len()?;
                let mut map = crate::value::Map::new();
                for _ in 0..n {
                    let k = self.str()?.to_string();
                    map.insert(k, self.value(depth + 1)?);
                }
                Value::Object(Arc::new(map))
            }
            _ => return Err(Error::Corrupt),
        })
    }
}
