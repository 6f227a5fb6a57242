//! Values inside a component blob: JSON values (record and event bodies) and the runtime's
//! typed values (event fields), each in a tagged binary form: strings are copied, not escaped,
//! and read back without parsing text, the cheapest form in both directions (a run writes
//! millions of them).

use super::{Error, Reader, Writer};
use crate::value::Value;
use std::sync::Arc;

/// How deep values may nest (serde_json's own parser stops at 128 too).
const MAX_DEPTH: usize = 128;

/// The first byte of a JSON value.
mod tag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    /// A number that fits u64, as a varint.
    pub const UINT: u8 = 3;
    /// A negative integer, zigzag.
    pub const INT: u8 = 4;
    /// Any other number: f64, little-endian.
    pub const FLOAT: u8 = 5;
    pub const STRING: u8 = 6;
    /// A count, then the items.
    pub const ARRAY: u8 = 7;
    /// A count, then key and value pairs in order.
    pub const OBJECT: u8 = 8;
}

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
    /// A JSON value in a tagged binary form ([`tag`]): strings are copied, not escaped, and
    /// read back without parsing text, in both directions the cheapest form of a value.
    pub(super) fn json(&mut self, v: &serde_json::Value) {
        use serde_json::Value as J;
        match v {
            J::Null => self.out.push(tag::NULL),
            J::Bool(b) => self.out.push(if *b { tag::TRUE } else { tag::FALSE }),
            J::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => {
                    self.out.push(tag::UINT);
                    self.uint(u);
                }
                (None, Some(i)) => {
                    self.out.push(tag::INT);
                    self.int(i);
                }
                _ => {
                    self.out.push(tag::FLOAT);
                    self.out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
                }
            },
            J::String(t) => {
                self.out.push(tag::STRING);
                self.str(t);
            }
            J::Array(items) => {
                self.out.push(tag::ARRAY);
                self.uint(items.len() as u64);
                items.iter().for_each(|i| self.json(i));
            }
            J::Object(map) => {
                self.out.push(tag::OBJECT);
                self.uint(map.len() as u64);
                for (k, v) in map {
                    self.str(k);
                    self.json(v);
                }
            }
        }
    }

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
    fn f64(&mut self) -> Result<f64, Error> {
        let (bytes, rest) = self.bytes.split_first_chunk::<8>().ok_or(Error::Corrupt)?;
        self.bytes = rest;
        Ok(f64::from_le_bytes(*bytes))
    }

    /// A value written by `Writer::json`; nesting deeper than [`MAX_DEPTH`] is corrupt (so
    /// corrupt bytes cannot exhaust the stack).
    pub(super) fn json(&mut self, depth: usize) -> Result<serde_json::Value, Error> {
        use serde_json::Value as J;
        if depth > MAX_DEPTH {
            return Err(Error::Corrupt);
        }
        Ok(match self.byte()? {
            tag::NULL => J::Null,
            tag::FALSE => J::Bool(false),
            tag::TRUE => J::Bool(true),
            tag::UINT => J::from(self.uint()?),
            tag::INT => J::from(self.int()?),
            tag::FLOAT => serde_json::Number::from_f64(self.f64()?).map_or(J::Null, J::Number),
            tag::STRING => J::String(self.str()?.to_string()),
            tag::ARRAY => {
                let n = self.len()?;
                J::Array((0..n).map(|_| self.json(depth + 1)).collect::<Result<_, _>>()?)
            }
            tag::OBJECT => {
                let n = self.len()?;
                let mut map = serde_json::Map::with_capacity(n);
                for _ in 0..n {
                    let k = self.str()?.to_string();
                    map.insert(k, self.json(depth + 1)?);
                }
                J::Object(map)
            }
            _ => return Err(Error::Corrupt),
        })
    }

    /// A value written by `Writer::value`, as deep as [`Reader::json`] allows.
    pub(super) fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
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
