//! The primitives of the store's binary layouts (`codec.rs` for batches, `components.rs` for
//! identity components): LEB128 varints, zigzag integers, length-prefixed strings, JSON values
//! in a tagged binary form, and a reader that never trusts a length further than the bytes
//! left.

/// Bytes that end early or do not decode; each layout turns it into its own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

/// A growing encoding.
#[derive(Debug, Default)]
pub struct Out {
    pub out: Vec<u8>,
}

impl Out {
    pub fn with_capacity(n: usize) -> Out {
        Out { out: Vec::with_capacity(n) }
    }

    pub fn uint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.out.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.out.push(v as u8);
    }

    /// Zigzag, so small negative numbers stay short.
    pub fn int(&mut self, v: i64) {
        self.uint(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn opt_int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => {
                self.out.push(1);
                self.int(v);
            }
            None => self.out.push(0),
        }
    }

    pub fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.out.push(1);
                self.str(s);
            }
            None => self.out.push(0),
        }
    }
}

/// The first byte of a JSON value in its tagged binary form ([`Out::json`]).
pub(super) mod tag {
    pub const NULL: u8 = 0;
    pub const FALSE: u8 = 1;
    pub const TRUE: u8 = 2;
    /// A number that fits u64, as a varint.
    pub const UINT: u8 = 3;
    /// A negative integer, zigzag.
    pub const NEG: u8 = 4;
    /// Any other number: f64 bits, little-endian.
    pub const FLOAT: u8 = 5;
    pub const STRING: u8 = 6;
    /// A count, then the items.
    pub const ARRAY: u8 = 7;
    /// A count, then key and value of each member, in order.
    pub const OBJECT: u8 = 8;
}

impl Out {
    /// A JSON value in a tagged binary form: strings are copied, not escaped, and read back
    /// without parsing text, in both directions the cheapest form of a value.
    pub fn json(&mut self, v: &serde_json::Value) {
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
                    self.out.push(tag::NEG);
                    self.int(i);
                }
                (None, None) => {
                    self.out.push(tag::FLOAT);
                    let bits = n.as_f64().unwrap_or(f64::NAN).to_bits();
                    self.out.extend_from_slice(&bits.to_le_bytes());
                }
            },
            J::String(s) => {
                self.out.push(tag::STRING);
                self.str(s);
            }
            J::Array(items) => {
                self.out.push(tag::ARRAY);
                self.uint(items.len() as u64);
                items.iter().for_each(|i| self.json(i));
            }
            J::Object(members) => {
                self.out.push(tag::OBJECT);
                self.uint(members.len() as u64);
                for (k, v) in members {
                    self.str(k);
                    self.json(v);
                }
            }
        }
    }
}

/// A reader over an encoding.
#[derive(Debug)]
pub struct In<'b> {
    pub bytes: &'b [u8],
}

impl<'b> In<'b> {
    pub fn byte(&mut self) -> Result<u8, Corrupt> {
        let (&b, rest) = self.bytes.split_first().ok_or(Corrupt)?;
        self.bytes = rest;
        Ok(b)
    }

    pub fn uint(&mut self) -> Result<u64, Corrupt> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(Corrupt)
    }

    /// A count, bounded by what is left to read so corrupt input cannot make a huge allocation.
    pub fn len(&mut self) -> Result<usize, Corrupt> {
        let v = self.uint()?;
        usize::try_from(v).ok().filter(|&n| n <= self.bytes.len()).ok_or(Corrupt)
    }

    /// An index into a table (checked by the caller's lookup).
    pub fn index(&mut self) -> Result<usize, Corrupt> {
        usize::try_from(self.uint()?).map_err(|_| Corrupt)
    }

    pub fn u32(&mut self) -> Result<u32, Corrupt> {
        u32::try_from(self.uint()?).map_err(|_| Corrupt)
    }

    pub fn int(&mut self) -> Result<i64, Corrupt> {
        let v = self.uint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub fn opt_int(&mut self) -> Result<Option<i64>, Corrupt> {
        match self.byte()? {
            0 => Ok(None),
            _ => self.int().map(Some),
        }
    }

    pub fn str(&mut self) -> Result<&'b str, Corrupt> {
        let n = self.len()?;
        let (s, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        std::str::from_utf8(s).map_err(|_| Corrupt)
    }

    pub fn opt_str(&mut self) -> Result<Option<&'b str>, Corrupt> {
        match self.byte()? {
            0 => Ok(None),
            _ => self.str().map(Some),
        }
    }

    /// An f64 written as its 8 bytes, little-endian.
    pub fn f64(&mut self) -> Result<f64, Corrupt> {
        let (bytes, rest) = self.bytes.split_first_chunk::<8>().ok_or(Corrupt)?;
        self.bytes = rest;
        Ok(f64::from_le_bytes(*bytes))
    }

    /// A value written by [`Out::json`], nested at most `levels` levels deep (so corrupt bytes
    /// cannot exhaust the stack).
    pub fn json(&mut self, levels: u32) -> Result<serde_json::Value, Corrupt> {
        use serde_json::{Number, Value as J};
        let levels = levels.checked_sub(1).ok_or(Corrupt)?;
        Ok(match self.byte()? {
            tag::NULL => J::Null,
            tag::FALSE => J::Bool(false),
            tag::TRUE => J::Bool(true),
            tag::UINT => J::Number(Number::from(self.uint()?)),
            tag::NEG => J::Number(Number::from(self.int()?)),
            tag::FLOAT => J::Number(Number::from_f64(self.f64()?).ok_or(Corrupt)?),
            tag::STRING => J::String(self.str()?.to_string()),
            tag::ARRAY => {
                let n = self.len()?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.json(levels)?);
                }
                J::Array(items)
            }
            tag::OBJECT => {
                let n = self.len()?;
                let mut members = serde_json::Map::with_capacity(n);
                for _ in 0..n {
                    let key = self.str()?.to_string();
                    members.insert(key, self.json(levels)?);
                }
                J::Object(members)
            }
            _ => return Err(Corrupt),
        })
    }
}

/// Lets a layout's own writer or reader (which adds its tables) use the primitives directly.
macro_rules! deref_to {
    (lifetime $lt:lifetime; $outer:ty, $field:ident, $inner:ty) => {
        impl<$lt> std::ops::Deref for $outer {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.$field
            }
        }
        impl<$lt> std::ops::DerefMut for $outer {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.$field
            }
        }
    };
    ($outer:ty, $field:ident, $inner:ty) => {
        impl std::ops::Deref for $outer {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.$field
            }
        }
        impl std::ops::DerefMut for $outer {
            fn deref_mut(&mut self) -> &mut $inner {
                &mut self.$field
            }
        }
    };
}
pub(crate) use deref_to;
